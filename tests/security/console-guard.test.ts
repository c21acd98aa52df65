/**
 * The console's door matches the way the router matches (the probe's item 2): the router finds
 * AdminJS's routes case-insensitively and with a trailing slash, so every such spelling must meet
 * the guard. Without a session each one is refused and shows no data; with a firm admin's session
 * the same spellings work and stay in the admin's firm.
 */
import { startTestApi, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';
import { consoleSignIn } from './helpers';

jest.setTimeout(120_000);

describe('console guard spellings', () => {
  let db: TestDatabase;
  let server: TestApi;
  let firmA: TestFirm;
  let firmB: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firmA = await createTestFirm(db, 'Firm A');
    firmB = await createTestFirm(db, 'Firm B');
    // Development mode: a slip would show a stack trace, as in the probe.
    server = await startTestApi(db, { maxSessionsPerUser: 10 }, { adminConsole: true, logLevel: 'warn', exposeInternalErrors: true });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const get = (path: string, cookie?: string) => fetch(`${server.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });

  const apiSpellings = (id: string) => [
    '/ADMIN/api/resources/users/actions/list',
    '/Admin/API/resources/users/actions/list',
    '/admin/api/resources/users/actions/list/',
    '/ADMIN/api/resources/users/actions/list/',
    '//admin/api/resources/users/actions/list',
    '/admin//api/resources/users/actions/list',
    '/%61dmin/api/resources/users/actions/list',
    `/ADMIN/api/resources/users/records/${id}/show`,
    `/admin/API/resources/users/records/${id}/show/`,
  ];

  it('refuses every spelling of the console API without a session, showing nothing', async () => {
    const leaks: string[] = [];
    for (const path of apiSpellings(firmA.users.staff.id)) {
      const res = await get(path);
      const text = await res.text();
      if (res.status === 200 || /records|stack|forbiddenError/i.test(text) || text.includes(firmA.users.staff.email)) leaks.push(`${path}: ${res.status} ${text.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });

  it('sends every spelling of the console page to the sign-in page without a session', async () => {
    for (const path of ['/ADMIN', '/Admin/', '/admin/', '/ADMIN/resources/users']) {
      const res = await get(path);
      expect({ path, status: res.status, location: res.headers.get('location') }).toEqual({ path, status: 302, location: '/admin/login' });
    }
  });

  it("serves a firm admin under any spelling, within the admin's own firm", async () => {
    const cookie = await consoleSignIn(server.url, firmA.users.firm_admin.email, firmA.users.firm_admin.password);
    const res = await get('/ADMIN/api/resources/users/actions/list?perPage=50', cookie);
    expect(res.status).toBe(200);
    const emails = ((await res.json()) as { records: Array<{ params: { email: string } }> }).records.map((r) => r.params.email).sort();
    expect(emails).toEqual(Object.values(firmA.users).map((u) => u.email).sort());
    const foreign = await get(`/Admin/api/resources/users/records/${firmB.users.staff.id}/show`, cookie);
    expect(await foreign.text()).not.toContain(firmB.users.staff.email);
  });
});
