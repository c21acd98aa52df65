/**
 * Cross-site requests to the console (login CSRF and sign-out CSRF): another site's form posting to
 * the console's sign-in must not sign the browser in, and another site's link or image must not sign
 * it out. The console's sign-in has no session to tie a CSRF token to, so the browser's Origin (or
 * its Referer) decides, as for every console write. Real PostgreSQL and the mounted console.
 */
import { startTestApi, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';
import { consoleSignIn } from './helpers';

jest.setTimeout(120_000);

describe('console sign-in and sign-out from another site', () => {
  let db: TestDatabase;
  let server: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Csrf Firm');
    server = await startTestApi(db, { maxSessionsPerUser: 10 }, { adminConsole: true, logLevel: 'warn' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const liveSessions = async () => Number((await db.owner('sessions').where({ user_id: firm.users.firm_admin.id }).whereNull('revoked_at').count({ n: '*' }))[0]!.n);
  const postLogin = (headers: Record<string, string>) =>
    fetch(`${server.url}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ email: firm.users.firm_admin.email, password: firm.users.firm_admin.password }).toString(),
      redirect: 'manual',
    });

  it('refuses a sign-in posted from another origin, with none, or with an opaque one: 403, no session, no cookie', async () => {
    const before = await liveSessions();
    for (const headers of [
      { origin: 'https://attacker.example' },
      { referer: 'https://attacker.example/form.html' },
      { origin: 'null' },
      {},
      // Same host name on another port is another origin's page.
      { origin: server.url.replace(/:(\d+)$/, (_m, port: string) => `:${Number(port) + 1}`) },
    ] as Array<Record<string, string>>) {
      const res = await postLogin(headers);
      const body = (await res.json()) as { error: { code: string } };
      expect({ headers, status: res.status, code: body.error.code }).toEqual({ headers, status: 403, code: 'csrf_failed' });
      expect(res.headers.getSetCookie().join('\n')).not.toMatch(/taalmel_session=[^;]+/);
    }
    expect(await liveSessions()).toBe(before);
  });

  it("signs in from the console's own page (Origin, or a Referer without one)", async () => {
    const before = await liveSessions();
    expect((await postLogin({ origin: server.url })).status).toBe(302);
    expect((await postLogin({ referer: `${server.url}/admin/login` })).status).toBe(302);
    expect(await liveSessions()).toBe(before + 2);
  });

  it("signs out only from the console's own pages; another site's link shows a button instead", async () => {
    const cookie = await consoleSignIn(server.url, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const before = await liveSessions();
    const logout = (method: string, headers: Record<string, string>) => fetch(`${server.url}/admin/logout`, { method, headers: { cookie, ...headers }, redirect: 'manual' });

    for (const headers of [{ referer: 'https://attacker.example/page.html' }, {}] as Array<Record<string, string>>) {
      const res = await logout('GET', headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 200 });
      expect(await res.text()).toContain('<form method="post" action="/admin/logout">');
    }
    const posted = await logout('POST', { origin: 'https://attacker.example' });
    expect(posted.status).toBe(403);
    expect(await liveSessions()).toBe(before);
    expect((await fetch(`${server.url}/admin`, { headers: { cookie }, redirect: 'manual' })).status).toBe(200);

    const own = await logout('POST', { origin: server.url });
    expect(own.status).toBe(302);
    expect(own.headers.get('location')).toBe('/admin/login');
    expect(await liveSessions()).toBe(before - 1);
    expect((await fetch(`${server.url}/admin`, { headers: { cookie }, redirect: 'manual' })).status).toBe(302);
  });

  it("signs out on a GET from the console's own link (AdminJS's sign-out link)", async () => {
    const cookie = await consoleSignIn(server.url, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const before = await liveSessions();
    const res = await fetch(`${server.url}/admin/logout`, { headers: { cookie, referer: `${server.url}/admin` }, redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(await liveSessions()).toBe(before - 1);
  });

  it("sends Referrer-Policy same-origin on the console's pages (so a browser's form names its Origin), no-referrer elsewhere", async () => {
    for (const path of ['/admin/login', '/admin/logout', '/ADMIN//login'])
      expect({ path, policy: (await fetch(`${server.url}${path}`, { redirect: 'manual' })).headers.get('referrer-policy') }).toEqual({ path, policy: 'same-origin' });
    for (const path of ['/api/v1/me', '/healthz', '/administrator'])
      expect({ path, policy: (await fetch(`${server.url}${path}`, { redirect: 'manual' })).headers.get('referrer-policy') }).toEqual({ path, policy: 'no-referrer' });
  });

  it('refuses the same host over https when the console is served over http (the scheme is part of the origin)', async () => {
    const res = await postLogin({ origin: server.url.replace(/^http:/, 'https:') });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');
  });
});

describe('console sign-in with PUBLIC_URL configured', () => {
  const publicUrl = 'https://taalmel.example';
  let db: TestDatabase;
  let server: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Public Url Firm');
    server = await startTestApi(db, { maxSessionsPerUser: 10 }, { adminConsole: { publicUrl }, logLevel: 'warn' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const postLogin = (origin: string) =>
    fetch(`${server.url}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ email: firm.users.firm_admin.email, password: firm.users.firm_admin.password }).toString(),
      redirect: 'manual',
    });

  it("accepts PUBLIC_URL's origin only: not its http twin, not the address the request reached", async () => {
    expect((await postLogin(publicUrl)).status).toBe(302);
    for (const origin of ['http://taalmel.example', server.url, 'https://taalmel.example:8443']) {
      const res = await postLogin(origin);
      expect({ origin, status: res.status }).toEqual({ origin, status: 403 });
    }
  });
});
