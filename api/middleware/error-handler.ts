/**
 * Every failure leaves as the API's error envelope (docs/api.md). Known errors keep their status and code; body
 * parser failures become 400/413/415; anything else is a 500 whose message (and stack) stays in the
 * log, and reaches the response only in development.
 */
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { isDatabaseBusyError, isPeriodClosedError } from '../../db/db-errors';
import { scrubDatabaseError } from '../../db/scrub-db-error';
import { ApiError, isUniqueViolation, unavailable } from '../errors';
import { loggedPath } from './logged-path';

type HttpishError = Error & { status?: number; statusCode?: number; expose?: boolean; type?: string; data?: unknown };

/** A body that does not parse as JSON (or is not an object or array, which co-body's strict mode also refuses). */
const invalidJson = () =>
  new ApiError(400, 'invalid_input', 'The request body is not valid JSON: send a JSON object, with double-quoted names and strings.', { fields: { body: 'not valid JSON' } });

function fromHttpError(error: HttpishError): ApiError | null {
  // The database refuses writes to a closed period (the close lock's trigger).
  if (isPeriodClosedError(error)) {
    return new ApiError(422, 'period_closed', 'This period is closed: reopen it before changing its data.');
  }
  // No connection in time, or a lock / statement / idle limit ended the work: busy, not broken.
  if (isDatabaseBusyError(error)) return unavailable();
  // A unique key refused a duplicate that slipped past the route's own check (e.g. a double click).
  if (isUniqueViolation(error)) return new ApiError(409, 'conflict', 'This already exists.');
  // Objection's model validation (jsonSchema): a last line behind the route schemas.
  if (error.name === 'ValidationError' && error.type === 'ModelValidation') {
    return new ApiError(400, 'invalid_input', 'The request is not valid.', { fields: error.data ?? {} });
  }
  const status = error.status ?? error.statusCode;
  if (!status || status < 400 || status >= 500) return null;
  // co-body (under @koa/bodyparser) throws JSON.parse's SyntaxError with status 400; its message quotes
  // the body, which may hold a password, so only our sentence leaves.
  if (error.type === 'entity.parse.failed' || (status === 400 && error instanceof SyntaxError)) return invalidJson();
  if (error.type === 'entity.too.large' || status === 413) return new ApiError(413, 'too_large', 'The request body is too large.');
  if (status === 415) return new ApiError(415, 'unsupported_type', 'This content type is not supported.');
  if (status === 400) return new ApiError(400, 'invalid_input', error.expose ? error.message : 'The request is not valid.');
  return null;
}

export function errorHandler(options: { logger: Logger; exposeInternalErrors: boolean }): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new ApiError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}.`);
      }
    } catch (caught) {
      const error = caught as HttpishError;
      const known = error instanceof ApiError ? error : fromHttpError(error);
      if (known) {
        ctx.status = known.status;
        for (const [name, value] of Object.entries(known.headers ?? {})) ctx.set(name, value);
        ctx.body = { error: { code: known.code, message: known.message, ...(known.details ? { details: known.details } : {}) } };
        if (known.status >= 500) options.logger.error({ err: error }, 'request failed');
        // Its client went before the answer (a 499): its choice, no failure of ours, and nobody reads this body.
        else if (known.status === 499) options.logger.info({ method: ctx.method, path: loggedPath(ctx) }, 'client closed request');
        return;
      }
      options.logger.error({ err: error, method: ctx.method, path: loggedPath(ctx) }, 'unhandled error');
      // Shown in development only, and even there without the rows a database error quotes.
      const shown = options.exposeInternalErrors ? (scrubDatabaseError(error) as HttpishError) : undefined;
      ctx.status = 500;
      ctx.body = {
        error: {
          code: 'internal_error',
          message: 'Something went wrong on our side. Quote the request id when you report it.',
          details: { requestId: ctx.state.requestId, ...(shown ? { cause: shown.message, stack: shown.stack } : {}) },
        },
      };
    }
  };
}
