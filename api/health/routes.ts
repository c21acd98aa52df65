/** GET /healthz (the process lives) and GET /readyz (PostgreSQL, Temporal and a worker on the task queue). */
import Router from '@koa/router';
import type { ReadinessProbe } from './readiness';

export function healthRoutes(deps: { readiness: ReadinessProbe }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const { ready, checks, unavailable } = await deps.readiness.check();
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? { status: 'ok', checks } : { status: 'unavailable', checks, unavailable };
  });
  return router;
}
