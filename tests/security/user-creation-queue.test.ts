/**
 * A script creating many users of one firm at once (docs/security-limits.md, "Creating users"): the
 * firm's creations run one after the other, and those waiting their turn hold none of the firm's
 * database slots (DATABASE_FIRM_MAX_CONNECTIONS). They used to wait inside their transactions, so a
 * batch filled the firm's slots with waiters and the rest of the batch, and the firm's other
 * requests, met the slot queue's limit: 503 `unavailable`.
 *
 * The test holds the firm's creation lock itself (what another api replica's creation holds), sends
 * 20 creations, and while they wait asks for the firm's user list: it is answered, with one creation
 * (the head of the line) waiting on the lock inside a transaction and the other 19 holding nothing.
 * Then the lock goes and all 20 are created. A creation whose client hangs up while it waits in the
 * line leaves it (499) and is never created. The line is bounded: with 50 creations of the firm in
 * progress the next is refused at once, 429 `rate_limited` with `Retry-After`, creating nothing,
 * and once they are done the firm creates again. Nothing here waits on the clock: every step waits
 * on state (a lock waiter in pg_locks, a call into the line, an answer).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { LOCK_ID_SQL } from '../../db/advisory-lock';
import { FirmCreationQueue, MAX_CREATIONS_PER_FIRM } from '../../api/users/creation-queue';
import { call, login, startTestApi, type CallResult, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { eventually, within } from '../harness/eventually';
import { createTestFirm, type TestFirm } from '../harness/factories';

jest.setTimeout(180_000);

const PASSWORD = 'a long enough passphrase 31';
const BATCH = 20;

describe('20 user creations of one firm sent at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 6 });
    // Two slots for the firm (the production default is half the pool), a wait for one long enough
    // that a loaded machine never meets it while the firm's requests take turns, and a deadline far
    // beyond any step here.
    api = await startTestApi(db, { maxSessionsPerUser: 10 }, { limits: { perFirmConnections: 2, firmWaitMs: 30_000, requestTimeoutMs: 150_000 } });
    firm = await createTestFirm(db);
    token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** Advisory locks waited for in this database, not yet granted. */
  const lockWaiters = async () =>
    Number(
      (await db.owner.raw(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`))
        .rows[0].n,
    );
  const tally = (answers: CallResult[]) =>
    answers.reduce<Record<string, number>>((acc, res) => {
      const key = `${res.status} ${res.body?.error?.code ?? 'created'}`;
      return { ...acc, [key]: (acc[key] ?? 0) + 1 };
    }, {});

  it("queues them holding none of the firm's slots, serves the firm meanwhile, and creates all 20", async () => {
    const emails = Array.from({ length: BATCH }, () => `batch.${randomBytes(4).toString('hex')}@people.test`);
    const before = Number((await db.owner('users').where({ firm_id: firm.id }).count({ n: '*' }).first())?.n);
    const holder = await db.owner.transaction();
    let creations: Promise<CallResult[]> | undefined;
    try {
      // The lock every creation of the firm takes (api/users/creation-limit.ts), held here.
      await holder.raw(`select pg_advisory_xact_lock(${LOCK_ID_SQL.extended})`, [`taalmel.user-creation:${firm.id}`]);
      creations = Promise.all(emails.map((email) => call(api, 'POST', '/api/users', { token, body: { email, name: 'Someone New', role: 'staff', password: PASSWORD } })));
      await eventually('a creation waiting for the firm’s creation lock', async () => (await lockWaiters()) > 0, 120_000);
      // The firm's other requests go on: a slot is free, not taken by creations waiting their turn.
      const listed = await within('the firm’s user list while the creations wait', 60_000, call(api, 'GET', '/api/users?limit=5', { token }));
      const waiting = await lockWaiters();
      expect({ status: listed.status, error: listed.status === 200 ? null : listed.body, creationsWaitingInATransaction: waiting }).toEqual({
        status: 200,
        error: null,
        creationsWaitingInATransaction: 1,
      });
    } finally {
      await holder.commit();
    }
    const answers = await within('the 20 creations', 150_000, creations!);
    expect(tally(answers)).toEqual({ '201 created': BATCH });
    const created = (await db.owner('users').where({ firm_id: firm.id }).whereIn('email', emails).pluck('email')) as string[];
    expect(created.sort()).toEqual([...emails].sort());
    expect(Number((await db.owner('users').where({ firm_id: firm.id }).count({ n: '*' }).first())?.n)).toBe(before + BATCH);
  });

  it('drops a creation whose client went while it waited in the line: nothing created, the line empty', async () => {
    const run = jest.spyOn(FirmCreationQueue.prototype, 'run');
    const first = `first.${randomBytes(4).toString('hex')}@people.test`;
    const gone = `gone.${randomBytes(4).toString('hex')}@people.test`;
    const holder = await db.owner.transaction();
    let created: Promise<CallResult> | undefined;
    let leaving: http.ClientRequest | undefined;
    let queue: FirmCreationQueue | undefined;
    try {
      await holder.raw(`select pg_advisory_xact_lock(${LOCK_ID_SQL.extended})`, [`taalmel.user-creation:${firm.id}`]);
      created = call(api, 'POST', '/api/users', { token, body: { email: first, name: 'Someone New', role: 'staff', password: PASSWORD } });
      await eventually('the first creation waiting for the firm’s creation lock', async () => (await lockWaiters()) > 0, 120_000);
      const body = JSON.stringify({ email: gone, name: 'Someone Gone', role: 'staff', password: PASSWORD });
      leaving = http.request(`${api.url}/api/users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } });
      leaving.on('error', () => undefined); // the test hangs up itself
      leaving.end(body);
      // Its password hashed, the second creation has joined the line behind the first: its client goes.
      await eventually('the second creation in the firm’s line', () => run.mock.calls.length >= 2, 120_000);
      queue = run.mock.contexts[1] as FirmCreationQueue;
      leaving.destroy();
      const left = await within('the second creation leaving the line', 60_000, (run.mock.results[1]!.value as Promise<unknown>).then(() => 'created', (error: { status?: number; code?: string }) => `${error.status} ${error.code}`));
      expect(left).toBe('499 client_closed_request');
    } finally {
      leaving?.destroy();
      await holder.commit();
      run.mockRestore();
    }
    expect((await within('the first creation', 120_000, created!)).status).toBe(201);
    const emails = (await db.owner('users').where({ firm_id: firm.id }).whereIn('email', [first, gone]).pluck('email')) as string[];
    expect({ emails, busyFirms: queue?.busyFirms }).toEqual({ emails: [first], busyFirms: 0 });
  });

  it(`refuses a creation beyond ${MAX_CREATIONS_PER_FIRM} in progress for the firm with 429 and Retry-After, creating nothing`, async () => {
    const run = jest.spyOn(FirmCreationQueue.prototype, 'run');
    const emails = Array.from({ length: MAX_CREATIONS_PER_FIRM }, () => `full.${randomBytes(4).toString('hex')}@people.test`);
    const beyond = `beyond.${randomBytes(4).toString('hex')}@people.test`;
    const holder = await db.owner.transaction();
    let creations: Promise<CallResult[]> | undefined;
    let refused: CallResult | undefined;
    let queue: FirmCreationQueue | undefined;
    try {
      await holder.raw(`select pg_advisory_xact_lock(${LOCK_ID_SQL.extended})`, [`taalmel.user-creation:${firm.id}`]);
      creations = Promise.all(emails.map((email) => call(api, 'POST', '/api/users', { token, body: { email, name: 'Someone New', role: 'staff', password: PASSWORD } })));
      // Every one of them hashed and in the firm's line (the head waiting for the held lock).
      await eventually(`${MAX_CREATIONS_PER_FIRM} creations in the firm’s line`, () => run.mock.calls.length >= MAX_CREATIONS_PER_FIRM, 150_000);
      queue = run.mock.contexts[0] as FirmCreationQueue;
      refused = await within('the creation beyond the line’s bound', 60_000, call(api, 'POST', '/api/users', { token, body: { email: beyond, name: 'One Too Many', role: 'staff', password: PASSWORD } }));
    } finally {
      await holder.commit();
      run.mockRestore();
    }
    expect({ status: refused.status, retryAfter: refused.headers.get('retry-after'), error: refused.body?.error }).toEqual({
      status: 429,
      retryAfter: '10',
      error: { code: 'rate_limited', message: expect.stringContaining(String(MAX_CREATIONS_PER_FIRM)), details: { retryAfterSeconds: 10, limit: 'user_creations_in_progress' } },
    });
    const answers = await within(`the ${MAX_CREATIONS_PER_FIRM} creations`, 150_000, creations!);
    expect(tally(answers)).toEqual({ '201 created': MAX_CREATIONS_PER_FIRM });
    // The places are given back: the refused address can be created now, and the line is empty after it.
    const again = await call(api, 'POST', '/api/users', { token, body: { email: beyond, name: 'One Too Many', role: 'staff', password: PASSWORD } });
    const stored = (await db.owner('users').where({ firm_id: firm.id }).whereIn('email', [...emails, beyond]).pluck('email')) as string[];
    expect({ again: again.status, stored: stored.length, busyFirms: queue?.busyFirms }).toEqual({ again: 201, stored: MAX_CREATIONS_PER_FIRM + 1, busyFirms: 0 });
  });
});
