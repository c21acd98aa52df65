/**
 * A JSON body holding text PostgreSQL cannot store (a NUL character, or half of a UTF-16 surrogate
 * pair, which jsonb refuses) is refused here, once for every route, as 400 `invalid_input` naming the
 * field (docs/api.md): otherwise the write fails in the database and the request answers a server
 * error. Runs right after the JSON body is parsed, before any route reads it.
 */
import type { Context, Next } from 'koa';
import { unstorableMessage, unstorableText } from '../../db/copy-text';
import { invalidRules } from '../errors';

export function refuseUnstorableBody(ctx: Context): void {
  const body: unknown = (ctx.request as { body?: unknown }).body;
  const found = unstorableText(body);
  if (!found) return;
  const field = found.field === '' ? 'body' : found.field;
  throw invalidRules({ [field]: unstorableMessage(found.what) }, `The request body is not valid: ${field} holds text that cannot be stored.`);
}

/** Wraps a body parser: the parsed body is checked before the rest of the chain runs. */
export function storableBody(parse: (ctx: Context, next: Next) => Promise<unknown>) {
  return (ctx: Context, next: Next) =>
    parse(ctx, () => {
      refuseUnstorableBody(ctx);
      return next();
    });
}
