/**
 * A signed-in person's own password (docs/security-limits.md, "Changing one's password"): the argon2
 * work of `POST /api/auth/password` (checking the current password, hashing the new one) and of a
 * sign-in's re-hash runs outside any transaction, so it holds no database connection, row lock or
 * slot of the firm while it runs. A password change used to do both inside the request's
 * transaction: changes at once held the pool's connections and the firm's slots, and the firm's
 * other requests waited for their hashes (503 once the wait ended).
 *
 * Each test holds the hashes it is about (argon2's `hash`, stopped on a gate) and waits on state,
 * never the clock: each request hashing or answered. A hash or verification made with a tenant
 * transaction open in the caller's request context is recorded as such.
 */
import argon2 from 'argon2';
import { PASSWORD_PARAMS, passwordNeedsRehash } from '../../db/security/passwords';
import { holdArgon2 } from '../harness/argon2-hold';
import { call, login, loginReauthenticated, startTestApi, type CallResult, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { eventually, within } from '../harness/eventually';
import { createTestFirm, validGstin, type TestFirm } from '../harness/factories';

jest.setTimeout(240_000);

/** Fewer connections than the changes sent at once below. */
const POOL = 3;
const NEW_PASSWORD = 'a fresh and long passphrase 77';

describe("one's own password", () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: POOL });
    // A deadline far beyond any step here: the held hashes end only when the test lets them. The firm
    // may use the whole pool, and waits for a slot long enough that a loaded machine never ends one.
    api = await startTestApi(db, { maxSessionsPerUser: 10 }, { limits: { requestTimeoutMs: 200_000, perFirmConnections: POOL, firmWaitMs: 60_000 } });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** Holds the hashes of `held` passwords; records every verification. */
  const holdHashes = (held: string[]) => {
    const hold = holdArgon2({ hash: (password) => held.includes(password) });
    return {
      get hashing() {
        return hold.hashing.filter((h) => h.held);
      },
      verifying: hold.verifying,
      restore: hold.restore,
    };
  };
  const change = (token: string, currentPassword: string, newPassword: string) => call(api, 'POST', '/api/auth/password', { token, body: { currentPassword, newPassword } });
  const outcome = (res: CallResult) => `${res.status} ${res.body?.error?.code ?? ''}`.trim();

  it('changes hash outside any transaction: the firm is served meanwhile, and every change is made', async () => {
    // More changes than the pool has connections; not the admin, whose session asks below.
    const users = [firm.users.manager, firm.users.reviewer, firm.users.staff, firm.users.client];
    // One after the other: a re-authentication checks its password inside its request's transaction.
    const tokens: string[] = [];
    for (const user of users) tokens.push(await loginReauthenticated(api, user));
    const otherDevice = await login(api, users[0]!.email, users[0]!.password);
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);

    const hold = holdHashes([NEW_PASSWORD]);
    const answered: CallResult[] = [];
    let answers: Promise<CallResult[]> | undefined;
    try {
      answers = Promise.all(users.map((user, n) => change(tokens[n]!, user.password, NEW_PASSWORD).then((res) => (answered.push(res), res))));
      // Each change is hashing or answered (one that held a connection while it hashed left the
      // others to the pool's wait, then 503).
      await eventually('every change hashing or answered', () => hold.hashing.length + answered.length === users.length, 120_000);
      expect({
        answeredWhileHashing: answered.map(outcome),
        hashingInATransaction: hold.hashing.filter((h) => h.inTransaction).length,
        verifyingInATransaction: hold.verifying.filter((v) => v.inTransaction).length,
      }).toEqual({ answeredWhileHashing: [], hashingInATransaction: 0, verifyingInATransaction: 0 });

      // The firm's other requests go on: a read, and an audited write.
      const listed = await within('the firm’s user list while the changes hash', 60_000, call(api, 'GET', '/api/users?limit=5', { token: admin }));
      const created = await within(
        'a client created while the changes hash',
        60_000,
        call(api, 'POST', '/api/clients', { token: admin, body: { name: 'Served Meanwhile', gstin: validGstin(), email: 'served@client.test', filingFrequency: 'monthly' } }),
      );
      expect({ listed: listed.status, created: created.status, error: created.status === 201 ? null : created.body }).toEqual({ listed: 200, created: 201, error: null });
    } finally {
      hold.restore();
    }
    const results = await within('the password changes', 120_000, answers!);
    expect(results.map(outcome)).toEqual(users.map(() => '204'));

    // Made: the new password signs in, the old one no longer; the changing session lives, the other device is signed out.
    const signIns = await Promise.all(
      users.flatMap((user) => [NEW_PASSWORD, user.password].map((password) => call(api, 'POST', '/api/auth/login', { body: { email: user.email, password } }))),
    );
    const sessions = await Promise.all([tokens[0]!, otherDevice].map((token) => call(api, 'GET', '/api/auth/me', { token })));
    expect({ signIns: signIns.map(outcome), sessions: sessions.map(outcome) }).toEqual({
      signIns: users.flatMap(() => ['200', '401 invalid_credentials']),
      sessions: ['200', '401 session_revoked'],
    });
  });

  it('two changes at once: one is made, the other is refused (409 password_changed), not written over it', async () => {
    const user = firm.users.firm_admin;
    const [laptop, phone] = [await loginReauthenticated(api, user), await loginReauthenticated(api, user)];
    const passwords = ['the laptop’s new passphrase 31', 'the phone’s new passphrase 52'];

    const hold = holdHashes(passwords);
    let answers: Promise<CallResult[]> | undefined;
    try {
      answers = Promise.all([change(laptop!, user.password, passwords[0]!), change(phone!, user.password, passwords[1]!)]);
      // Both checked the current password before either wrote: they race for the write.
      await eventually('both changes hashing', () => hold.hashing.length === 2, 120_000);
    } finally {
      hold.restore();
    }
    const results = await within('the two changes', 120_000, answers!);
    expect(results.map(outcome).sort()).toEqual(['204', '409 password_changed']);

    const won = results[0]!.status === 204 ? 0 : 1;
    const signIns = await Promise.all([passwords[won]!, passwords[1 - won]!, user.password].map((password) => call(api, 'POST', '/api/auth/login', { body: { email: user.email, password } })));
    const sessions = await Promise.all([[laptop, phone][won]!, [laptop, phone][1 - won]!].map((token) => call(api, 'GET', '/api/auth/me', { token })));
    expect({ signIns: signIns.map(outcome), sessions: sessions.map(outcome) }).toEqual({
      signIns: ['200', '401 invalid_credentials', '401 invalid_credentials'],
      // The change made signs out the other device, the refused one's included.
      sessions: ['200', '401 session_revoked'],
    });
  });

  it('a change is made when a sign-in re-hashes the same password (older parameters) while the new one hashes: no false 409', async () => {
    // A firm of its own: the tests above changed this firm's passwords.
    const user = (await createTestFirm(db)).users.manager;
    const token = await loginReauthenticated(api, user);
    // Stored with weaker parameters than today's (as after raising them), after the sign-in above
    // (which would have re-hashed it).
    const weaker = { ...PASSWORD_PARAMS, timeCost: PASSWORD_PARAMS.timeCost - 1 };
    await db.owner('users').where({ id: user.id }).update({ password_hash: await argon2.hash(user.password, weaker) });
    const storedHash = async () => (await db.owner('users').where({ id: user.id }).first('password_hash')).password_hash as string;

    const hold = holdHashes([NEW_PASSWORD]);
    let changed: Promise<CallResult> | undefined;
    try {
      changed = change(token, user.password, NEW_PASSWORD);
      await eventually('the change hashing its new password', () => hold.hashing.length === 1, 120_000);
      // Meanwhile a sign-in with the same password on another device re-hashes it with today's parameters.
      const signIn = await within('the sign-in', 120_000, call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } }));
      const rehashed = await storedHash();
      expect({ signIn: outcome(signIn), rehashed: !passwordNeedsRehash(rehashed) }).toEqual({ signIn: '200', rehashed: true });
    } finally {
      hold.restore();
    }
    // The password proved is still the account's: a re-hash is no change of password.
    expect(outcome(await within('the password change', 120_000, changed!))).toBe('204');
    const signIns = await Promise.all([NEW_PASSWORD, user.password].map((password) => call(api, 'POST', '/api/auth/login', { body: { email: user.email, password } })));
    expect(signIns.map(outcome)).toEqual(['200', '401 invalid_credentials']);
  });

  it('a sign-in re-hashes a weaker hash outside its transaction, and never over a password changed meanwhile', async () => {
    // A user whose stored hash has weaker parameters than today's (as after raising them).
    const user = firm.users.staff;
    const password = 'the staff member’s passphrase 64';
    const weaker = { ...PASSWORD_PARAMS, timeCost: PASSWORD_PARAMS.timeCost - 1 };
    const storedHash = async () => (await db.owner('users').where({ id: user.id }).first('password_hash')).password_hash as string;
    await db.owner('users').where({ id: user.id }).update({ password_hash: await argon2.hash(password, weaker) });
    const changedMeanwhile = await argon2.hash('changed while the sign-in hashed 9', PASSWORD_PARAMS);

    const hold = holdHashes([password]);
    let signIn: Promise<CallResult> | undefined;
    try {
      signIn = call(api, 'POST', '/api/auth/login', { body: { email: user.email, password } });
      await eventually('the sign-in re-hashing', () => hold.hashing.length === 1, 120_000);
      expect({ rehashInATransaction: hold.hashing[0]!.inTransaction }).toEqual({ rehashInATransaction: false });
      // The password changes while the re-hash is made (a change or a reset elsewhere).
      await db.owner('users').where({ id: user.id }).update({ password_hash: changedMeanwhile });
    } finally {
      hold.restore();
    }
    expect(outcome(await within('the sign-in', 120_000, signIn!))).toBe('200');
    expect({ keptTheChange: (await storedHash()) === changedMeanwhile }).toEqual({ keptTheChange: true });

    // With nothing changed meanwhile, the weaker hash is replaced by one of today's parameters.
    await db.owner('users').where({ id: user.id }).update({ password_hash: await argon2.hash(password, weaker) });
    expect(outcome(await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password } }))).toBe('200');
    const upgraded = await storedHash();
    expect({ needsRehash: passwordNeedsRehash(upgraded), verifies: await argon2.verify(upgraded, password) }).toEqual({ needsRehash: false, verifies: true });
  });
});
