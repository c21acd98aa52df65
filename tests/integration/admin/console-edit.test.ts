/**
 * Changes through the console's own edit endpoint, posted as its form posts them (multipart, from
 * the console's origin), against the real database. AdminJS hands the adapter the whole form, so a
 * firm admin could once change any column: a role, a portal user's client, a password hash, a
 * GSTIN. Only the fields the console offers may change, with the API's rules.
 */
import { hashPassword } from '../../../db/security/passwords';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { consoleSignIn } from '../../security/helpers';

jest.setTimeout(120_000);

type EditAnswer = { record: { params: Record<string, unknown>; errors: Record<string, { message: string }> }; notice?: { type: string; message?: string } };

describe('console edits', () => {
  let db: TestDatabase;
  let server: TestApi;
  let firm: TestFirm;
  let cookie: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Edit Firm');
    server = await startTestApi(db, { maxSessionsPerUser: 10 }, { adminConsole: true, logLevel: 'warn' });
    cookie = await consoleSignIn(server.url, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  async function edit(resource: string, id: string, fields: Record<string, string>): Promise<{ status: number; body: EditAnswer }> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    const res = await fetch(`${server.url}/admin/api/resources/${resource}/records/${id}/edit`, { method: 'POST', headers: { cookie, origin: server.url }, body: form });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as EditAnswer };
  }

  /** The record as the console's edit screen loads it (and posts it back). */
  async function shown(resource: string, id: string): Promise<Record<string, string>> {
    const res = await fetch(`${server.url}/admin/api/resources/${resource}/records/${id}/edit`, { headers: { cookie } });
    const params = ((await res.json()) as EditAnswer).record.params;
    return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, value === null ? '__FORM_VALUE_NULL__' : String(value)]));
  }

  const userRow = (id: string) => db.owner('users').where({ id }).first();

  it('refuses a role change: staff stays staff', async () => {
    const staff = firm.users.staff;
    const res = await edit('users', staff.id, { role: 'firm_admin' });
    expect({ status: res.status, notice: res.body.notice?.type, errors: Object.keys(res.body.record.errors) }).toEqual({ status: 200, notice: 'error', errors: ['role'] });
    expect((await userRow(staff.id)).role).toBe('staff');
  });

  it("refuses turning a portal user into a firm admin by clearing its client", async () => {
    const portal = firm.users.client;
    const before = await userRow(portal.id);
    const res = await edit('users', portal.id, { role: 'firm_admin', clientId: '__FORM_VALUE_NULL__' });
    expect(Object.keys(res.body.record.errors).sort()).toEqual(['clientId', 'role']);
    const after = await userRow(portal.id);
    expect({ role: after.role, clientId: after.client_id }).toEqual({ role: 'client', clientId: before.client_id });
  });

  it("refuses setting a manager's password hash (and any column the console does not show)", async () => {
    const manager = firm.users.manager;
    const before = await userRow(manager.id);
    const res = await edit('users', manager.id, { passwordHash: await hashPassword('an attacker chose this one 99'), totpSecret: 'x', firmId: firm.id });
    expect(Object.keys(res.body.record.errors).sort()).toEqual(['passwordHash', 'totpSecret']);
    const after = await userRow(manager.id);
    expect(after.password_hash).toBe(before.password_hash);
    expect(after.totp_secret).toBe(before.totp_secret);
  });

  it("refuses a client's GSTIN, and a name or email the API would refuse", async () => {
    const client = firm.clients[0]!;
    const gstin = await edit('clients', client.id, { gstin: 'NOT-A-GSTIN' });
    expect(Object.keys(gstin.body.record.errors)).toEqual(['gstin']);
    const blank = await edit('clients', client.id, { name: '   ' });
    expect(Object.keys(blank.body.record.errors)).toEqual(['name']);
    const long = await edit('users', firm.users.reviewer.id, { name: 'x'.repeat(201) });
    expect(Object.keys(long.body.record.errors)).toEqual(['name']);
    const email = await edit('clients', client.id, { email: 'not an email' });
    expect(Object.keys(email.body.record.errors)).toEqual(['email']);
    // The notice says what went wrong: a value to correct in an offered field, a field not offered.
    expect({ email: email.body.notice?.message, gstin: gstin.body.notice?.message }).toEqual({
      email: 'Not saved: correct the fields marked below.',
      gstin: 'Only these fields can be changed here: name, email, filingFrequency, active.',
    });
    const row = await db.owner('clients').where({ id: client.id }).first();
    expect({ gstin: row.gstin, name: row.name }).toEqual({ gstin: client.gstin, name: client.name });
    expect((await userRow(firm.users.reviewer.id)).name).not.toBe('x'.repeat(201));
  });

  it("stores a client's email in lower case, as the API does", async () => {
    const client = firm.clients[0]!;
    const res = await edit('clients', client.id, { ...(await shown('clients', client.id)), email: 'Priya.Shah@Example.COM' });
    const row = await db.owner('clients').where({ id: client.id }).first();
    expect({ notice: res.body.notice?.type, errors: res.body.record.errors, stored: row.email }).toEqual({ notice: 'success', errors: {}, stored: 'priya.shah@example.com' });
  });

  it("takes a client's email pasted with spaces around it, as the API does", async () => {
    const client = firm.clients[1]!;
    const res = await edit('clients', client.id, { ...(await shown('clients', client.id)), email: ' Fin@Deccan.Example ' });
    const row = await db.owner('clients').where({ id: client.id }).first();
    expect({ notice: res.body.notice?.type, errors: res.body.record.errors, stored: row.email }).toEqual({ notice: 'success', errors: {}, stored: 'fin@deccan.example' });
  });

  it('saves the whole form the edit screen posts back when only an offered field changed', async () => {
    const reviewer = firm.users.reviewer;
    const form = await shown('users', reviewer.id);
    expect(form.role).toBe('reviewer');
    const res = await edit('users', reviewer.id, { ...form, name: '  Renamed Reviewer  ' });
    expect({ errors: res.body.record.errors, notice: res.body.notice?.type }).toEqual({ errors: {}, notice: 'success' });
    const row = await userRow(reviewer.id);
    expect({ name: row.name, role: row.role }).toEqual({ name: 'Renamed Reviewer', role: 'reviewer' });

    const client = firm.clients[0]!;
    const clientForm = await shown('clients', client.id);
    const saved = await edit('clients', client.id, { ...clientForm, name: 'Alpha Renamed', active: 'false' });
    expect(saved.body.record.errors).toEqual({});
    const clientRow = await db.owner('clients').where({ id: client.id }).first();
    expect({ name: clientRow.name, active: clientRow.active, gstin: clientRow.gstin }).toEqual({ name: 'Alpha Renamed', active: false, gstin: client.gstin });
  });

  it("changes a client's filing frequency as a dated change, as the API does", async () => {
    const client = firm.clients[1] ?? firm.clients[0]!;
    const res = await edit('clients', client.id, { filingFrequency: 'quarterly' });
    expect(res.body.record.errors).toEqual({});
    const changes = await db.owner('client_frequency_changes').where({ client_id: client.id }).select('frequency', 'previous_frequency', 'created_by');
    expect(changes).toEqual([{ frequency: 'quarterly', previous_frequency: 'monthly', created_by: firm.users.firm_admin.id }]);
  });

  it('leaves a pending frequency change alone when the whole form is saved for a name change', async () => {
    const client = firm.clients[1] ?? firm.clients[0]!;
    // The pending change (from the test above) as another user made it, a while ago.
    const earlier = new Date('2026-01-02T03:04:05Z');
    await db.owner('client_frequency_changes').where({ client_id: client.id }).update({ created_by: firm.users.manager.id, updated_at: earlier });
    const form = await shown('clients', client.id);
    expect(form.filingFrequency).toBe('quarterly');
    const pending = await db.owner('client_frequency_changes').where({ client_id: client.id }).first();
    const lastSeq = (await db.owner('audit_events').max('seq as seq').first())?.seq ?? 0;
    const saved = await edit('clients', client.id, { ...form, name: 'Beta Renamed' });
    expect(saved.body.record.errors).toEqual({});
    const changes = await db.owner('client_frequency_changes').where({ client_id: client.id }).select('frequency', 'created_by', 'updated_at');
    expect(changes).toEqual([{ frequency: 'quarterly', created_by: firm.users.manager.id, updated_at: earlier }]);
    const row = await db.owner('clients').where({ id: client.id }).first();
    expect({ name: row.name, filingFrequency: row.filing_frequency }).toEqual({ name: 'Beta Renamed', filingFrequency: 'quarterly' });
    // The rename is audited; the pending change is not rewritten, so it has no new audit row.
    expect(await db.owner('audit_events').where('seq', '>', lastSeq).andWhere({ entity_id: pending.id }).select('action')).toEqual([]);
    expect(await db.owner('audit_events').where('seq', '>', lastSeq).andWhere({ entity_id: client.id }).first()).toBeTruthy();
  });

  it("refuses a frequency change the QRMP turnover rule forbids with the API's code and words, and writes nothing of the form", async () => {
    const client = firm.clients[0]!;
    await db.owner('clients').where({ id: client.id }).update({ turnover_band: 'above_5cr', filing_frequency: 'monthly' });
    const before = await db.owner('clients').where({ id: client.id }).first();
    // The API's answer to the same change, for the words the console must show.
    const token = await login(server, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const api = await call(server, 'PATCH', `/api/clients/${client.id}`, { token, body: { filingFrequency: 'quarterly' } });
    expect([api.status, api.body.error.code]).toEqual([422, 'qrmp_turnover_limit']);

    const form = await shown('clients', client.id);
    const res = await edit('clients', client.id, { ...form, filingFrequency: 'quarterly', name: 'Should Not Stick' });
    expect(res.status).toBe(200);
    expect(res.body.notice).toEqual({ type: 'error', message: api.body.error.message });
    expect(res.body.record.errors).toEqual({ filingFrequency: { message: api.body.error.details.fields.filingFrequency, type: 'qrmp_turnover_limit' } });
    const after = await db.owner('clients').where({ id: client.id }).first();
    expect({ name: after.name, filingFrequency: after.filing_frequency }).toEqual({ name: before.name, filingFrequency: 'monthly' });
    expect(await db.owner('client_frequency_changes').where({ client_id: client.id })).toEqual([]);
  });

  it('refuses a name with a NUL, in the console and the API alike, naming the field', async () => {
    const client = firm.clients[0]!;
    const before = await db.owner('clients').where({ id: client.id }).first();
    const res = await edit('clients', client.id, { name: 'Nul\u0000Traders' });
    expect({ status: res.status, errors: res.body.record.errors }).toEqual({ status: 200, errors: { name: expect.objectContaining({ message: 'Must not contain a NUL character (U+0000).' }) } });
    const token = await login(server, firm.users.firm_admin.email, firm.users.firm_admin.password);
    const api = await call(server, 'PATCH', `/api/clients/${client.id}`, { token, body: { name: 'Nul\u0000Traders' } });
    expect({ status: api.status, code: api.body.error.code, fields: api.body.error.details.fields }).toEqual({ status: 400, code: 'invalid_input', fields: { name: 'Must not contain a NUL character (U+0000).' } });
    const invited = await call(server, 'POST', '/api/invitations', { token, body: { email: 'nul@edit.test', name: 'A\u0000B', role: 'staff' } });
    expect(invited.status).toBe(400);
    expect((await db.owner('clients').where({ id: client.id }).first()).name).toBe(before.name);
  });

  it('creates and deletes nothing', async () => {
    const form = new FormData();
    form.set('name', 'Sneaky');
    form.set('email', 'sneaky@edit.test');
    // AdminJS answers a refused action with a forbidden notice (status 200).
    const created = await fetch(`${server.url}/admin/api/resources/users/actions/new`, { method: 'POST', headers: { cookie, origin: server.url }, body: form });
    expect(await created.text()).toMatch(/ForbiddenError|forbidden/i);
    const deleted = await fetch(`${server.url}/admin/api/resources/users/records/${firm.users.staff.id}/delete`, { method: 'POST', headers: { cookie, origin: server.url } });
    expect(await deleted.text()).toMatch(/ForbiddenError|forbidden/i);
    expect(await db.owner('users').where({ email: 'sneaky@edit.test' }).first()).toBeUndefined();
    expect(await userRow(firm.users.staff.id)).toBeDefined();
  });
});
