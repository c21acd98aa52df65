/**
 * Headers, security.txt, token rules and private dump files (the probe's item 7).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { createPrivateFile } from '../../activities/backup-files';
import { createApp } from '../../api/app';
import { parseSigningKeys, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../api/auth/tokens';
import { createSecurity } from '../../api/security';
import { createTemporalClient, type TemporalHandle } from '../../api/temporal-client';
import { call, login, startTestApi, testSecuritySettings, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';
import { harnessValue } from '../harness/harness-env';
import { serve, type TestServer } from '../harness/http';
import { captureLogger } from '../harness/logs';
import { testPayloadCodec } from '../harness/temporal';

describe('headers, security.txt and tokens', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let temporal: TemporalHandle;
  let httpsApi: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
    firm = await createTestFirm(db);
    temporal = createTemporalClient({ address: harnessValue('temporalAddress'), namespace: 'default', taskQueue: 'unused', codec: testPayloadCodec() });
    const logs = captureLogger('warn');
    const security = createSecurity(testSecuritySettings(), db.app, logs.logger);
    const app = createApp({ logger: logs.logger, knex: db.app, temporal, security, exposeInternalErrors: false, web: { publicUrl: 'https://taalmel.example', securityContact: 'mailto:security@taalmel.example' } });
    httpsApi = await serve(app);
  });
  afterAll(async () => {
    await httpsApi.close();
    await temporal.close();
    await api.close();
    await db.drop();
  });

  it('sends the protective headers on answers and errors alike, and HSTS only over https', async () => {
    const token = await login(api, firm.users.staff.email, firm.users.staff.password);
    for (const res of [await call(api, 'GET', '/api/auth/me', { token }), await call(api, 'GET', '/api/auth/me'), await call(api, 'GET', '/api/nowhere')]) {
      expect({
        nosniff: res.headers.get('x-content-type-options'),
        cache: res.headers.get('cache-control'),
        frame: res.headers.get('x-frame-options'),
        csp: res.headers.get('content-security-policy'),
        referrer: res.headers.get('referrer-policy'),
        hsts: res.headers.get('strict-transport-security'),
      }).toEqual({ nosniff: 'nosniff', cache: 'no-store', frame: 'DENY', csp: "default-src 'none'; frame-ancestors 'none'", referrer: 'no-referrer', hsts: null });
    }
    expect((await call(httpsApi, 'GET', '/healthz')).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('serves security.txt with the configured contact, and none without one', async () => {
    const res = await fetch(`${httpsApi.url}/.well-known/security.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('Contact: mailto:security@taalmel.example');
    expect(text).toContain('Canonical: https://taalmel.example/.well-known/security.txt');
    const expires = new Date(/Expires: (\S+)/.exec(text)?.[1] ?? '');
    expect(expires.getTime()).toBeGreaterThan(Date.now());
    expect(expires.getTime()).toBeLessThan(Date.now() + 366 * 86_400_000);
    expect((await call(api, 'GET', '/.well-known/security.txt')).status).toBe(404);
  });

  it('refuses tokens issued in the future or living longer than configured, even with a valid signature', async () => {
    const { settings } = api.security;
    const keys = parseSigningKeys(settings.signingKeys, settings.signingKeyCurrent);
    const key = keys.keys.get(keys.current) as Uint8Array;
    const session = await login(api, firm.users.staff.email, firm.users.staff.password);
    const sid = (await call(api, 'GET', '/api/auth/me', { token: session })).body.session.id as string;
    const forge = (iat: number, exp: number) =>
      new SignJWT({ firmId: firm.id, sid, role: 'staff' })
        .setProtectedHeader({ alg: 'HS256', kid: keys.current, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(firm.users.staff.id)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    const fair = await forge(now, now + settings.tokenMinutes * 60);
    expect((await call(api, 'GET', '/api/auth/me', { token: fair })).status).toBe(200);
    const future = await forge(now + 3600, now + 3600 + 60);
    expect((await call(api, 'GET', '/api/auth/me', { token: future })).status).toBe(401);
    const longLived = await forge(now - 60, now + 30 * 24 * 3600);
    expect((await call(api, 'GET', '/api/auth/me', { token: longLived })).status).toBe(401);
  });

  it('creates partial dump files readable by their owner only, whatever the umask or an earlier attempt left', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-partial-'));
    const previous = process.umask(0o022);
    try {
      const fresh = path.join(dir, 'fresh.dump.partial');
      createPrivateFile(fresh);
      expect((fs.statSync(fresh).mode & 0o777).toString(8)).toBe('600');
      const leftover = path.join(dir, 'leftover.dump.partial');
      fs.writeFileSync(leftover, 'old bytes', { mode: 0o644 });
      createPrivateFile(leftover);
      expect({ mode: (fs.statSync(leftover).mode & 0o777).toString(8), size: fs.statSync(leftover).size }).toEqual({ mode: '600', size: 0 });
    } finally {
      process.umask(previous);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
