/**
 * What each TOTP step proves (docs/accounts.md, "Two-factor authentication"): a code signs in once
 * even when sign-ins race, turning it on needs a recent re-authentication, and turning it off right
 * after a re-authentication with a code needs no second code.
 */
import { generateSync } from 'otplib';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

const codeAt = (secret: string, offsetSeconds: number) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });

describe('TOTP proofs', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The races below refuse many sign-ins at once: the account's pause must not answer for them.
    api = await startTestApi(db, { maxSessionsPerUser: 10, throttle: { maxFailuresPerAccount: 100, maxFailuresPerIp: 500, windowSeconds: 900 } });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  /** Turns TOTP on for a user (re-authenticating first, as the route needs) and returns the secret. */
  async function enableTotp(token: string, password: string): Promise<string> {
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password } })).status).toBe(204);
    const setup = await call(api, 'POST', '/api/auth/totp/setup', { token });
    expect(setup.status).toBe(200);
    const enabled = await call(api, 'POST', '/api/auth/totp/enable', { token, body: { code: codeAt(setup.body.secret, 0) } });
    expect({ status: enabled.status, error: enabled.body?.error }).toEqual({ status: 204, error: undefined });
    return setup.body.secret as string;
  }

  it('signs in once with one code when many sign-ins with it arrive together', async () => {
    const user = firm.users.staff;
    const secret = await enableTotp(await login(api, user.email, user.password), user.password);
    const sessions = async () => Number((await db.owner('sessions').where({ user_id: user.id }).count({ n: '*' }).first())?.n);
    const before = await sessions();
    // The next step's code: enabling used the current one.
    const code = codeAt(secret, 30);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password, totp: code, deviceName: `racer ${i}` } })),
    );
    const summary = answers.map((a) => (a.status === 200 ? 200 : `${a.status} ${a.body.error?.code}`)).sort();
    expect(summary).toEqual([200, ...Array.from({ length: 7 }, () => '401 invalid_totp')]);
    expect((await sessions()) - before).toBe(1);
  });

  it('turns TOTP on only after a recent re-authentication', async () => {
    const user = firm.users.reviewer;
    const token = await login(api, user.email, user.password);
    const setup = await call(api, 'POST', '/api/auth/totp/setup', { token });
    expect(setup.status).toBe(200);
    const code = codeAt(setup.body.secret, 0);
    const refused = await call(api, 'POST', '/api/auth/totp/enable', { token, body: { code } });
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 403, code: 'reauth_required' });
    expect((await db.owner('users').where({ id: user.id }).first()).totp_enabled).toBe(false);

    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password } })).status).toBe(204);
    expect((await call(api, 'POST', '/api/auth/totp/enable', { token, body: { code } })).status).toBe(204);
    expect((await db.owner('users').where({ id: user.id }).first()).totp_enabled).toBe(true);
  });

  it('turns TOTP off with the one code given to the re-authentication', async () => {
    const user = firm.users.manager;
    const token = await login(api, user.email, user.password);
    const secret = await enableTotp(token, user.password);
    // An hour later the re-authentication has lapsed: without one, no code-less disable.
    await db.owner('sessions').where({ user_id: user.id }).update({ reauth_at: db.owner.raw("now() - interval '1 hour'") });
    const lapsed = await call(api, 'POST', '/api/auth/totp/disable', { token, body: {} });
    expect({ status: lapsed.status, code: lapsed.body.error?.code }).toEqual({ status: 403, code: 'reauth_required' });

    // The web app's dialog: password and the next code, then the disable itself with nothing more.
    const code = codeAt(secret, 30);
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password, totp: code } })).status).toBe(204);
    // A code sent along is still checked: the one just used is refused (and counted, one of five).
    const reused = await call(api, 'POST', '/api/auth/totp/disable', { token, body: { code } });
    expect({ status: reused.status, code: reused.body.error?.code }).toEqual({ status: 400, code: 'invalid_totp' });
    const off = await call(api, 'POST', '/api/auth/totp/disable', { token, body: {} });
    expect({ status: off.status, error: off.body?.error }).toEqual({ status: 204, error: undefined });
    const row = await db.owner('users').where({ id: user.id }).first();
    expect({ enabled: row.totp_enabled, secret: row.totp_secret }).toEqual({ enabled: false, secret: null });
    expect((await call(api, 'GET', '/api/auth/me', { token })).status).toBe(200);
    expect((await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
  });
});
