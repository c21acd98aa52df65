/**
 * One log line per request with method, path (without link tokens or the query string: ./logged-path.ts), status and time.
 * A 5xx is an error unless its route said the answer is expected (`ctx.state.logLevel`: GET /readyz while the api starts).
 */
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { loggedPath } from './logged-path';

export function accessLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const expected = ctx.state.logLevel as 'info' | 'warn' | undefined;
      const level = ctx.status >= 500 ? (expected ?? 'error') : 'info';
      logger[level]({ method: ctx.method, path: loggedPath(ctx), status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  };
}
