/**
 * A signed-in person's own credential checks are counted per session and leave audit rows
 * (docs/security-and-tenancy.md, "Re-authentication"; docs/security-limits.md). The fifth wrong
 * password or code signs the session out; outsiders failing sign-ins (the account's slow pace) do not
 * hold the owner's re-authentication; a success (re-auth, password change, TOTP disable) clears the counts. A stolen session used to guess the password
 * through `POST /api/auth/reauth` without limit: 40 wrong passwords all 401, the right one 204, and
 * no `auth.reauth_failed` row, because the row was written in the request's transaction and rolled
 * back with the refusal. The same held for the TOTP code on re-authentication, the current password
 * of a password change and the code of a TOTP disable.
 */
import { generateSync } from 'otplib';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(90_000);

/** Long enough that a loaded machine's password checks fit inside one interval. */
const SLOW_SECONDS = 8;

describe('credential checks of a signed-in person', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 10, throttle: { maxFailuresPerAccount: 5, maxFailuresPerIp: 8, windowSeconds: 600, slowSeconds: SLOW_SECONDS } });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const auditRows = async (action: string, admin: string) => {
    const res = await call(api, 'GET', `/api/audit?action=${action}&limit=500`, { token: admin });
    expect(res.status).toBe(200);
    return res.body.items as Array<{ actor: { email: string }; after: Record<string, unknown> }>;
  };

  it('signs a session out at its fifth wrong password on re-authentication, counts them toward the lockout, and audits each', async () => {
    const victim = firm.users.manager;
    const stolen = await login(api, victim.email, victim.password);
    const answers = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await call(api, 'POST', '/api/auth/reauth', { token: stolen, body: { password: `guess number ${i}!!` } });
      answers.push({ status: res.status, code: res.body.error?.code, attemptsLeft: res.body.error?.details?.attemptsLeft });
    }
    expect(answers).toEqual([
      { status: 401, code: 'invalid_credentials', attemptsLeft: undefined },
      { status: 401, code: 'invalid_credentials', attemptsLeft: undefined },
      { status: 401, code: 'invalid_credentials', attemptsLeft: 2 },
      { status: 401, code: 'invalid_credentials', attemptsLeft: 1 },
      { status: 401, code: 'session_revoked', attemptsLeft: undefined },
    ]);
    // The session is gone: even the right password cannot bring it back.
    const after = await call(api, 'POST', '/api/auth/reauth', { token: stolen, body: { password: victim.password } });
    expect({ status: after.status, code: after.body.error?.code }).toEqual({ status: 401, code: 'session_revoked' });
    // The failures counted toward the account's lockout: sign-ins from unknown devices are slowed at once.
    expect((await call(api, 'POST', '/api/auth/login', { body: { email: victim.email, password: victim.password } })).status).toBe(429);

    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const failed = await auditRows('auth.reauth_failed', admin);
    expect(failed.filter((row) => row.actor.email === victim.email).map((row) => row.after.reason)).toEqual(['password', 'password', 'password', 'password', 'password']);
  });

  it("does not hold a signed-in owner's re-authentication when outsiders fail sign-ins to the account", async () => {
    const owner = firm.users.staff;
    const token = await login(api, owner.email, owner.password);
    const outsider = [];
    for (let i = 0; i < 7; i += 1) outsider.push((await call(api, 'POST', '/api/auth/login', { body: { email: owner.email, password: `outsider ${i}!!` } })).status);
    // The account is slowed for sign-ins (the outsider's last attempts wait)...
    expect(outsider.slice(-1)).toEqual([429]);
    // ...but the owner's session re-authenticates at once, and then changes the password.
    const reauth = await call(api, 'POST', '/api/auth/reauth', { token, body: { password: owner.password } });
    expect({ status: reauth.status, code: reauth.body?.error?.code }).toEqual({ status: 204, code: undefined });
    const changed = await call(api, 'POST', '/api/auth/password', { token, body: { currentPassword: owner.password, newPassword: 'a brand new passphrase 77' } });
    expect(changed.status).toBe(204);
  });

  it('clears the session count on a successful password change', async () => {
    const user = firm.users.firm_admin;
    const token = await login(api, user.email, user.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password } })).status).toBe(204);
    const wrongChange = () => call(api, 'POST', '/api/auth/password', { token, body: { currentPassword: 'not my password!!', newPassword: 'a brand new passphrase 42' } });
    for (let i = 0; i < 4; i += 1) expect((await wrongChange()).status).toBe(401);
    expect((await call(api, 'POST', '/api/auth/password', { token, body: { currentPassword: user.password, newPassword: 'a brand new passphrase 42' } })).status).toBe(204);
    // Four more failures would have been the fifth and sixth without the clearing: the session stays.
    const next = await wrongChange();
    expect({ status: next.status, code: next.body.error?.code, attemptsLeft: next.body.error?.details?.attemptsLeft }).toEqual({ status: 401, code: 'invalid_credentials', attemptsLeft: undefined });
    user.password = 'a brand new passphrase 42';
  });

  it('counts and audits a wrong TOTP code on re-authentication, a wrong current password and a wrong code to disable TOTP', async () => {
    const user = firm.users.reviewer;
    const token = await login(api, user.email, user.password);
    // Turning TOTP on needs a recent re-authentication (docs/accounts.md).
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password } })).status).toBe(204);
    const setup = await call(api, 'POST', '/api/auth/totp/setup', { token });
    expect((await call(api, 'POST', '/api/auth/totp/enable', { token, body: { code: generateSync({ secret: setup.body.secret }) } })).status).toBe(204);

    const wrongCode = generateSync({ secret: setup.body.secret }) === '123456' ? '654321' : '123456';
    const totpRefused = await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password, totp: wrongCode } });
    expect({ status: totpRefused.status, code: totpRefused.body.error?.code }).toEqual({ status: 401, code: 'invalid_totp' });

    // A right re-authentication, with the next time step's code (enabling used up the current one); it clears the count.
    const nextCode = generateSync({ secret: setup.body.secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password, totp: nextCode } })).status).toBe(204);

    const changeRefused = await call(api, 'POST', '/api/auth/password', { token, body: { currentPassword: 'not my password!!', newPassword: 'a brand new passphrase 42' } });
    expect({ status: changeRefused.status, code: changeRefused.body.error?.code }).toEqual({ status: 401, code: 'invalid_credentials' });
    const disableRefused = await call(api, 'POST', '/api/auth/totp/disable', { token, body: { code: wrongCode } });
    expect({ status: disableRefused.status, code: disableRefused.body.error?.code }).toEqual({ status: 400, code: 'invalid_totp' });

    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const mine = async (action: string) => (await auditRows(action, admin)).filter((row) => row.actor.email === user.email).map((row) => row.after.reason);
    expect({
      reauth: await mine('auth.reauth_failed'),
      passwordChange: await mine('auth.password_change_failed'),
      totpDisable: await mine('auth.totp_disable_failed'),
    }).toEqual({ reauth: ['totp'], passwordChange: ['password'], totpDisable: ['totp'] });
    // Both failures since the last success counted against the session's five: the next one is the third, two left.
    const next = await call(api, 'POST', '/api/auth/reauth', { token, body: { password: 'another guess!!' } });
    expect({ status: next.status, attemptsLeft: next.body.error?.details?.attemptsLeft }).toEqual({ status: 401, attemptsLeft: 2 });
  });

  it('asks for the code, counting nothing, when the right password comes without one (as sign-in does)', async () => {
    const other = await createTestFirm(db);
    const user = other.users.staff;
    const token = await login(api, user.email, user.password);
    // Turning TOTP on needs a recent re-authentication (docs/accounts.md).
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password } })).status).toBe(204);
    const setup = await call(api, 'POST', '/api/auth/totp/setup', { token });
    expect((await call(api, 'POST', '/api/auth/totp/enable', { token, body: { code: generateSync({ secret: setup.body.secret }) } })).status).toBe(204);

    // More than the session's five and the account's five failures, were they counted.
    const answers = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password } });
      answers.push({ status: res.status, code: res.body.error?.code, message: res.body.error?.message, attemptsLeft: res.body.error?.details?.attemptsLeft });
    }
    expect(answers).toEqual(Array.from({ length: 6 }, () => ({ status: 401, code: 'totp_required', message: 'Enter the code from your authenticator app.', attemptsLeft: undefined })));

    // The session lives, and re-authenticates with a code; the account is not throttled (a sign-in
    // from a new device gets to the code question, not 429) and nothing was audited as a failure.
    expect((await call(api, 'GET', '/api/auth/me', { token })).status).toBe(200);
    const signIn = await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
    expect({ status: signIn.status, code: signIn.body.error?.code }).toEqual({ status: 401, code: 'totp_required' });
    const nextCode = generateSync({ secret: setup.body.secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password, totp: nextCode } })).status).toBe(204);
    const admin = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
    expect(await auditRows('auth.reauth_failed', admin)).toEqual([]);

    // A wrong code is still a failure, with sign-in's words.
    const wrong = await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password, totp: nextCode } });
    expect({ status: wrong.status, code: wrong.body.error?.code, message: wrong.body.error?.message }).toEqual({ status: 401, code: 'invalid_totp', message: 'That code is not valid (or was already used).' });
  });
});
