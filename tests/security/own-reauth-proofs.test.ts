/**
 * A signed-in person's proofs (docs/security-limits.md, "Re-authentication"):
 * `POST /api/auth/reauth` checks the password (argon2id) and the code holding nothing, no
 * transaction, connection, row or advisory lock, nor slot of the firm; then a short transaction
 * locks the user and the session, re-checks what may have moved meanwhile, clears the counts and
 * records the re-authentication. `POST /api/auth/totp/disable` does the same with its code. Both
 * used to check inside the request's transaction and count on a second connection: four at once on
 * a pool of three each held a connection and waited for another until the pool's wait ended them
 * (503), and a proof went through over a session signed out, a password changed or a code used
 * while it was checked.
 *
 * Each test holds the verifications it is about (argon2's `verify`, stopped on a gate) and waits on
 * state, never the clock: each request checking its password, or answered.
 */
import { generateSecret, generateSync } from 'otplib';
import { holdArgon2, userLocksHeld } from '../harness/argon2-hold';
import { call, login, loginReauthenticated, startTestApi, type CallResult, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { eventually, within } from '../harness/eventually';
import { createTestFirm, validGstin, type TestUser } from '../harness/factories';

jest.setTimeout(240_000);

const outcome = (res: CallResult) => `${res.status} ${res.body?.error?.code ?? ''}`.trim();
/** The code of the time step `offsetSeconds` from now. */
const codeAt = (secret: string, offsetSeconds: number) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });

/** The api on a database whose pool has `pool` connections, all of which the firm may use. */
async function stack(pool: number): Promise<{ db: TestDatabase; api: TestApi }> {
  const db = await createTestDatabase({ poolMax: pool });
  // A deadline far beyond any step here: the held checks end only when the test lets them. The firm
  // waits for a slot long enough that a loaded machine never ends one.
  const api = await startTestApi(db, { maxSessionsPerUser: 10 }, { limits: { requestTimeoutMs: 200_000, perFirmConnections: pool, firmWaitMs: 60_000 } });
  return { db, api };
}

