/**
 * The console's URLs as a curious (or careless) firm admin types them, against the real database:
 * a record id that is no UUID, filters whose values cannot be compared with their column, page
 * numbers below one, an action the console does not have, a bulk action, a GET to the sign-out
 * action from another site. Each answers plainly (no record, an empty list, 404, 403), never with a
 * server error, and the sign-out happens only from the console's own page.
 */
import { startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { consoleSignIn } from '../../security/helpers';

jest.setTimeout(120_000);

type ListAnswer = { meta?: { total: number }; records?: Array<{ params: Record<string, unknown> }>; notice?: { type: string; message: string } };

describe('console URLs typed by hand', () => {
  let db: TestDatabase;
  let server: TestApi;
  let firm: TestFirm;
  let cookie: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Probe Firm');
    server = await startTestApi(db, { maxSessionsPerUser: 10 }, { adminConsole: true, logLevel: 'warn' });
    cookie = await consoleSignIn(server.url, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: ListAnswer & { error?: { code: string; message: string } } }> {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie, ...headers } });
    return { status: res.status, body: JSON.parse(await res.text()) };
  }

  it('answers a record id that is no UUID with "not found", never a server error', async () => {
    for (const path of ['/admin/api/resources/users/records/abc/show', '/admin/api/resources/clients/records/1/edit', '/admin/api/resources/audit/records/abc/show']) {
      const res = await get(path);
      expect({ path, status: res.status, notice: res.body.notice?.type }).toEqual({ path, status: 200, notice: 'error' });
      expect(res.body.notice?.message).toMatch(/cannot be found/);
    }
  });

  it('lists nothing for a filter value its column cannot hold, and ignores filters on JSON columns', async () => {
    const total = async (path: string) => {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      return res.body.meta?.total;
    };
    const list = (resource: string, query: string) => `/admin/api/resources/${resource}/actions/list?${query}`;
    expect(await total(list('sessions', 'filters.userId=abc'))).toBe(0);
    expect(await total(list('audit', 'filters.entityId=1'))).toBe(0);
    expect(await total(list('audit', 'filters.seq=abc'))).toBe(0);
    expect(await total(list('users', 'filters.lastLoginAt~~from=2026-13-45'))).toBe(0);
    expect(await total(list('users', 'filters.active=maybe'))).toBe(0);
    expect(await total(list('users', 'filters.name=%00'))).toBe(0);
    const allEvents = await total(list('audit', ''));
    expect(allEvents).toBeGreaterThan(0);
    expect(await total(list('audit', 'filters.before=x'))).toBe(allEvents);
    // A good value still filters: the firm admin's own id.
    expect(await total(list('users', `filters.id=${firm.users.firm_admin.id}`))).toBe(1);
    const search = await get('/admin/api/resources/clients/actions/search/%00');
    expect(search.status).toBe(200);
  });

  it('shows the first page for a page number below one', async () => {
    for (const page of ['0', '-1']) {
      const res = await get(`/admin/api/resources/users/actions/list?page=${page}`);
      expect({ page, status: res.status, names: res.body.records?.length }).toEqual({ page, status: 200, names: Object.keys(firm.users).length });
    }
  });

  it('answers 404 for an action the console does not have, and for any bulk action', async () => {
    const missing = { status: 404, body: { error: { code: 'not_found', message: 'The console has no such action.' } } };
    expect(await get('/admin/api/resources/users/actions/bogus')).toEqual(missing);
    expect(await get(`/admin/api/resources/users/records/${firm.users.staff.id}/bogus`)).toEqual(missing);
    expect(await get(`/admin/api/resources/users/bulk/bulkDelete?recordIds=abc,def`)).toEqual(missing);
    expect(await get(`/admin/api/resources/users/bulk/bulkDelete?recordIds=${firm.users.staff.id}`)).toEqual(missing);
    expect(await db.owner('users').where({ id: firm.users.staff.id }).first()).toBeDefined();
  });

  it("signs a device out on AdminJS's GET only from the console's own page", async () => {
    const insert = async (name: string) =>
      (
        await db
          .owner('sessions')
          .insert({
            id: db.owner.raw('gen_random_uuid()'), firm_id: firm.id, user_id: firm.users.manager.id, device_name: name,
            idle_expires_at: db.owner.raw("now() + interval '1 hour'"), absolute_expires_at: db.owner.raw("now() + interval '1 hour'"),
          })
          .returning('id')
      )[0].id as string;
    const revoked = async (id: string) => (await db.owner('sessions').where({ id }).first()).revoked_at !== null;

    // A link followed from another site carries the (Lax) session cookie: it must change nothing.
    const victim = await insert('phone on the desk');
    const link = await get(`/admin/api/resources/sessions/records/${victim}/signOut`, { 'sec-fetch-site': 'cross-site' });
    expect({ status: link.status, code: link.body.error?.code }).toEqual({ status: 403, code: 'csrf_failed' });
    const bare = await get(`/admin/api/resources/sessions/records/${victim}/signOut`);
    expect(bare.status).toBe(403);
    expect(await revoked(victim)).toBe(false);

    // AdminJS's own button: a script of the console's page (the browser marks it same-origin).
    const own = await get(`/admin/api/resources/sessions/records/${victim}/signOut`, { 'sec-fetch-site': 'same-origin' });
    expect({ status: own.status, notice: own.body.notice?.type }).toEqual({ status: 200, notice: 'success' });
    expect(await revoked(victim)).toBe(true);

    // Reading the sessions list needs no such proof.
    expect((await get('/admin/api/resources/sessions/actions/list')).status).toBe(200);
  });
});
