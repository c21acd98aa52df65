/**
 * One firm's hung requests cannot take Taalmel down for the others (the probe's pool exhaustion).
 * The real api service (ops/services.ts, with the console, the configured database limits and its
 * stop) runs against the test database. Firm A's rows are locked by someone else, and A's admin
 * fires a burst of console edits and API writes at them, plus requests whose body never arrives.
 * Meanwhile firm B signs in and reads within a second, /readyz stays ready, everything is released
 * when A's requests end, and a stop in the middle of a second burst finishes within its grace.
 */
import pg from 'pg';
import { testSecuritySettings, call, login } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';
import { harnessValue } from '../harness/harness-env';
import { captureLogger } from '../harness/logs';
import { loadConfig } from '../../ops/config';
import { freePort } from '../../ops/ports';
import { startApi } from '../../ops/services';
import type { RunningWorker } from '../../ops/worker';
import { eventually } from '../harness/eventually';
import { startTestWorker, uniqueTaskQueue } from '../harness/temporal';
import { backendsOf, consoleSignIn, waitUntil, stalledRequest, timed } from './helpers';

jest.setTimeout(120_000);

const GRACE_MS = 3_000;

describe('pool exhaustion by one firm', () => {
  let db: TestDatabase;
  let firmA: TestFirm;
  let firmB: TestFirm;
  let api: Awaited<ReturnType<typeof startApi>> | null = null;
  let url: string;
  let locker: pg.Client | null = null;
  let worker: RunningWorker | null = null;
  const taskQueue = uniqueTaskQueue('pool');

  beforeAll(async () => {
    db = await createTestDatabase();
    firmA = await createTestFirm(db, 'Firm A');
    firmB = await createTestFirm(db, 'Firm B');
    const config = loadConfig({
      NODE_ENV: 'test',
      API_HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_POOL_MAX: '6',
      DATABASE_LOCK_TIMEOUT_MS: '3000',
      DATABASE_STATEMENT_TIMEOUT_MS: '8000',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '5000',
      DATABASE_ACQUIRE_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_SECONDS: '10',
      STOP_GRACE_SECONDS: String(GRACE_MS / 1000),
      MAX_SESSIONS_PER_USER: '10',
    });
    api = await startApi({ config, logger: captureLogger('warn').logger, databaseUrl: db.url, temporalAddress: harnessValue('temporalAddress'), security: testSecuritySettings({ maxSessionsPerUser: 10 }) });
    url = api.url;
    // /readyz is ready only with a worker on the api's task queue: one on its own pool, so the burst
    // measures the api's pool alone.
    worker = await startTestWorker({ knex: db.owner, taskQueue });
    await eventually('readyz is 200 before the burst', async () => (await call({ url }, 'GET', '/readyz')).status === 200, 30_000, 250);
  });
  afterAll(async () => {
    await locker?.end().catch(() => undefined);
    await api?.stop().catch(() => undefined);
    await worker?.shutdown().catch(() => undefined);
    await db.drop();
  });

  /** Someone else holds firm A's first client row (as a long transaction would). */
  async function lockFirmAClient(): Promise<void> {
    locker = new pg.Client({ connectionString: db.url, application_name: 'test-locker' });
    locker.on('error', () => undefined); // ended by the database's drop when a test failed half-way
    await locker.connect();
    await locker.query('begin');
    await locker.query(`select set_config('app.firm_id', $1, true)`, [firmA.id]);
    await locker.query('select id from clients where id = $1 for update', [firmA.clients[0]!.id]);
  }
  async function unlock(): Promise<void> {
    await locker?.query('rollback');
    await locker?.end();
    locker = null;
  }

  /** Twelve console edits and twelve API writes of firm A at the locked row, plus bodies that never come. */
  async function burstOfFirmA(): Promise<{ answers: Promise<number[]>; stalled: Array<ReturnType<typeof stalledRequest>> }> {
    const admin = firmA.users.firm_admin;
    const cookie = await consoleSignIn(url, admin.email, admin.password);
    const token = await login({ url }, admin.email, admin.password);
    const clientId = firmA.clients[0]!.id;
    const edits = Array.from({ length: 12 }, (_, i) =>
      fetch(`${url}/admin/api/resources/clients/records/${clientId}/edit`, {
        method: 'POST',
        headers: { cookie, origin: url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ name: `Edited ${i}` }).toString(),
      }).then((r) => r.status, () => -1),
    );
    const writes = Array.from({ length: 12 }, (_, i) => call({ url }, 'PATCH', `/api/clients/${clientId}`, { token, body: { name: `Patched ${i}` } }).then((r) => r.status, () => -1));
    const stalled = Array.from({ length: 4 }, () => stalledRequest(url, 'PATCH', `/api/clients/${clientId}`, { authorization: `Bearer ${token}`, 'content-type': 'application/json' }));
    return { answers: Promise.all([...edits, ...writes]), stalled };
  }

  /** Firm B signs in and reads; how long each took. */
  async function firmBRound(): Promise<{ signIn: Awaited<ReturnType<typeof call>>; signInMs: number; read: Awaited<ReturnType<typeof call>>; readMs: number }> {
    const staff = firmB.users.staff;
    const signIn = await timed(() => call({ url }, 'POST', '/api/auth/login', { body: { email: staff.email, password: staff.password } }));
    const read = await timed(() => call({ url }, 'GET', '/api/clients', { token: signIn.value.body.token }));
    await call({ url }, 'POST', '/api/auth/logout', { token: signIn.value.body.token });
    return { signIn: signIn.value, signInMs: signIn.ms, read: read.value, readMs: read.ms };
  }

  it('keeps another firm signing in and reading within a second, and releases everything afterwards', async () => {
    // A second on an idle machine; on a loaded one (password hashing is CPU work), three times what
    // the same round takes before any hang. Before the fix these waited for the pool, 10 s and more.
    const quiet = await firmBRound();
    const limitMs = Math.max(1000, 3 * Math.max(quiet.signInMs, quiet.readMs));
    await lockFirmAClient();
    const burst = await burstOfFirmA();
    // Wait until A's requests really hold connections and wait on the lock.
    await waitUntil(async () => (await backendsOf(db.owner, db.name, 'taalmel-api')).some((b) => b.wait === 'Lock'), 'firm A waits on the lock', 10_000, () => backendsOf(db.owner, db.name, 'taalmel-api'));

    for (let round = 0; round < 3; round += 1) {
      const { signIn, signInMs, read, readMs } = await firmBRound();
      expect({ status: signIn.status, signInMs: signInMs < limitMs }).toEqual({ status: 200, signInMs: true });
      expect({ status: read.status, readMs: readMs < limitMs, items: read.body.items?.length }).toEqual({ status: 200, readMs: true, items: 2 });
      const ready = await timed(() => call({ url }, 'GET', '/readyz'));
      expect({ status: ready.value.status, readyMs: ready.ms < limitMs }).toEqual({ status: 200, readyMs: true });
    }
    // A request whose body never arrives holds no database connection at all.
    const backends = await backendsOf(db.owner, db.name, 'taalmel-api');
    expect(backends.filter((b) => b.state === 'idle in transaction')).toEqual([]);

    await unlock();
    const statuses = await burst.answers;
    // Every one of A's requests was answered: done once the lock went, or refused as busy (503).
    expect(statuses.filter((s) => ![200, 503].includes(s))).toEqual([]);
    for (const s of burst.stalled) s.abort();
    await waitUntil(
      async () => (await backendsOf(db.owner, db.name, 'taalmel-api')).every((b) => b.state === 'idle'),
      'no api connection is busy any more',
      15_000,
      () => backendsOf(db.owner, db.name, 'taalmel-api'),
    );
    // The session row was not locked by every request: A's admin can still sign out at once.
    expect(api?.server.listening).toBe(true);
  });

  it('stops cleanly within its grace time in the middle of a burst', async () => {
    await lockFirmAClient();
    const burst = await burstOfFirmA();
    await waitUntil(async () => (await backendsOf(db.owner, db.name, 'taalmel-api')).some((b) => b.wait === 'Lock'), 'firm A waits on the lock', 10_000);
    const stopping = await timed(async () => api!.stop());
    api = null;
    // The grace, then at most a second for the pool and a second to cut it (the probe waited 45 s and more).
    expect(stopping.ms).toBeLessThan(GRACE_MS + 5_000);
    // The cut connections' backends end (the server checks for gone clients every two seconds).
    await waitUntil(async () => (await backendsOf(db.owner, db.name, 'taalmel-api')).length === 0, 'every api backend ended', 10_000, () => backendsOf(db.owner, db.name, 'taalmel-api'));
    for (const s of burst.stalled) s.abort();
    await burst.answers;
    await unlock();
  });
});
