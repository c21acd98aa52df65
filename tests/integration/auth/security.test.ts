import argon2 from 'argon2';
import { generateSync } from 'otplib';
import { passwordNeedsRehash } from '../../../db/security/passwords';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestFirm, type TestFirm } from '../../harness/factories';

const now = () => Math.floor(Date.now() / 1000);
const codeAt = (secret: string, epoch: number) => generateSync({ secret, epoch });

describe('re-authentication, TOTP, CSRF and secrets in output', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { reauthWindowMinutes: 10 });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('guards sensitive routes with a re-authentication window', async () => {
    const admin = firm.users.firm_admin;
    const token = await login(api, admin.email, admin.password);
    const attempt = () => call(api, 'PUT', '/api/settings/smtp', { token, body: { host: 'smtp.example.test', port: 587, secure: false, user: 'u', password: 'p4ss', from: 'ca@example.test' } });
    const refused = await attempt();
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('reauth_required');
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: 'not my password' } })).status).toBe(401);
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: admin.password } })).status).toBe(204);
    expect((await attempt()).status).toBe(204);
    // Eleven minutes later the window has closed.
    await db.owner('sessions').where({ user_id: admin.id }).update({ reauth_at: db.owner.raw("now() - interval '11 minutes'") });
    expect((await attempt()).body.error.code).toBe('reauth_required');
  });

  it('sets up TOTP, then demands a code that is right, current and unused', async () => {
    const user = firm.users.manager;
    const token = await login(api, user.email, user.password);
    // Turning TOTP on needs a recent re-authentication (docs/accounts.md).
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password } })).status).toBe(204);
    const setup = await call(api, 'POST', '/api/auth/totp/setup', { token });
    expect(setup.status).toBe(200);
    const secret = setup.body.secret as string;
    expect(setup.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/Taalmel:/);
    expect((await call(api, 'POST', '/api/auth/totp/enable', { token, body: { code: '000000' } })).status).toBe(400);
    const enableCode = codeAt(secret, now());
    expect((await call(api, 'POST', '/api/auth/totp/enable', { token, body: { code: enableCode } })).status).toBe(204);

    const stored = await db.owner('users').where({ id: user.id }).first();
    expect(stored.totp_secret).toMatch(/^v1\./);
    expect(stored.totp_secret).not.toContain(secret);

    const body = { email: user.email, password: user.password };
    expect((await call(api, 'POST', '/api/auth/login', { body })).body.error.code).toBe('totp_required');
    expect((await call(api, 'POST', '/api/auth/login', { body: { ...body, totp: enableCode } })).body.error.code).toBe('invalid_totp'); // already used
    const skewedFar = codeAt(secret, now() - 120);
    expect((await call(api, 'POST', '/api/auth/login', { body: { ...body, totp: skewedFar } })).body.error.code).toBe('invalid_totp');
    // One step ahead is tolerated (a phone clock running fast), and then cannot be reused.
    const ahead = codeAt(secret, now() + 30);
    const ok = await call(api, 'POST', '/api/auth/login', { body: { ...body, totp: ahead } });
    expect(ok.status).toBe(200);
    await call(api, 'POST', '/api/auth/logout', { token: ok.body.token });
    expect((await call(api, 'POST', '/api/auth/login', { body: { ...body, totp: ahead } })).body.error.code).toBe('invalid_totp');

    // Disabling needs a re-authentication (with a fresh code) and a code: the one before enabling has aged out.
    await db.owner('sessions').where({ user_id: user.id }).update({ reauth_at: db.owner.raw("now() - interval '11 minutes'") });
    const disable = await call(api, 'POST', '/api/auth/totp/disable', { token, body: { code: codeAt(secret, now() + 60) } });
    expect(disable.body.error.code).toBe('reauth_required');
  });

  it('requires the CSRF header on state-changing cookie requests', async () => {
    const user = firm.users.reviewer;
    const res = await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
    const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = /taalmel_csrf=([^;]+)/.exec(cookies)?.[1] as string;
    expect((await call(api, 'GET', '/api/auth/me', { cookie: cookies })).status).toBe(200);
    const missing = await call(api, 'POST', '/api/auth/reauth', { cookie: cookies, body: { password: user.password } });
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('csrf_failed');
    const wrong = await call(api, 'POST', '/api/auth/reauth', { cookie: cookies, body: { password: user.password }, headers: { 'x-csrf-token': `${csrf}x` } });
    expect(wrong.status).toBe(403);
    const right = await call(api, 'POST', '/api/auth/reauth', { cookie: cookies, body: { password: user.password }, headers: { 'x-csrf-token': csrf } });
    expect(right.status).toBe(204);
  });

  it('changes a password: rules enforced, other sessions revoked', async () => {
    const user = firm.users.staff;
    const laptop = await login(api, user.email, user.password, { deviceName: 'laptop' });
    const phone = await login(api, user.email, user.password, { deviceName: 'phone' });
    await call(api, 'POST', '/api/auth/reauth', { token: laptop, body: { password: user.password } });
    const common = await call(api, 'POST', '/api/auth/password', { token: laptop, body: { currentPassword: user.password, newPassword: 'password1234' } });
    // The refusal names the body's own field, `newPassword` (docs/api.md), and no other.
    const fieldsOf = (res: { status: number; body: { error: { code: string; details: { fields: Record<string, string> } } } }) => ({ status: res.status, code: res.body.error.code, fields: Object.keys(res.body.error.details.fields) });
    expect(fieldsOf(common)).toEqual({ status: 400, code: 'invalid_input', fields: ['newPassword'] });
    expect(common.body.error.details.fields.newPassword).toMatch(/common/);
    const short = await call(api, 'POST', '/api/auth/password', { token: laptop, body: { currentPassword: user.password, newPassword: 'short' } });
    expect(fieldsOf(short)).toEqual({ status: 400, code: 'invalid_input', fields: ['newPassword'] });
    expect(short.body.error.details.fields.newPassword).toMatch(/12/);
    const asEmail = await call(api, 'POST', '/api/auth/password', { token: laptop, body: { currentPassword: user.password, newPassword: user.email } });
    expect(fieldsOf(asEmail)).toEqual({ status: 400, code: 'invalid_input', fields: ['newPassword'] });
    expect(asEmail.body.error.details.fields.newPassword).toMatch(/email/);
    const newPassword = 'a much longer passphrase 2026';
    expect((await call(api, 'POST', '/api/auth/password', { token: laptop, body: { currentPassword: user.password, newPassword } })).status).toBe(204);
    expect((await call(api, 'GET', '/api/auth/me', { token: phone })).body.error.code).toBe('session_revoked');
    expect((await call(api, 'GET', '/api/auth/me', { token: laptop })).status).toBe(200);
    await call(api, 'POST', '/api/auth/logout', { token: laptop });
    expect((await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: newPassword } })).status).toBe(200);
    user.password = newPassword;
  });

  it('re-hashes a password stored with older argon2 parameters at the next sign-in', async () => {
    const user = firm.users.reviewer;
    const old = await argon2.hash(user.password, { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 });
    await db.owner('users').where({ id: user.id }).update({ password_hash: old });
    const res = await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
    expect(res.status).toBe(200);
    const stored = (await db.owner('users').where({ id: user.id }).first()).password_hash as string;
    expect(stored).not.toBe(old);
    expect(passwordNeedsRehash(old)).toBe(true);
    expect(passwordNeedsRehash(stored)).toBe(false);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=32768,/);
    await call(api, 'POST', '/api/auth/logout', { token: res.body.token });
  });

  it('never puts a password, hash, TOTP secret or token in a response body or a log line', async () => {
    const everything = api.logs.text();
    const { rows } = await db.owner.raw('select password_hash, totp_secret from users where firm_id = ?', [firm.id]);
    for (const row of rows) {
      expect(everything).not.toContain(row.password_hash);
      if (row.totp_secret) expect(everything).not.toContain(row.totp_secret);
    }
    expect(everything).not.toContain(firm.users.firm_admin.password);
    const token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    await call(api, 'GET', '/api/users', { token });
    const users = await call(api, 'GET', '/api/users', { token });
    expect(users.text).not.toMatch(/\$argon2id\$/);
    expect(users.text).not.toMatch(/totpSecret|password/i);
    expect(api.logs.text()).not.toContain(token);
    expect(api.logs.text()).not.toContain(token.split('.')[2]);
  });
});

