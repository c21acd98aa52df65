/**
 * `POST /api/users` answers 409 `email_taken` for an address with an account in any firm (the contract
 * keeps it: one address, one account), so a firm admin could use it to learn which addresses use
 * Taalmel elsewhere. Each such refusal is audited in the asking firm's trail with only what the admin
 * typed, and a per-firm limit stops the probing: past it, 429 `rate_limited` with `Retry-After`, for
 * any address, requests sent at once included (docs/security-limits.md, "Creating users").
 */
import { randomBytes } from 'node:crypto';
import { call, login, startTestApi, type CallResult, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';

jest.setTimeout(90_000);

const LIMITS = { emailTaken: 3, attempts: 40, windowSeconds: 600 };
const PASSWORD = 'a long enough passphrase 31';

describe('probing addresses through user creation', () => {
  let db: TestDatabase;
  let api: TestApi;
  let home: TestFirm;
  let prober: TestFirm;
  let bystander: TestFirm;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    // A long wait for the firm's connections: requests sent at once must meet the limit, not the queue's 503.
    api = await startTestApi(db, { maxSessionsPerUser: 10, userCreation: LIMITS }, { limits: { firmWaitMs: 60_000 } });
    [home, prober, bystander] = [await createTestFirm(db, `Home Firm ${randomBytes(2).toString('hex')}`), await createTestFirm(db), await createTestFirm(db)];
    for (const firm of [home, prober, bystander]) tokens[firm.id] = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const create = (firm: TestFirm, email: string) =>
    call(api, 'POST', '/api/users', { token: tokens[firm.id], body: { email, name: 'Someone New', role: 'staff', password: PASSWORD } });
  const fresh = () => `fresh.${randomBytes(4).toString('hex')}@people.test`;
  const refusals = (firm: TestFirm) => db.owner('audit_events').where({ firm_id: firm.id, action: 'user.create_refused' }).orderBy('seq');
  const outcome = (res: CallResult) => ({ status: res.status, code: res.body?.error?.code ?? null });

  it('counts no email_taken point for a creation that goes through: a firm creates more users than the limit', async () => {
    for (let i = 0; i < LIMITS.emailTaken + 3; i += 1) expect(outcome(await create(bystander, fresh()))).toEqual({ status: 201, code: null });
  });

  it("audits each email_taken refusal with what the admin typed, the same row for the firm's own address and another firm's", async () => {
    const elsewhere = await create(prober, home.users.reviewer.email.toUpperCase());
    const own = await create(prober, prober.users.reviewer.email);
    expect(outcome(elsewhere)).toEqual({ status: 409, code: 'email_taken' });
    expect({ status: elsewhere.status, body: elsewhere.body }).toEqual({ status: own.status, body: own.body });

    const rows = await refusals(prober);
    const shape = (row: { actor_id: string; entity_type: string; entity_id: string | null; before: unknown; after: unknown }) => ({
      actor: row.actor_id,
      entityType: row.entity_type,
      entityId: row.entity_id,
      before: row.before,
      after: row.after,
    });
    expect(rows.map(shape)).toEqual([
      { actor: prober.users.firm_admin.id, entityType: 'user', entityId: null, before: null, after: { email: home.users.reviewer.email, reason: 'email_taken' } },
      { actor: prober.users.firm_admin.id, entityType: 'user', entityId: null, before: null, after: { email: prober.users.reviewer.email, reason: 'email_taken' } },
    ]);
    // Nothing of the account it met (its firm, id, name) nor the password typed.
    const written = JSON.stringify(rows);
    for (const secret of [home.id, home.name, home.users.reviewer.id, PASSWORD]) expect(written).not.toContain(secret);
    // And nothing in the home firm's trail.
    expect(await refusals(home)).toEqual([]);
  });

  it('refuses further creations of the firm with 429 once the refusals reach the limit, requests sent at once included', async () => {
    // One refusal of the limit is left (two were used above); eight probes at once get one answer.
    const targets = [home.users.manager.email, home.users.staff.email, home.users.client.email, bystander.users.manager.email, bystander.users.staff.email, home.users.firm_admin.email, bystander.users.reviewer.email, bystander.users.client.email];
    const answers = await Promise.all(targets.map((email) => create(prober, email)));
    const counts = answers.reduce<Record<string, number>>((acc, res) => ({ ...acc, [`${res.status} ${outcome(res).code}`]: (acc[`${res.status} ${outcome(res).code}`] ?? 0) + 1 }), {});
    expect(counts).toEqual({ '409 email_taken': 1, '429 rate_limited': targets.length - 1 });

    // A new address is refused alike (the answer says nothing about the address), and nothing is created.
    const address = fresh();
    const limited = await create(prober, address);
    expect(outcome(limited)).toEqual({ status: 429, code: 'rate_limited' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LIMITS.windowSeconds);
    expect(limited.body.error.details).toEqual({ retryAfterSeconds: retryAfter });
    expect(await db.owner('users').where({ email: address }).first()).toBeUndefined();
    // Exactly as many refusals audited as answered; the 429s are not (hammering them writes nothing).
    expect((await refusals(prober)).length).toBe(LIMITS.emailTaken);

    // Other firms are not held by the prober's limit.
    expect(outcome(await create(home, fresh()))).toEqual({ status: 201, code: null });
  });
});

/**
 * Only what happened counts: creations sent at once are not refused for running together, a 429 adds
 * nothing, and each window starts from nothing (docs/security-limits.md, "Creating users").
 */
describe('creations sent at once, and the window', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  const apis: TestApi[] = [];
  const tokens = new Map<TestApi, string>();

  beforeAll(async () => {
    // Connections enough for 20 creations of one firm to run truly at once (the firm's share of the pool).
    db = await createTestDatabase({ poolMax: 30 });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    for (const api of apis) await api.close();
    await db?.drop();
  });

  const start = async (limits: typeof LIMITS) => {
    const api = await startTestApi(db, { maxSessionsPerUser: 10, userCreation: limits }, { limits: { firmWaitMs: 60_000, perFirmConnections: 24 } });
    apis.push(api);
    tokens.set(api, await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password));
    return api;
  };
  const create = (api: TestApi, email: string) =>
    call(api, 'POST', '/api/users', { token: tokens.get(api)!, body: { email, name: 'Someone New', role: 'staff', password: PASSWORD } });
  const fresh = () => `batch.${randomBytes(4).toString('hex')}@people.test`;
  const tally = (answers: CallResult[]) =>
    answers.reduce<Record<string, number>>((acc, res) => {
      const key = `${res.status} ${res.body?.error?.code ?? 'created'}`;
      return { ...acc, [key]: (acc[key] ?? 0) + 1 };
    }, {});
  const counts = async () =>
    Object.fromEntries(
      ((await db.owner('rate_limits').whereIn('key', [`users_create:${firm.id}`, `users_email_taken:${firm.id}`]).select('key', 'points')) as { key: string; points: number }[]).map((r) => [
        r.key.split(':')[0],
        r.points,
      ]),
    );

  it('creates 20 new users sent at once and the next one, yet gives at most 10 email_taken answers, and 429s count nothing', async () => {
    const api = await start({ emailTaken: 10, attempts: 200, windowSeconds: 3600 });
    const batch = Array.from({ length: 20 }, fresh);
    expect(tally(await Promise.all(batch.map((email) => create(api, email))))).toEqual({ '201 created': 20 });
    expect(tally([await create(api, fresh())])).toEqual({ '201 created': 1 });

    // 14 probes of taken addresses at once: 10 answers, then the limit, for a new address too.
    expect(tally(await Promise.all(batch.slice(0, 14).map((email) => create(api, email))))).toEqual({ '409 email_taken': 10, '429 rate_limited': 4 });
    expect(tally(await Promise.all([fresh(), batch[15]!, fresh()].map((email) => create(api, email))))).toEqual({ '429 rate_limited': 3 });
    // 21 created + 10 refused tried; the 7 refused with 429 added nothing.
    expect(await counts()).toEqual({ users_create: 31, users_email_taken: 10 });
  });

  it('starts each window from nothing: a limit reached is lifted when its window ends, and not raised in the next', async () => {
    await db.owner('rate_limits').where('key', 'like', `users_%:${firm.id}`).delete();
    // Long enough for each step below to run inside one window on a busy machine.
    const api = await start({ emailTaken: 2, attempts: 5, windowSeconds: 30 });
    const taken = [firm.users.staff.email, firm.users.manager.email, firm.users.reviewer.email];
    const waitForWindow = async () => {
      const rows = (await db.owner('rate_limits').where('key', 'like', `users_%:${firm.id}`).select('expire')) as { expire: string }[];
      const end = Math.max(...rows.map((r) => Number(r.expire)));
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, end - Date.now()) + 100));
    };

    expect(tally(await Promise.all(taken.map((email) => create(api, email))))).toEqual({ '409 email_taken': 2, '429 rate_limited': 1 });
    expect(tally(await Promise.all([fresh(), fresh()].map((email) => create(api, email))))).toEqual({ '429 rate_limited': 2 });

    await waitForWindow();
    // The attempts limit now: 5 creations at once go through, the sixth (new or taken) is refused.
    expect(tally(await Promise.all(Array.from({ length: 5 }, fresh).map((email) => create(api, email))))).toEqual({ '201 created': 5 });
    expect(tally(await Promise.all([fresh(), taken[0]!].map((email) => create(api, email))))).toEqual({ '429 rate_limited': 2 });

    await waitForWindow();
    expect(tally(await Promise.all(taken.map((email) => create(api, email))))).toEqual({ '409 email_taken': 2, '429 rate_limited': 1 });
  }, 150_000);
});
