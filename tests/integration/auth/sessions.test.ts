import { SignJWT } from 'jose';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestFirm, type TestFirm } from '../../harness/factories';

describe('sign-in and sessions', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 2 });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('signs in and answers /api/auth/me', async () => {
    const staff = firm.users.staff;
    const res = await call(api, 'POST', '/api/auth/login', { body: { email: staff.email.toUpperCase(), password: staff.password, deviceName: 'laptop' } });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: staff.id, email: staff.email, name: expect.any(String), role: 'staff', firmId: firm.id, clientId: null });
    expect(res.body.session).toEqual({ id: expect.any(String), expiresAt: expect.any(String) });
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/taalmel_session=[^;]+;.*httponly/i);
    expect(setCookie).toMatch(/samesite=lax/i);
    expect(setCookie).toMatch(/taalmel_csrf=/);
    const me = await call(api, 'GET', '/api/auth/me', { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(staff.id);
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash/i);
  });

  it('answers unknown email and wrong password the same way', async () => {
    const unknown = await call(api, 'POST', '/api/auth/login', { body: { email: 'nobody@nowhere.test', password: 'whatever password 1' } });
    const wrong = await call(api, 'POST', '/api/auth/login', { body: { email: firm.users.reviewer.email, password: 'wrong password here' } });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(unknown.body.error.code).toBe('invalid_credentials');
  });

  it('rejects forged, unsigned, wrongly signed and foreign tokens', async () => {
    const good = await login(api, firm.users.manager.email, firm.users.manager.password);
    const [header, payload] = good.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const otherKey = await new SignJWT({ firmId: firm.id, sid: 'x', role: 'firm_admin' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer('taalmel')
      .setAudience('taalmel-api')
      .setSubject(firm.users.manager.id)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new Uint8Array(32).fill(7));
    for (const token of [forged, none, otherKey, 'garbage']) {
      const res = await call(api, 'GET', '/api/auth/me', { token });
      expect(res.status).toBe(401);
    }
  });
});
