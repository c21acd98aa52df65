/**
 * PostgreSQL killed under a running api (SIGKILL to the whole server): readiness answers 503 naming
 * postgres while it is gone, and once the same server is back (crash recovery on the same data and
 * port) the same api process answers again, readiness and database-backed requests alike, without
 * being restarted. The api has its own embedded PostgreSQL here, so killing it harms no other test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createApp } from '../../../api/app';
import { createSecurity } from '../../../api/security';
import { createTemporalClient, type TemporalHandle } from '../../../api/temporal-client';
import { createKnex, databaseUrlFor } from '../../../db/knex';
import { migrateLatest } from '../../../db/migrator';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from '../../../ops/embedded-postgres';
import { freePort } from '../../../ops/ports';
import { call, testSecuritySettings } from '../../harness/api';
import { TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { serve } from '../../harness/http';
import { captureLogger } from '../../harness/logs';
import { startTestWorker, uniqueTaskQueue } from '../../harness/temporal';
import type { RunningWorker } from '../../../ops/worker';

jest.setTimeout(300_000);

describe('PostgreSQL killed under the api', () => {
  let dir: string;
  let pg: EmbeddedPostgres | undefined;
  let port: number;
  let app: Knex;
  let owner: Knex;
  let temporal: TemporalHandle;
  let server: { url: string; close(): Promise<void> };
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-outage-'));
    port = await freePort();
    pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port, persistent: true });
    await ensureDatabase(pg.url, 'outage');
    const url = databaseUrlFor(pg.url, 'outage');
    await migrateLatest({ url, appRole: TEST_APP_ROLE });
    app = createKnex({ url, appRole: TEST_APP_ROLE, poolMax: 4, applicationName: 'taalmel-outage-api', acquireTimeoutMs: 3_000 });
    owner = createKnex({ url, poolMax: 1, applicationName: 'taalmel-outage-owner' });
    const logs = captureLogger('warn');
    // Ready also means a worker polls the api's task queue (api/health/readiness.ts).
    const taskQueue = uniqueTaskQueue('outage');
    worker = await startTestWorker({ knex: app, taskQueue });
    temporal = createTemporalClient({ address: harnessValue('temporalAddress'), namespace: 'default', taskQueue });
    const security = createSecurity(testSecuritySettings(), app, logs.logger);
    server = await serve(createApp({ logger: logs.logger, knex: app, temporal, security, exposeInternalErrors: false }));
  });
  afterAll(async () => {
    await server?.close();
    await worker?.shutdown();
    await temporal?.close();
    await app?.destroy();
    await owner?.destroy();
    await pg?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 naming postgres while it is down, and recovers when it is back, without a restart', async () => {
    const firm = await createTestFirm({ owner } as TestDatabase);
    const signIn = () => call(server, 'POST', '/api/auth/login', { body: { email: firm.users.staff.email, password: firm.users.staff.password } });
    // The worker's first polls reach Temporal a moment after it starts.
    const ready = await eventually('readiness with a polling worker', async () => {
      const res = await call(server, 'GET', '/readyz');
      return res.status === 200 ? res : null;
    });
    expect(ready.body).toEqual({ status: 'ok', checks: { postgres: 'ok', temporal: 'ok', worker: 'ok' } });
    expect((await signIn()).status).toBe(200);

    // The whole server (postmaster and backends) dies at once.
    process.kill(-pg!.pid, 'SIGKILL');
    pg = undefined;
    const down = await eventually('readiness to report postgres down', async () => {
      const res = await call(server, 'GET', '/readyz');
      return res.status === 503 ? res : null;
    });
    expect(down.body).toEqual({ status: 'unavailable', checks: { postgres: 'unavailable', temporal: 'ok', worker: 'ok' }, unavailable: ['postgres'] });
    // The process itself lives (liveness), and a request that needs the database fails without hanging.
    expect((await call(server, 'GET', '/healthz')).status).toBe(200);
    expect((await signIn()).status).toBeGreaterThanOrEqual(500);

    // Back on the same data and port; persistent: false from here, so the test's stop removes it.
    pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port, persistent: false });
    await eventually(
      'readiness to recover',
      async () => {
        const res = await call(server, 'GET', '/readyz');
        return res.status === 200 ? res : null;
      },
      120_000,
      250,
    );
    const after = await eventually('a sign-in to work again', async () => {
      const res = await signIn();
      return res.status === 200 ? res : null;
    }, 60_000, 250);
    expect(after.body.user.email).toBe(firm.users.staff.email);
  });
});
