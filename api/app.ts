/**
 * The Koa application. Built from explicit dependencies so tests run it against their own database
 * and Temporal server. Middleware order matters: context first (request id), then the access log and
 * the error envelope (so the log sees final statuses), then body parsing, then routes.
 */
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { healthRoutes } from './health/routes';
import { accessLog } from './middleware/access-log';
import { errorHandler } from './middleware/error-handler';
import { requestContext } from './middleware/request-context';
import type { TemporalHandle } from './temporal-client';

export type AppDeps = {
  logger: Logger;
  knex: Knex;
  temporal: TemporalHandle;
  /** Stack traces in 500 responses: development only. */
  exposeInternalErrors: boolean;
  /** Behind a reverse proxy, trust X-Forwarded-For for client IPs. */
  trustProxy?: boolean;
};

export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: deps.trustProxy ?? false });
  app.silent = true; // errors are logged by our own middleware, once, with the request id

  app.use(requestContext());
  app.use(accessLog(deps.logger));
  app.use(errorHandler({ logger: deps.logger, exposeInternalErrors: deps.exposeInternalErrors }));
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' }));

  const health = healthRoutes({ knex: deps.knex, temporal: deps.temporal });
  app.use(health.routes());
  app.use(health.allowedMethods({ throw: false }));
  return app;
}
