/**
 * A signed-in person's own credential checks are held by the sign-in throttle and leave audit rows
 * (docs/security-and-tenancy.md, "Re-authentication"). A stolen session used to guess the password
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

  it('throttles wrong passwords on re-authentication like sign-ins, and audits each failure', async () => {
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
      { status: 401, code: 'invalid_credentials', attemptsLeft: 0 },
    ]);
    // Even the right password waits now: guessing goes at one attempt per interval.
    const held = await call(api, 'POST', '/api/auth/reauth', { token: stolen, body: { password: victim.password } });
    expect({ status: held.status, code: held.body.error?.code }).toEqual({ status: 429, code: 'rate_limited' });
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
    // The lockout holds sign-ins of the account from unknown devices too: one counter.
    expect((await call(api, 'POST', '/api/auth/login', { body: { email: victim.email, password: victim.password } })).status).toBe(429);

    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const failed = await auditRows('auth.reauth_failed', admin);
    expect(failed.filter((row) => row.actor.email === victim.email).map((row) => row.after.reason)).toEqual(['password', 'password', 'password', 'password', 'password']);
    const throttled = await auditRows('auth.reauth_throttled', admin);
    expect(throttled.filter((row) => row.actor.email === victim.email)).toHaveLength(1);

    // After the interval the owner's right password goes through, and clears the count.
    await new Promise((resolve) => setTimeout(resolve, SLOW_SECONDS * 1000 + 300));
    expect((await call(api, 'POST', '/api/auth/reauth', { token: stolen, body: { password: victim.password } })).status).toBe(204);
  });

  it('counts and audits a wrong TOTP code on re-authentication, a wrong current password and a wrong code to disable TOTP', async () => {
    const user = firm.users.reviewer;
    const token = await login(api, user.email, user.password);
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
    // Both failures since the last success counted toward the account's limit of five: the next one is the third, two left.
    const next = await call(api, 'POST', '/api/auth/reauth', { token, body: { password: 'another guess!!' } });
    expect({ status: next.status, attemptsLeft: next.body.error?.details?.attemptsLeft }).toEqual({ status: 401, attemptsLeft: 2 });
  });
});
