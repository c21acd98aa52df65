/**
 * HTTP requests and their latency by method, route template and final status. The route is the
 * router's template (`/api/clients/:id`), never the raw path: ids would make one series per row.
 * Mounted outside the error envelope, like the access log, so it sees the status the client got.
 */
import type { Middleware } from 'koa';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Paths no router template covers still need a bounded label. */
function routeOf(ctx: { _matchedRoute?: string | RegExp; method: string; path: string }, isApi: (path: string) => boolean): string {
  if (typeof ctx._matchedRoute === 'string') return ctx._matchedRoute;
  if (isApi(ctx.path)) return 'unmatched';
  return /^\/+admin(\/|$)/i.test(ctx.path) ? 'admin console' : 'web app';
}

export function httpMetrics(registry: Registry, isApi: (path: string) => boolean): Middleware {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'taalmel_http_requests_total', help: 'HTTP requests answered, by method, route template and status.', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'taalmel_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route template and status.',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const labels = { method: ctx.method, route: routeOf(ctx as never, isApi), status: String(ctx.status) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}
