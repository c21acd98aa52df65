/** GET /healthz (the process lives) and GET /readyz (PostgreSQL and Temporal both answer). */
import Router from '@koa/router';
import type { Knex } from 'knex';
import { temporalAnswers, type TemporalHandle } from '../temporal-client';

const CHECK_TIMEOUT_MS = 2000;

async function databaseAnswers(knex: Knex): Promise<boolean> {
  try {
    await knex.raw('select 1').timeout(CHECK_TIMEOUT_MS, { cancel: true });
    return true;
  } catch {
    return false;
  }
}

export function healthRoutes(deps: { knex: Knex; temporal: TemporalHandle }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const [postgres, temporal] = await Promise.all([databaseAnswers(deps.knex), temporalAnswers(deps.temporal, CHECK_TIMEOUT_MS)]);
    const checks = { postgres: postgres ? 'ok' : 'unavailable', temporal: temporal ? 'ok' : 'unavailable' };
    const down = Object.entries(checks).filter(([, state]) => state !== 'ok').map(([name]) => name);
    ctx.status = down.length === 0 ? 200 : 503;
    ctx.body = down.length === 0 ? { status: 'ok', checks } : { status: 'unavailable', checks, unavailable: down };
  });
  return router;
}
