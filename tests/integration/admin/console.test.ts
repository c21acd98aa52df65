/**
 * The AdminJS console against the real database: who gets in, what it shows, and that it shows only
 * the admin's own firm and never a secret.
 */
import { isKnownSecurityEvent, securityEventLabel } from '../../../db/console-labels';
import { startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(120_000);

describe('admin console', () => {
  let db: TestDatabase;
  let server: TestApi;
  let firmA: TestFirm;
  let firmB: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firmA = await createTestFirm(db, 'Firm A');
    firmB = await createTestFirm(db, 'Firm B');
    server = await startTestApi(db, { maxSessionsPerUser: 10 }, { adminConsole: true });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  async function signIn(email: string, password: string): Promise<{ status: number; cookie: string; text: string }> {
    const res = await fetch(`${server.url}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url }, // a browser names the page's origin
      body: new URLSearchParams({ email, password }).toString(),
      redirect: 'manual',
    });
    return { status: res.status, cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), text: await res.text() };
  }

  const get = (path: string, cookie?: string) => fetch(`${server.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });

  it('sends visitors without a session to the sign-in page, and refuses its API', async () => {
    const page = await get('/admin');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/admin/login');
    expect((await get('/admin/login')).status).toBe(200);
    expect((await get('/admin/api/resources/users/actions/list')).status).toBe(401);
  });

  it('cannot be entered by naming an asset path in the query string', async () => {
    const res = await get('/admin/api/resources/users/actions/list?x=/frontend/assets/logo.svg');
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(firmA.users.staff.email);
  });

  it('lets in firm admins only', async () => {
    const staff = await signIn(firmA.users.staff.email, firmA.users.staff.password);
    expect(staff.status).toBe(403);
    const wrong = await signIn(firmA.users.firm_admin.email, 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('The email or password is not right');
    const admin = await signIn(firmA.users.firm_admin.email, firmA.users.firm_admin.password);
    expect(admin.status).toBe(302);
    const dashboard = await get('/admin', admin.cookie);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('AdminJS');
  });

  it("gives the dashboard roles and security events in words, the web app's names", async () => {
    const { cookie } = await signIn(firmA.users.firm_admin.email, firmA.users.firm_admin.password);
    const res = await get('/admin/api/dashboard', cookie);
    expect(res.status).toBe(200);
    const data = (await res.json()) as { users: Array<{ email: string; role: string; roleLabel: string }>; securityEvents: Array<{ action: string; actionLabel: string }> };
    const roles = Object.fromEntries(data.users.map((u) => [u.role, u.roleLabel]));
    expect(roles).toEqual({ firm_admin: 'Firm admin', manager: 'Manager', reviewer: 'Reviewer', staff: 'Staff', client: 'Client' });
    // This admin's sign-ins (one refused above) are events; each reads in words.
    const events = data.securityEvents.map((e) => [e.action, e.actionLabel]);
    expect(events).toEqual(expect.arrayContaining([['auth.login', 'Signed in']]));
    // An action the labels do not know would read as its code's words ("User merge"), which no check
    // on the words could catch: every event listed is a known one, labelled as the list names it.
    expect(data.securityEvents.filter((e) => !isKnownSecurityEvent(e.action)).map((e) => e.action)).toEqual([]);
    expect(events.filter(([action, label]) => label !== securityEventLabel(action!))).toEqual([]);
  });

  it("shows the admin's own firm only, and no secret", async () => {
    const { cookie } = await signIn(firmA.users.firm_admin.email, firmA.users.firm_admin.password);
    const users = await get('/admin/api/resources/users/actions/list?perPage=50', cookie);
    expect(users.status).toBe(200);
    const text = await users.text();
    const body = JSON.parse(text);
    const emails = body.records.map((r: { params: { email: string } }) => r.params.email).sort();
    expect(emails).toEqual(Object.values(firmA.users).map((u) => u.email).sort());
    expect(body.meta.total).toBe(5);
    expect(text).not.toMatch(/argon2|passwordHash|password_hash|totpSecret/);

    const foreign = await get(`/admin/api/resources/users/records/${firmB.users.staff.id}/show`, cookie);
    // AdminJS answers a missing record with a NotFoundError notice; another firm's record is missing.
    const foreignText = await foreign.text();
    expect(JSON.parse(foreignText).record).toMatchObject({ params: {}, baseError: { type: 'NotFoundError' } });
    expect(foreignText).not.toContain(firmB.users.staff.email);

    const filtered = await get(`/admin/api/resources/clients/actions/list?filters.name=alpha`, cookie);
    const clients = ((await filtered.json()) as { records: Array<{ params: { id: string } }> }).records.map((r: { params: { id: string } }) => r.params.id);
    expect(clients).toEqual([firmA.clients[0]!.id]);
  });

  it('signs a device out from the sessions list', async () => {
    const { cookie } = await signIn(firmA.users.firm_admin.email, firmA.users.firm_admin.password);
    await signIn(firmA.users.manager.email, firmA.users.manager.password).catch(() => undefined);
    const victim = await db.owner('sessions').insert({
      id: '00000000-0000-4000-8000-0000000000aa', firm_id: firmA.id, user_id: firmA.users.manager.id, device_name: 'lost phone',
      idle_expires_at: db.owner.raw("now() + interval '1 hour'"), absolute_expires_at: db.owner.raw("now() + interval '1 hour'"),
    }).returning('id');
    const id = victim[0].id;
    const refused = await fetch(`${server.url}/admin/api/resources/sessions/records/${id}/signOut`, { method: 'POST', headers: { cookie } });
    expect(refused.status).toBe(403); // no Origin: not from the console
    const res = await fetch(`${server.url}/admin/api/resources/sessions/records/${id}/signOut`, { method: 'POST', headers: { cookie, origin: server.url } });
    expect(res.status).toBe(200);
    // The answer carries the record as it now is, so the page shows it signed out at once and no
    // longer offers the action (AdminJS redraws the record from the action's answer).
    const answer = (await res.json()) as { record: { params: Record<string, unknown>; recordActions: Array<{ name: string }> }; notice: unknown };
    expect({ reason: answer.record.params.revokedReason, signedOut: Boolean(answer.record.params.revokedAt), actions: answer.record.recordActions.map((a) => a.name) }).toEqual({
      reason: 'revoked_by_admin', signedOut: true, actions: ['show'],
    });
    const row = await db.owner('sessions').where({ id }).first();
    expect(row.revoked_reason).toBe('revoked_by_admin');
    const event = await db.owner('audit_events').where({ entity_id: id, action: 'auth.session_revoked' }).first();
    expect(event.actor_id).toBe(firmA.users.firm_admin.id);

    // The dashboard names whose device it was, and the audit trail says what happened in words.
    const dashboard = (await (await get('/admin/api/dashboard', cookie)).json()) as { securityEvents: Array<{ action: string; actionLabel: string; actor: unknown; subject: unknown }> };
    const signedOut = dashboard.securityEvents.find((e) => e.action === 'auth.session_revoked');
    expect(signedOut).toEqual({
      at: expect.any(String),
      action: 'auth.session_revoked',
      actionLabel: 'Device signed out',
      actor: { name: `firm_admin of Firm A`, email: firmA.users.firm_admin.email },
      subject: { name: `manager of Firm A`, email: firmA.users.manager.email },
    });
    const audit = (await (await get(`/admin/api/resources/audit/actions/list?filters.action=auth.session_revoked`, cookie)).json()) as { records: Array<{ params: Record<string, unknown> }> };
    expect(audit.records.map((r) => ({ action: r.params.action, actionLabel: r.params.actionLabel, actorId: r.params.actorId }))).toContainEqual({ action: 'auth.session_revoked', actionLabel: 'Device signed out', actorId: firmA.users.firm_admin.id });
  });

  it('filters the audit trail by the words it shows, names kinds of record in words, and its own action too', async () => {
    const { cookie, text } = await signIn(firmA.users.firm_admin.email, firmA.users.firm_admin.password);
    expect(text).toBeDefined();
    type Listed = { meta: { total: number }; records: Array<{ params: Record<string, unknown> }> };
    const list = async (query: string) => (await (await get(`/admin/api/resources/audit/actions/list?${query}&perPage=500`, cookie)).json()) as Listed;
    // "Signed in" is what the list shows for `auth.login`: the filter finds those, and only those.
    const signedIn = await list(`filters.action=${encodeURIComponent('signed in')}`);
    const actions = [...new Set(signedIn.records.map((r) => String(r.params.action)))];
    // Each row found shows those words ("Signed in", "Signed in from a new address", and a
    // `session.create` shown as "Signed-in device recorded"), and sign-ins are among them.
    const unshown = signedIn.records.filter((r) => !String(r.params.actionLabel).toLowerCase().replace(/-/g, ' ').includes('signed in'));
    expect({ signIns: actions.includes('auth.login'), unshown: unshown.map((r) => `${String(r.params.action)} as ${String(r.params.actionLabel)}`) }).toEqual({ signIns: true, unshown: [] });
    expect(signedIn.records.map((r) => r.params.actionLabel)).not.toContain(undefined);
    // The code typed still works, and finds the same rows.
    expect((await list('filters.action=auth.login')).records.filter((r) => !String(r.params.action).startsWith('auth.login')).map((r) => r.params.action)).toEqual([]);
    // A kind of record in words ("Person", never `user`), shown and filtered by them.
    const people = await list(`filters.entityType=${encodeURIComponent('person')}`);
    expect({ any: people.records.length > 0, kinds: [...new Set(people.records.map((r) => `${String(r.params.entityType)} as ${String(r.params.entityTypeLabel)}`))] }).toEqual({ any: true, kinds: ['user as Person'] });
    // An action with no words of its own reads as its kind of record, as "Kind of record" spells it,
    // then its verb ("Client changed" for `client.update`); the filter finds it by those words.
    await db.owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.firm_id', ?, true), set_config('app.user_email', ?, true), set_config('app.role', 'system', true)`, [firmA.id, 'system:follow-up']);
      await trx('clients').where({ id: firmA.clients[0]!.id }).update({ name: `${firmA.clients[0]!.name} ` });
      await trx('clients').where({ id: firmA.clients[0]!.id }).update({ name: firmA.clients[0]!.name });
    });
    const changed = await list(`filters.action=${encodeURIComponent('Client changed')}`);
    expect({ any: changed.records.length > 0, shown: [...new Set(changed.records.map((r) => `${String(r.params.action)} as ${String(r.params.actionLabel)} by ${String(r.params.actorLabel)}`))] }).toEqual({
      any: true, shown: ['client.update as Client changed by System (follow-up)'],
    });
    const byKind = await list(`filters.action=${encodeURIComponent('client')}`);
    expect(byKind.records.map((r) => r.params.action)).toContain('client.update');
    // The devices list names its own action in words, not AdminJS's "Sign Out".
    const page = await (await get('/admin/resources/sessions', cookie)).text();
    expect(page).toContain('"signOut":"Sign this device out"');
  });

  it('names a job or an emailed link in words wherever it acted: the dashboard and the audit trail', async () => {
    const { cookie } = await signIn(firmA.users.firm_admin.email, firmA.users.firm_admin.password);
    // A change made by a job, as the account-email activity and the demo seed write them.
    for (const actor of ['system:account-email', 'password-reset-link']) {
      await db.owner.transaction(async (trx) => {
        await trx.raw(`select set_config('app.firm_id', ?, true), set_config('app.user_email', ?, true), set_config('app.role', 'system', true)`, [firmA.id, actor]);
        await trx('users').where({ id: firmA.users.reviewer.id }).update({ name: `reviewer renamed by ${actor}` });
      });
    }
    const dashboard = (await (await get('/admin/api/dashboard', cookie)).json()) as { securityEvents: Array<{ action: string; actor: unknown }> };
    const byJobs = dashboard.securityEvents.filter((e) => e.action === 'user.update').map((e) => e.actor);
    expect(byJobs.slice(0, 2)).toEqual(['Password reset link', 'System (account email)']);
    const audit = (await (await get(`/admin/api/resources/audit/actions/list?filters.action=user.update`, cookie)).json()) as { records: Array<{ params: Record<string, unknown> }> };
    expect(audit.records.slice(0, 2).map((r) => ({ actorId: r.params.actorId ?? null, actorLabel: r.params.actorLabel, actionLabel: r.params.actionLabel }))).toEqual([
      { actorId: null, actorLabel: 'Password reset link', actionLabel: 'Person changed' },
      { actorId: null, actorLabel: 'System (account email)', actionLabel: 'Person changed' },
    ]);
  });
});