describe('re-authentication on a pool of three connections', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => ({ db, api } = await stack(3)));
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const reauth = (token: string, body: { password: string; totp?: string }) => call(api, 'POST', '/api/auth/reauth', { token, body });
  const reauthAt = async (userId: string) => (await db.owner('sessions').where({ user_id: userId }).orderBy('created_at')).map((s) => (s.reauth_at as Date | null)?.toISOString() ?? null);

  it('four re-authentications at once hold nothing while they check: the firm is served meanwhile, and each is recorded', async () => {
    const firm = await createTestFirm(db);
    // More re-authentications than the pool has connections; not the admin, whose session asks below.
    const users = [firm.users.manager, firm.users.reviewer, firm.users.staff, firm.users.client];
    const tokens: string[] = [];
    for (const user of users) tokens.push(await login(api, user.email, user.password));
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);

    const hold = holdArgon2({ verify: () => true });
    const answered: CallResult[] = [];
    let answers: Promise<CallResult[]> | undefined;
    try {
      answers = Promise.all(users.map((user, n) => reauth(tokens[n]!, { password: user.password }).then((res) => (answered.push(res), res))));
      // Each is checking its password or answered (one that held a connection while it checked left
      // the others to the firm's and the pool's waits, then 503).
      await eventually('every re-authentication checking or answered', () => hold.held().length + answered.length === users.length, 120_000);
      expect({
        answeredWhileChecking: answered.map(outcome),
        checkingInATransaction: hold.verifying.filter((v) => v.inTransaction).length,
        ...(await userLocksHeld(db.owner)),
      }).toEqual({ answeredWhileChecking: [], checkingInATransaction: 0, userOrSessionRowLocks: 0, advisoryLocks: 0 });

      // The firm's other requests go on: a read, and an audited write.
      const listed = await within('the firm’s user list while the checks run', 60_000, call(api, 'GET', '/api/users?limit=5', { token: admin }));
      const created = await within(
        'a client created while the checks run',
        60_000,
        call(api, 'POST', '/api/clients', { token: admin, body: { name: 'Served Meanwhile', gstin: validGstin(), email: 'served@client.test', filingFrequency: 'monthly' } }),
      );
      expect({ listed: listed.status, created: created.status, error: created.status === 201 ? null : created.body }).toEqual({ listed: 200, created: 201, error: null });
    } finally {
      hold.restore();
    }
    const results = await within('the re-authentications', 120_000, answers!);
    expect(results.map(outcome)).toEqual(users.map(() => '204'));
    // Recorded: each session is re-authenticated.
    const recorded = await Promise.all(users.map(async (user) => (await reauthAt(user.id)).every((at) => at !== null)));
    expect(recorded).toEqual(users.map(() => true));
  });

  it('a session signed out while its re-authentication checks the password is not re-authenticated (401 session_revoked)', async () => {
    const user = (await createTestFirm(db)).users.staff;
    const token = await login(api, user.email, user.password);
    const hold = holdArgon2({ verify: (_, n) => n === 0 });
    let answer: Promise<CallResult> | undefined;
    try {
      answer = reauth(token, { password: user.password });
      await eventually('the re-authentication checking the password', () => hold.held().length === 1, 120_000);
      // Signed out meanwhile (another tab of the session).
      expect(outcome(await within('the sign-out', 60_000, call(api, 'POST', '/api/auth/logout', { token })))).toBe('204');
    } finally {
      hold.restore();
    }
    expect(outcome(await within('the re-authentication', 120_000, answer!))).toBe('401 session_revoked');
    expect(await reauthAt(user.id)).toEqual([null]);
  });

  it('a password changed while the re-authentication checks the old one refuses it (409 password_changed)', async () => {
    const user = (await createTestFirm(db)).users.manager;
    // Re-authenticated once: the password change below needs it.
    const token = await loginReauthenticated(api, user);
    const before = await reauthAt(user.id);
    const newPassword = 'changed while the check ran 81';
    // Holds the re-authentication's check; the change's check of the same password goes through.
    const hold = holdArgon2({ verify: (_, n) => n === 0 });
    let answer: Promise<CallResult> | undefined;
    try {
      answer = reauth(token, { password: user.password });
      await eventually('the re-authentication checking the password', () => hold.held().length === 1, 120_000);
      // Another tab of the session changes the password meanwhile.
      const changed = await within('the password change', 120_000, call(api, 'POST', '/api/auth/password', { token, body: { currentPassword: user.password, newPassword } }));
      expect(outcome(changed)).toBe('204');
    } finally {
      hold.restore();
    }
    expect(outcome(await within('the re-authentication', 120_000, answer!))).toBe('409 password_changed');
    // Not recorded: the session's re-authentication is the one before.
    expect(await reauthAt(user.id)).toEqual(before);
  });

  it('of two re-authentications at once with one TOTP code, one is made and the other refused as a replay (401 invalid_totp, counted)', async () => {
    const firm = await createTestFirm(db);
    const user = firm.users.reviewer;
    // Two devices signed in before two-factor is on (a sign-in after it would use a code).
    const [laptop, phone] = [await login(api, user.email, user.password), await login(api, user.email, user.password)];
    expect(outcome(await reauth(laptop, { password: user.password }))).toBe('204');
    const setup = await call(api, 'POST', '/api/auth/totp/setup', { token: laptop });
    expect(outcome(await call(api, 'POST', '/api/auth/totp/enable', { token: laptop, body: { code: codeAt(setup.body.secret, 0) } }))).toBe('204');

    // The next step's code (enabling used the current one), sent by both devices.
    const code = codeAt(setup.body.secret, 30);
    const hold = holdArgon2({ verify: () => true });
    let answers: Promise<CallResult[]> | undefined;
    try {
      answers = Promise.all([laptop, phone].map((token) => reauth(token, { password: user.password, totp: code })));
      // Both checked the code against the step read before either wrote.
      await eventually('both re-authentications checking', () => hold.held().length === 2, 120_000);
    } finally {
      hold.restore();
    }
    const results = await within('the two re-authentications', 120_000, answers!);
    expect(results.map(outcome).sort()).toEqual(['204', '401 invalid_totp']);

    // The refusal is a failure of the session that sent it: audited with its reason, and counted.
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const failed = await call(api, 'GET', '/api/audit?action=auth.reauth_failed&limit=50', { token: admin });
    const refusedSession = await db.owner('sessions').where({ user_id: user.id }).orderBy('created_at').offset(results[0]!.status === 204 ? 1 : 0).first('id');
    const counted = await db.owner('rate_limits').where({ key: `reauth_session:${refusedSession.id}` }).first('points');
    expect({
      audited: (failed.body.items as Array<{ actor: { email: string }; entityId: string; after: { reason: string } }>).filter((row) => row.actor.email === user.email).map((row) => [row.entityId, row.after.reason]),
      counted: counted?.points,
    }).toEqual({ audited: [[refusedSession.id, 'totp']], counted: 1 });
  });
});

describe('re-authentication and turning two-factor off on a pool of one connection', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => ({ db, api } = await stack(1)));
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** Two-factor on and a fresh re-authentication, written directly: these steps are not what is tested here. */
  async function withTotpReauthenticated(user: TestUser, token: string): Promise<void> {
    const secret = api.security.secretBox.encrypt(generateSecret());
    await db.owner('users').where({ id: user.id }).update({ totp_enabled: true, totp_secret: secret, totp_last_step: null });
    const me = await call(api, 'GET', '/api/auth/me', { token });
    await db.owner('sessions').where({ id: me.body.session.id }).update({ reauth_at: db.owner.fn.now() });
  }

  it('four re-authentications and four disables at once each need one connection at a time, and are all made', async () => {
    const firm = await createTestFirm(db);
    const users = [firm.users.manager, firm.users.reviewer, firm.users.staff, firm.users.client];
    const tokens: string[] = [];
    for (const user of users) tokens.push(await login(api, user.email, user.password));

    // A proof that held its connection while it wanted a second one would wait for the pool's only
    // connection until the pool's wait ended it.
    const reauths = await within('the re-authentications', 120_000, Promise.all(users.map((user, n) => call(api, 'POST', '/api/auth/reauth', { token: tokens[n]!, body: { password: user.password } }))));
    expect(reauths.map(outcome)).toEqual(users.map(() => '204'));

    for (const [n, user] of users.entries()) await withTotpReauthenticated(user, tokens[n]!);
    const disables = await within('the disables', 120_000, Promise.all(tokens.map((token) => call(api, 'POST', '/api/auth/totp/disable', { token, body: {} }))));
    expect(disables.map(outcome)).toEqual(users.map(() => '204'));
    const rows = await db.owner('users').whereIn('id', users.map((user) => user.id)).select('totp_enabled');
    expect(rows.map((row) => row.totp_enabled)).toEqual(users.map(() => false));
  });
});
