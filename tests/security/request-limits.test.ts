/**
 * The limits that keep one request from holding the database: the request deadline rolls its
 * transaction back, a pool with no free connection answers 503 `unavailable` instead of hanging,
 * and a session's activity is recorded outside the request's transaction (at most once a minute),
 * so requests of one session never queue behind each other's lock on the session row.
 */
import pg from 'pg';
import { createApp } from '../../api/app';
import { createSecurity } from '../../api/security';
import { createTemporalClient, type TemporalHandle } from '../../api/temporal-client';
import { API_SESSION_TIMEOUTS, createKnex } from '../../db/knex';
import { call, login, testSecuritySettings } from '../harness/api';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';
import { harnessValue } from '../harness/harness-env';
import { serve, type TestServer } from '../harness/http';
import { captureLogger } from '../harness/logs';
import { waitUntil, timed } from './helpers';
import { testPayloadCodec } from '../harness/temporal';

jest.setTimeout(60_000);

describe('request limits', () => {
  let db: TestDatabase;
  let firmA: TestFirm;
  let firmB: TestFirm;
  let temporal: TemporalHandle;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    firmA = await createTestFirm(db, 'Firm A');
    firmB = await createTestFirm(db, 'Firm B');
    temporal = createTemporalClient({ address: harnessValue('temporalAddress'), namespace: 'default', taskQueue: 'unused', codec: testPayloadCodec() });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await temporal.close();
    await db.drop();
  });

  /** An api on its own pool with the production connection limits (lock wait as given). */
  async function apiWith(options: { poolMax: number; lockMs: number; acquireMs: number; requestTimeoutMs: number }): Promise<TestServer & { signIn(user: { email: string; password: string }): Promise<string> }> {
    const knex = createKnex({ url: db.url, appRole: TEST_APP_ROLE, poolMax: options.poolMax, applicationName: 'taalmel-limits-test', timeouts: { ...API_SESSION_TIMEOUTS, lockMs: options.lockMs }, acquireTimeoutMs: options.acquireMs });
    const logs = captureLogger('warn');
    const security = createSecurity(testSecuritySettings({ maxSessionsPerUser: 10 }), knex, logs.logger);
    const app = createApp({ logger: logs.logger, knex, temporal, security, exposeInternalErrors: false, limits: { requestTimeoutMs: options.requestTimeoutMs } });
    const server = await serve(app);
    // Sign-ins go through a twin with the default deadline (hashing a password on a loaded machine
    // can take longer than the short deadline under test); its tokens are valid on both.
    const twin = await serve(createApp({ logger: logs.logger, knex, temporal, security, exposeInternalErrors: false }));
    closers.push(async () => {
      await server.close();
      await twin.close();
      await knex.destroy();
    });
    return Object.assign(server, { signIn: (user: { email: string; password: string }) => login(twin, user.email, user.password) });
  }

  async function holdRow(table: string, id: string, firmId: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: db.url, application_name: 'test-locker' });
    await client.connect();
    await client.query('begin');
    await client.query(`select set_config('app.firm_id', $1, true)`, [firmId]);
    await client.query(`select id from ${table} where id = $1 for update`, [id]);
    return client;
  }

  it('answers 503 at the deadline and rolls back what the request did after it', async () => {
    const server = await apiWith({ poolMax: 4, lockMs: 20_000, acquireMs: 5_000, requestTimeoutMs: 1_000 });
    const token = await server.signIn(firmA.users.staff);
    const client = firmA.clients[0]!;
    const locker = await holdRow('clients', client.id, firmA.id);
    const pending = timed(() => call(server, 'PATCH', `/api/clients/${client.id}`, { token, body: { name: 'Written after the deadline' } }));
    // The lock goes only after the deadline passed: the update then runs, and must not be kept.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await locker.query('rollback');
    await locker.end();
    const { ms, value } = await pending;
    // Only the deadline answers request_timeout; the lock went only after it.
    expect({ status: value.status, code: value.body.error?.code }).toEqual({ status: 503, code: 'request_timeout' });
    expect(ms).toBeLessThan(10_000);
    await waitUntil(async () => (await db.owner.raw(`select count(*)::int as n from pg_stat_activity where application_name = 'taalmel-limits-test' and state <> 'idle'`)).rows[0].n === 0, 'the late request ended');
    expect((await db.owner('clients').where({ id: client.id }).first()).name).toBe(client.name);
  });

  it('answers 503 unavailable when no connection comes in time, instead of hanging', async () => {
    const server = await apiWith({ poolMax: 1, lockMs: 10_000, acquireMs: 500, requestTimeoutMs: 20_000 });
    const tokenA = await server.signIn(firmA.users.staff);
    const tokenB = await server.signIn(firmB.users.staff);
    const client = firmA.clients[1]!;
    const locker = await holdRow('clients', client.id, firmA.id);
    const stuck = call(server, 'PATCH', `/api/clients/${client.id}`, { token: tokenA, body: { name: 'Waits for the lock' } });
    await waitUntil(async () => (await db.owner.raw(`select count(*)::int as n from pg_stat_activity where application_name = 'taalmel-limits-test' and wait_event_type = 'Lock'`)).rows[0].n === 1, 'the only connection waits on the lock');
    const { ms, value } = await timed(() => call(server, 'GET', '/api/clients', { token: tokenB }));
    expect({ status: value.status, code: value.body.error?.code, retryAfter: value.headers.get('retry-after') }).toEqual({ status: 503, code: 'unavailable', retryAfter: '5' });
    expect(ms).toBeLessThan(3_000);
    await locker.query('rollback');
    await locker.end();
    expect((await stuck).status).toBe(200);
    expect((await call(server, 'GET', '/api/clients', { token: tokenB })).status).toBe(200);
  });

  it("never waits for a lock on the session's own row, and records activity at most once a minute", async () => {
    const server = await apiWith({ poolMax: 4, lockMs: 5_000, acquireMs: 5_000, requestTimeoutMs: 20_000 });
    const user = firmA.users.reviewer;
    const token = await server.signIn(user);
    const session = await db.owner('sessions').where({ user_id: user.id }).whereNull('revoked_at').orderBy('created_at', 'desc').first();
    // Someone holds the session row (as a long request of the same session once did).
    const locker = await holdRow('sessions', session.id, firmA.id);
    const requests = await timed(() => Promise.all(Array.from({ length: 10 }, () => call(server, 'GET', '/api/auth/me', { token }))));
    expect(requests.value.map((r) => r.status)).toEqual(Array(10).fill(200));
    // Had they touched the locked row, they would have waited out the 5 s lock timeout and failed.
    expect(requests.ms).toBeLessThan(4_500);
    await locker.query('rollback');
    await locker.end();

    // A session's activity older than a minute is recorded once, after the request; the next
    // request writes nothing. (A new session: this process already recorded the first one's.)
    const second = await server.signIn(user);
    const other = await db.owner('sessions').where({ user_id: user.id }).whereNull('revoked_at').orderBy('created_at', 'desc').first();
    session.id = other.id;
    await db.owner('sessions').where({ id: session.id }).update({ last_seen_at: db.owner.raw("now() - interval '5 minutes'") });
    const stale = (await db.owner('sessions').where({ id: session.id }).first()).last_seen_at as Date;
    expect((await call(server, 'GET', '/api/auth/me', { token: second })).status).toBe(200);
    await waitUntil(async () => ((await db.owner('sessions').where({ id: session.id }).first()).last_seen_at as Date).getTime() > stale.getTime(), 'the activity is recorded');
    const recorded = (await db.owner('sessions').where({ id: session.id }).first()).last_seen_at as Date;
    expect((await call(server, 'GET', '/api/auth/me', { token: second })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(((await db.owner('sessions').where({ id: session.id }).first()).last_seen_at as Date).getTime()).toBe(recorded.getTime());
  });
});
