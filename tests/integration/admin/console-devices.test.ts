/**
 * The console's sign-in at the device limit: the page lists the admin's signed-in devices (address,
 * signed-in time and last activity in IST, labelled), chooses none for the admin, and replacing the
 * one chosen signs that one out; and a resource the console does not have is 404, not a 500.
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
    // Each device with its address, when it signed in and its last activity, in IST with the label
    // (as the dashboard writes times, never UTC), each time kept whole on one line: two devices of
    // one name read apart.
    const row = await db.owner('sessions').where({ id: held!.id }).first();
    const ist = (at: Date) => {
      const s = new Date(at.getTime() + 330 * 60_000).toISOString(); // written out, not the code under test
      return `<span class="when">${s.slice(8, 10)}-${s.slice(5, 7)}-${s.slice(0, 4)} ${s.slice(11, 16)} IST</span>`;
    };
    expect(full.text).toContain(`<strong>Taalmel console</strong><br>from ${row.ip}, signed in ${ist(row.created_at as Date)}, last activity ${ist(row.last_seen_at as Date)}`);
    expect(full.text).toMatch(/\.when\{white-space:nowrap\}/);
    expect(full.text).not.toMatch(/UTC/);
    // No device is chosen for the admin: the choice is theirs, and the browser asks for one.
    const radios = [...full.text.matchAll(/<input type="radio"[^>]*>/g)].map((m) => m[0]);
    expect({ count: radios.length, checked: radios.filter((r) => /\bchecked\b/.test(r)), required: radios.filter((r) => /\brequired\b/.test(r)).length }).toEqual({ count: 1, checked: [], required: 1 });
    // A form sent without a choice (no browser to ask) signs nothing out: the same choice again.
    const unchosen = await signIn(admin());
    expect({ status: unchosen.status, asks: unchosen.text.includes('Choose one to sign out of') }).toEqual({ status: 409, asks: true });
    expect((await sessions()).map((s) => s.revoked_reason)).toEqual([null]);

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
