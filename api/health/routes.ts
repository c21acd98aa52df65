/** GET /healthz (the process lives) and GET /readyz (PostgreSQL, Temporal and a worker on the task queue). */
import Router from '@koa/router';
import type { ReadinessProbe } from './readiness';

export function healthRoutes(deps: { readiness: ReadinessProbe }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const { ready, checks, unavailable, level } = await deps.readiness.check();
    ctx.status = ready ? 200 : 503;
    // A 503 while the api is still starting is expected: the access log writes it at info (api/middleware/access-log.ts).
    if (!ready && level !== 'error') ctx.state.logLevel = level;
    ctx.body = ready ? { status: 'ok', checks } : { status: 'unavailable', checks, unavailable };
  });
  return router;
}