describe('login throttling', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { throttle: { maxFailuresPerAccount: 3, maxFailuresPerIp: 50, windowSeconds: 600, slowSeconds: 5 } });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('answers 429 with Retry-After after repeated failures, and lets the next attempt in after the slow interval', async () => {
    const user = firm.users.staff;
    for (let i = 0; i < 3; i += 1) {
      expect((await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: 'wrong password!!' } })).status).toBe(401);
    }
    const limited = await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The lock is per account: another account from the same IP still signs in.
    expect((await call(api, 'POST', '/api/auth/login', { body: { email: firm.users.manager.email, password: firm.users.manager.password } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5200));
    expect((await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
  });

  it('limits per account and IP too, without locking the IP for everyone', async () => {
    const tight = await startTestApi(db, { throttle: { maxFailuresPerAccount: 100, maxFailuresPerIp: 4, windowSeconds: 60 } });
    try {
      for (let i = 0; i < 4; i += 1) await call(tight, 'POST', '/api/auth/login', { body: { email: firm.users.reviewer.email, password: 'wrong password!!' } });
      const res = await call(tight, 'POST', '/api/auth/login', { body: { email: firm.users.reviewer.email, password: firm.users.reviewer.password } });
      expect(res.status).toBe(429);
      // Someone else behind the same IP is not affected.
      expect((await call(tight, 'POST', '/api/auth/login', { body: { email: firm.users.staff.email, password: firm.users.staff.password } })).status).toBe(200);
    } finally {
      await tight.close();
      await db.owner('rate_limits').del();
    }
  });
});
