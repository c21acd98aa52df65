/**
 * A request's deadline, or its client closing the connection, whichever comes first: for waits that
 * only serve the client (a slot to store an upload, a turn in a firm's line of user creations).
 * A client gone is its own choice, not a server error: the wait ends with a 499 that only the log
 * and the metrics see. Work already under way answers to the deadline alone.
 */
import type { Context } from 'koa';
import { clientClosedRequest } from '../errors';

export function whileClientWaits(ctx: Pick<Context, 'req' | 'res'>, deadline: AbortSignal | undefined): { signal: AbortSignal; done: () => void } {
  const gone = new AbortController();
  const onClose = () => {
    if (!ctx.res.writableEnded) gone.abort(clientClosedRequest());
  };
  ctx.res.once('close', onClose);
  // A client that left earlier (during a parse, a password hash): its 'close' has been and gone.
  if (ctx.req.socket.destroyed) onClose();
  return { signal: deadline ? AbortSignal.any([deadline, gone.signal]) : gone.signal, done: () => ctx.res.off('close', onClose) };
}
