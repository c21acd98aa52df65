/**
 * The console's sign-in at the device limit: the page lists the admin's signed-in devices (last seen
 * in IST, labelled) and replacing one signs that one out; and a resource the console does not have is 404, not a 500.
 */
import { startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(120_000);

describe('admin console devices and resources', () => {
  let db: TestDatabase;
  let server: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Console Devices');
    server = await startTestApi(db, { maxSessionsPerUser: 1 }, { adminConsole: true, exposeInternalErrors: true });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  async function signIn(fields: Record<string, string>): Promise<{ status: number; cookie: string; text: string }> {
    const res = await fetch(`${server.url}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url }, // a browser names the page's origin
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    return { status: res.status, cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), text: await res.text() };
  }
  const admin = () => ({ email: firm.users.firm_admin.email, password: firm.users.firm_admin.password });
  const sessions = () =>
    db.owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true)`, [firm.id]);
      return (await trx('sessions').where({ user_id: firm.users.firm_admin.id }).orderBy('created_at').select('id', 'revoked_reason')) as Array<{ id: string; revoked_reason: string | null }>;
    });

  it('at the device limit, offers the signed-in devices and replaces the one chosen', async () => {
    const first = await signIn(admin());
    expect(first.status).toBe(302);
    const [held] = await sessions();

    const full = await signIn(admin());
    expect(full.status).toBe(409);
    expect(full.text).toContain('Choose one to sign out of');
    expect(full.text).toContain(`name="replaceSessionId" value="${held!.id}"`);
    expect(full.text).toContain(`value="${firm.users.firm_admin.email}"`);
    expect(full.text).not.toContain(firm.users.firm_admin.password);
    // The device's last use in IST with its label, as the dashboard writes times, never UTC.
    const seen = new Date((await db.owner('sessions').where({ id: held!.id }).first()).last_seen_at as Date);
    const ist = new Date(seen.getTime() + 330 * 60_000).toISOString(); // written out, not the code under test
    expect(full.text).toContain(`, last seen ${ist.slice(8, 10)}-${ist.slice(5, 7)}-${ist.slice(0, 4)} ${ist.slice(11, 16)} IST`);
    expect(full.text).not.toMatch(/UTC/);

    const replaced = await signIn({ ...admin(), replaceSessionId: held!.id });
    expect(replaced.status).toBe(302);
    const after = await sessions();
    expect(after.map((s) => s.revoked_reason)).toEqual(['replaced_at_sign_in', null]);
    expect((await fetch(`${server.url}/admin`, { headers: { cookie: first.cookie }, redirect: 'manual' })).status).toBe(302);
    expect((await fetch(`${server.url}/admin`, { headers: { cookie: replaced.cookie }, redirect: 'manual' })).status).toBe(200);

    const unknown = await fetch(`${server.url}/admin/api/resources/ConsoleUser/actions/list`, { headers: { cookie: replaced.cookie } });
    expect({ status: unknown.status, body: await unknown.json() }).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'The console has no such resource.' } } });
    const known = await fetch(`${server.url}/admin/api/resources/users/actions/list`, { headers: { cookie: replaced.cookie } });
    expect(known.status).toBe(200);
  });
});
