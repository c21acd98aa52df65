import { SignJWT } from 'jose';
import { parseSigningKeys, SessionTokens } from '../../../api/auth/tokens';
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

describe('session lifecycle', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 2 }, { trustProxy: true });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  async function activeSessionCount(userId: string): Promise<number> {
    const { rows } = await db.owner.raw(
      `select count(*)::int as n from sessions where user_id = ? and revoked_at is null and idle_expires_at > now() and absolute_expires_at > now()`,
      [userId],
    );
    return rows[0].n;
  }

  it('allows two devices; the third gets device_limit; replacing one signs in', async () => {
    const user = firm.users.reviewer;
    await login(api, user.email, user.password, { deviceName: 'laptop' });
    await login(api, user.email, user.password, { deviceName: 'phone' });
    const third = await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password, deviceName: 'tablet' } });
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe('device_limit');
    const sessions = third.body.error.details.sessions as Array<{ id: string; deviceName: string }>;
    expect(sessions.map((s) => s.deviceName)).toEqual(['laptop', 'phone']);
    expect(Object.keys(sessions[0] ?? {}).sort()).toEqual(['createdAt', 'deviceName', 'id', 'ip', 'lastSeenAt']);
    // Their instants in India's offset, as every response writes them.
    const ist = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
    expect(third.body.error.details.sessions.map((s: { createdAt: string; lastSeenAt: string }) => [s.createdAt, s.lastSeenAt])).toEqual([[ist, ist], [ist, ist]]);

    const replaced = await call(api, 'POST', '/api/auth/login', {
      body: { email: user.email, password: user.password, deviceName: 'tablet', replaceSessionId: sessions[0]?.id },
    });
    expect(replaced.status).toBe(200);
    expect(await activeSessionCount(user.id)).toBe(2);
  });

  it('keeps at most two sessions when five sign-ins race', async () => {
    const user = firm.users.firm_admin;
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password, deviceName: `device ${i}` } })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
    expect(await activeSessionCount(user.id)).toBe(2);
  });

  it('signs a device out remotely: its very next request is refused', async () => {
    const user = firm.users.staff;
    const laptop = await login(api, user.email, user.password, { deviceName: 'laptop' });
    const phone = await login(api, user.email, user.password, { deviceName: 'phone' });
    const list = await call(api, 'GET', '/api/auth/sessions', { token: laptop });
    expect(list.status).toBe(200);
    const phoneSession = list.body.items.find((s: { deviceName: string }) => s.deviceName === 'phone');
    expect(list.body.items.find((s: { current: boolean }) => s.current).deviceName).toBe('laptop');
    expect((await call(api, 'GET', '/api/auth/me', { token: phone })).status).toBe(200);
    expect((await call(api, 'DELETE', `/api/auth/sessions/${phoneSession.id}`, { token: laptop })).status).toBe(204);
    const after = await call(api, 'GET', '/api/auth/me', { token: phone });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('session_revoked');
    expect((await call(api, 'GET', '/api/auth/me', { token: laptop })).status).toBe(200);
    await call(api, 'POST', '/api/auth/logout', { token: laptop });
  });

  it('lets a firm admin revoke any device of the firm, but not another firm\'s', async () => {
    const other = await createTestFirm(db);
    const adminToken = await login(api, firm.users.manager.email, firm.users.manager.password);
    const staffToken = await login(api, other.users.staff.email, other.users.staff.password);
    const otherSessions = await call(api, 'GET', '/api/auth/sessions', { token: staffToken });
    const foreignId = otherSessions.body.items[0].id;
    // A manager is not a firm admin: another user's session is simply not found.
    expect((await call(api, 'DELETE', `/api/auth/sessions/${foreignId}`, { token: adminToken })).status).toBe(404);
    const ownAdmin = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
    expect((await call(api, 'DELETE', `/api/auth/sessions/${foreignId}`, { token: ownAdmin })).status).toBe(204);
    expect((await call(api, 'GET', '/api/auth/me', { token: staffToken })).body.error.code).toBe('session_revoked');
  });

  it('refuses the token after logout and after the user is deactivated', async () => {
    const other = await createTestFirm(db);
    const token = await login(api, other.users.staff.email, other.users.staff.password);
    expect((await call(api, 'POST', '/api/auth/logout', { token })).status).toBe(204);
    expect((await call(api, 'GET', '/api/auth/me', { token })).status).toBe(401);

    const victim = await login(api, other.users.reviewer.email, other.users.reviewer.password);
    const admin = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token: admin, body: { password: other.users.firm_admin.password } })).status).toBe(204);
    expect((await call(api, 'PATCH', `/api/users/${other.users.reviewer.id}`, { token: admin, body: { active: false } })).status).toBe(200);
    expect((await call(api, 'GET', '/api/auth/me', { token: victim })).status).toBe(401);
    expect((await call(api, 'POST', '/api/auth/login', { body: { email: other.users.reviewer.email, password: other.users.reviewer.password } })).status).toBe(401);
  });

  it('refuses a token whose user was deactivated directly in the database', async () => {
    const other = await createTestFirm(db);
    const token = await login(api, other.users.manager.email, other.users.manager.password);
    await db.owner('users').where({ id: other.users.manager.id }).update({ active: false });
    expect((await call(api, 'GET', '/api/auth/me', { token })).status).toBe(401);
  });

  it('refuses expired tokens and tokens for another audience or issuer', async () => {
    const settings = api.security.settings;
    const keys = parseSigningKeys(settings.signingKeys, settings.signingKeyCurrent);
    const token = await login(api, firm.users.manager.email, firm.users.manager.password);
    const claims = await api.security.tokens.verify(token);
    const shortLived = new SessionTokens(keys, 1);
    const { token: expiring } = await shortLived.sign({ sub: claims.sub, firmId: claims.firmId, sessionId: claims.sessionId, role: claims.role }, new Date(Date.now() - 5000));
    const expired = await call(api, 'GET', '/api/auth/me', { token: expiring });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('session_expired');

    const key = keys.keys.get(keys.current) as Uint8Array;
    const sign = (iss: string, aud: string, alg = 'HS256') =>
      new SignJWT({ firmId: claims.firmId, sid: claims.sessionId, role: claims.role })
        .setProtectedHeader({ alg, kid: keys.current })
        .setIssuer(iss)
        .setAudience(aud)
        .setSubject(claims.sub)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
    expect((await call(api, 'GET', '/api/auth/me', { token: await sign('taalmel', 'taalmel-api') })).status).toBe(200);
    expect((await call(api, 'GET', '/api/auth/me', { token: await sign('someone-else', 'taalmel-api') })).status).toBe(401);
    expect((await call(api, 'GET', '/api/auth/me', { token: await sign('taalmel', 'another-api') })).status).toBe(401);
    expect((await call(api, 'GET', '/api/auth/me', { token: await sign('taalmel', 'taalmel-api', 'HS512') })).status).toBe(401);
  });

  it('re-issues a fresh token while the session lives once the old one is half spent', async () => {
    const fresh = await createTestFirm(db);
    const token = await login(api, fresh.users.manager.email, fresh.users.manager.password);
    expect((await call(api, 'GET', '/api/auth/me', { token })).headers.get('x-session-token')).toBeNull();
    const claims = await api.security.tokens.verify(token);
    const settings = api.security.settings;
    const nearlySpent = await new SessionTokens(parseSigningKeys(settings.signingKeys, settings.signingKeyCurrent), 60).sign({
      sub: claims.sub,
      firmId: claims.firmId,
      sessionId: claims.sessionId,
      role: claims.role,
    });
    const res = await call(api, 'GET', '/api/auth/me', { token: nearlySpent.token });
    expect(res.status).toBe(200);
    const reissued = res.headers.get('x-session-token') as string;
    expect(reissued).toEqual(expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/));
    const freshClaims = await api.security.tokens.verify(reissued);
    expect(freshClaims.sessionId).toBe(claims.sessionId);
    expect(freshClaims.exp - freshClaims.iat).toBe(15 * 60);
  });

  it('records a sign-in from a new IP and tells the user', async () => {
    const other = await createTestFirm(db);
    const user = other.users.staff;
    const first = await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password }, headers: { 'x-forwarded-for': '203.0.113.5' } });
    expect(first.status).toBe(200);
    await call(api, 'POST', '/api/auth/logout', { token: first.body.token });
    const second = await call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password }, headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect(second.status).toBe(200);
    const notes = await call(api, 'GET', '/api/notifications', { token: second.body.token });
    expect(notes.body.items).toHaveLength(1);
    expect(notes.body.items[0]).toMatchObject({ kind: 'sign_in_new_ip', payload: { ip: '198.51.100.7' } });
    const events = await db.owner('audit_events').where({ firm_id: other.id, action: 'auth.new_ip' });
    expect(events).toHaveLength(1);
    expect(events[0].ip).toBe('198.51.100.7');
  });
});
