/**
 * The process `npm run bench:api` measures (ops/bench/api-load.bench.ts starts it): the real api
 * service (ops/services.ts, configured from the environment like `npm run api`), and on a second
 * port the two floors it is compared with, in the same process and on the same database pool:
 * - `GET /bare`: a Koa route that answers at once;
 * - `GET /floor?firm=<id>`: a Koa route that runs the clients list's query in one transaction scoped
 *   to the firm (as row-level security needs), with none of our middleware (no token, no session
 *   check, no audit context, no gates).
 * Prints `READY <api url> <floor url>` once both listen; SIGTERM stops it.
 */
import http from 'node:http';
import Koa from 'koa';
import { loadConfigOrExit } from '../config';
import { securitySettings } from '../keys';
import { createLogger } from '../logger';
import { startApi } from '../services';

async function main(): Promise<void> {
  const config = loadConfigOrExit({ requireExternalServices: true });
  const logger = createLogger({ level: 'warn', pretty: false });
  const api = await startApi({ config, logger, databaseUrl: config.database.url!, temporalAddress: config.temporal.address!, security: securitySettings(config, { devKeysFallback: true }) });

  const floors = new Koa();
  floors.use(async (ctx) => {
    if (ctx.path === '/bare') {
      ctx.body = { ok: true };
      return;
    }
    if (ctx.path === '/floor') {
      const firmId = String(ctx.query.firm ?? '');
      ctx.body = await api.knex.transaction(async (trx) => {
        await trx.raw(`select set_config('app.firm_id', ?, true)`, [firmId]);
        const items = await trx('clients').orderBy([{ column: 'name' }, { column: 'id' }]).limit(51);
        return { items: items.slice(0, 50) };
      });
      return;
    }
    ctx.status = 404;
  });
  const floorServer = http.createServer(floors.callback());
  const floorPort = Number(process.env.BENCH_FLOOR_PORT);
  await new Promise<void>((resolve) => floorServer.listen(floorPort, '127.0.0.1', () => resolve()));
  process.stdout.write(`READY ${api.url} http://127.0.0.1:${floorPort}\n`);

  process.once('SIGTERM', () => {
    floorServer.close();
    void api.stop().finally(() => process.exit(0));
  });
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
