/**
 * First middleware: gives the request its id (echoed in `x-request-id`; a well-formed incoming id
 * from a proxy is kept), and opens the async context every later log line and audit row reads.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { runWithContext } from '../../db/request-context';

const INCOMING_ID = /^[A-Za-z0-9._-]{8,128}$/;

export function requestContext(): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = INCOMING_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('x-request-id', requestId);
    await runWithContext({ requestId, ip: ctx.ip }, next);
  };
}
