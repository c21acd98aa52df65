/**
 * GET /metrics (Prometheus text): HTTP, the database pool, the process, and the operations figures
 * the alert rules watch. Two ways to reach it, as docs/operations.md says: on the api's port with
 * `Authorization: Bearer <METRICS_TOKEN>`, or without a token on a separate port (METRICS_PORT)
 * that only the scraper's network reaches. Neither configured: the api's /metrics answers 404.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
import Router from '@koa/router';
import type { Knex } from 'knex';
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ApiError, notFound } from '../errors';
import type { ReadinessProbe } from '../health/readiness';
import type { TemporalHandle } from '../temporal-client';
import { httpMetrics } from './http-metrics';
import { opsMetrics } from './ops-metrics';
import { poolMetrics } from './pool-metrics';

export type Metrics = { registry: Registry; http: Middleware };

export function createMetrics(deps: { knex: Knex; temporal: TemporalHandle; readiness: ReadinessProbe; isApi: (path: string) => boolean }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'taalmel_api_' });
  poolMetrics(registry, deps.knex);
  opsMetrics(registry, deps);
  return { registry, http: httpMetrics(registry, deps.isApi) };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The api's own /metrics, behind the bearer token; 404 when no token is configured. */
export function metricsRoutes(registry: Registry, token: string | undefined): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (!token) throw notFound();
    const given = /^Bearer (.+)$/.exec(ctx.get('authorization'))?.[1] ?? '';
    // Compared as digests: equal lengths, constant time, whatever the caller sends.
    if (!timingSafeEqual(digest(given), digest(token))) {
      throw new ApiError(401, 'unauthenticated', 'A valid metrics token is required.', undefined, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
    }
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}

/** /metrics alone on its own port (METRICS_PORT), for a scraper on a private network. */
export async function startMetricsServer(registry: Registry, options: { host: string; port: number }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
