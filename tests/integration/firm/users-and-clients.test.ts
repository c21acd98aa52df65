import { generateSync } from 'otplib';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../../harness/factories';

describe('users and clients', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let admin: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 5 });
    firm = await createTestFirm(db);
    admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('validates GSTINs by format and check character', async () => {
    const base = { name: 'Delta', email: 'd@delta.example', filingFrequency: 'monthly' };
    const bad = await call(api, 'POST', '/api/clients', { token: admin, body: { ...base, gstin: '29ABCDE1234F1ZX' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields.gstin).toMatch(/check character/);
    const format = await call(api, 'POST', '/api/clients', { token: admin, body: { ...base, gstin: '29ABCDE1234F0ZW' } });
    expect(format.body.error.details.fields.gstin).toMatch(/format/);
    const mismatch = await call(api, 'POST', '/api/clients', { token: admin, body: { ...base, gstin: '29ABCDE1234F1ZW', stateCode: '27' } });
    expect(mismatch.body.error.details.fields.stateCode).toMatch(/29/);
    const ok = await call(api, 'POST', '/api/clients', { token: admin, body: { ...base, gstin: ' 29abcde1234f1zw ' } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ gstin: '29ABCDE1234F1ZW', stateCode: '29', filingFrequency: 'monthly' });
    // Its times in India's offset, as every other instant of the product (never UTC's `Z`), here and in the list.
    const ist = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
    expect({ createdAt: ok.body.createdAt, updatedAt: ok.body.updatedAt }).toEqual({ createdAt: ist, updatedAt: ist });
    const listed = (await call(api, 'GET', '/api/clients', { token: admin })).body.items.find((c: { id: string }) => c.id === ok.body.id);
    expect(listed?.createdAt).toBe(ok.body.createdAt);
    const dup = await call(api, 'POST', '/api/clients', { token: admin, body: { ...base, gstin: '29ABCDE1234F1ZW' } });
    expect(dup.status).toBe(409);
    // Nothing half-written: one client with this GSTIN.
    expect(await db.owner('clients').where({ firm_id: firm.id, gstin: '29ABCDE1234F1ZW' }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it("stores a client's email in lower case whether it is created or changed", async () => {
    const created = await call(api, 'POST', '/api/clients', { token: admin, body: { name: 'Echo', gstin: validGstin('29'), email: 'Accounts@Echo.Example', filingFrequency: 'monthly' } });
    expect(created.status).toBe(201);
    const changed = await call(api, 'PATCH', `/api/clients/${created.body.id}`, { token: admin, body: { email: 'Ravi.Kumar@Echo.EXAMPLE' } });
    const row = await db.owner('clients').where({ id: created.body.id }).first();
    expect({ created: created.body.email, status: changed.status, answered: changed.body.email, stored: row.email }).toEqual({
      created: 'accounts@echo.example',
      status: 200,
      answered: 'ravi.kumar@echo.example',
      stored: 'ravi.kumar@echo.example',
    });
  });

  it('takes an email pasted with spaces around it as the address itself on every write, and signs in with it', async () => {
    const pw = 'a padded passphrase 4411';
    const created = await call(api, 'POST', '/api/clients', { token: admin, body: { name: 'Foxtrot', gstin: validGstin('29'), email: ' Fin@Foxtrot.Example ', filingFrequency: 'monthly' } });
    const changed = await call(api, 'PATCH', `/api/clients/${created.body.id}`, { token: admin, body: { email: '\tFin@Deccan.Example ' } });
    // Creating a user needs a recent re-authentication, on a session of its own (as below).
    const fresh = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token: fresh, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
    const user = await call(api, 'POST', '/api/users', { token: fresh, body: { email: ' Padded.Staff@Firm.Test ', name: 'Padded', role: 'staff', password: pw } });
    const signIn = await call(api, 'POST', '/api/auth/login', { body: { email: '  PADDED.staff@firm.test ', password: pw } });
    const row = await db.owner('clients').where({ id: created.body.id }).first();
    expect({
      client: [created.status, created.body.email, created.body.error],
      changed: [changed.status, changed.body.email, changed.body.error],
      stored: row.email,
      user: [user.status, user.body.email, user.body.error],
      signIn: [signIn.status, signIn.body.user?.email],
    }).toEqual({
      client: [201, 'fin@foxtrot.example', undefined],
      changed: [200, 'fin@deccan.example', undefined],
      stored: 'fin@deccan.example',
      user: [201, 'padded.staff@firm.test', undefined],
      signIn: [200, 'padded.staff@firm.test'],
    });
    // A user's instants in India's offset too: when created (never signed in yet), then in the list after the sign-in.
    const ist = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
    expect({ createdAt: user.body.createdAt, lastLoginAt: user.body.lastLoginAt }).toEqual({ createdAt: ist, lastLoginAt: null });
    const listed = (await call(api, 'GET', '/api/users?limit=100', { token: admin })).body.items.find((u: { id: string }) => u.id === user.body.id);
    expect({ createdAt: listed?.createdAt, lastLoginAt: listed?.lastLoginAt }).toEqual({ createdAt: user.body.createdAt, lastLoginAt: ist });
    // Still an address after the trim: spaces inside, or nothing but spaces, are refused.
    for (const email of [' fin @deccan.example', '   ']) {
      const bad = await call(api, 'PATCH', `/api/clients/${created.body.id}`, { token: admin, body: { email } });
      expect({ email, status: bad.status, field: bad.body.error?.details?.fields?.email }).toEqual({ email, status: 400, field: 'Must be an email address.' });
    }
  });

  it('creates users with the role rules of the API', async () => {
    const pw = 'another long passphrase 77';
    // Creating a user grants power: a recent re-authentication first (on a session of its own, so
    // the other tests still see one that has not re-authenticated).
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token: admin, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
    const noClient = await call(api, 'POST', '/api/users', { token: admin, body: { email: 'portal@client.example', name: 'Portal', role: 'client', password: pw } });
    expect(noClient.body.error.details.fields.clientId).toBe('Required for a client (portal) user.');
    const staffWithClient = await call(api, 'POST', '/api/users', { token: admin, body: { email: 's2@firm.test', name: 'S', role: 'staff', clientId: firm.clients[0]!.id, password: pw } });
    expect(staffWithClient.status).toBe(400);
    const portal = await call(api, 'POST', '/api/users', { token: admin, body: { email: 'portal@client.example', name: 'Portal', role: 'client', clientId: firm.clients[1]!.id, password: pw } });
    expect(portal.status).toBe(201);
    expect(portal.body).toMatchObject({ role: 'client', clientId: firm.clients[1]!.id, active: true });
    expect(JSON.stringify(portal.body)).not.toMatch(/hash|argon/i);
    const dup = await call(api, 'POST', '/api/users', { token: admin, body: { email: 'PORTAL@client.example', name: 'Again', role: 'staff', password: pw } });
    expect(dup.status).toBe(409);

    // The portal user sees its own client only, even by id.
    const portalToken = await login(api, 'portal@client.example', pw);
    const list = await call(api, 'GET', '/api/clients', { token: portalToken });
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([firm.clients[1]!.id]);
    expect((await call(api, 'GET', `/api/clients/${firm.clients[0]!.id}`, { token: portalToken })).status).toBe(404);
    expect((await call(api, 'PATCH', `/api/clients/${firm.clients[1]!.id}`, { token: portalToken, body: { name: 'x' } })).status).toBe(403);
  });

  it('changes roles only with re-authentication, and a firm admin cannot demote itself', async () => {
    const target = firm.users.staff;
    expect((await call(api, 'PATCH', `/api/users/${target.id}`, { token: admin, body: { role: 'manager' } })).body.error.code).toBe('reauth_required');
    await call(api, 'POST', '/api/auth/reauth', { token: admin, body: { password: firm.users.firm_admin.password } });
    const promoted = await call(api, 'PATCH', `/api/users/${target.id}`, { token: admin, body: { role: 'manager' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe('manager');
    // The new role applies at once to the user's existing session.
    const staffToken = await login(api, target.email, target.password);
    expect((await call(api, 'GET', '/api/users', { token: staffToken })).status).toBe(200);
    const self = await call(api, 'PATCH', `/api/users/${firm.users.firm_admin.id}`, { token: admin, body: { active: false } });
    expect(self.status).toBe(422);
    const list = await call(api, 'GET', '/api/users?limit=2', { token: admin });
    expect(list.body.items).toHaveLength(2);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const next = await call(api, 'GET', `/api/users?limit=2&cursor=${list.body.nextCursor}`, { token: admin });
    expect(next.body.items[0].id).not.toBe(list.body.items[0].id);
    expect((await call(api, 'GET', '/api/users?cursor=garbage', { token: admin })).status).toBe(400);
  });

  it('makes firm admins enrol in TOTP when the firm requires it', async () => {
    const other = await createTestFirm(db);
    const a = other.users.firm_admin;
    let token = await login(api, a.email, a.password);
    await call(api, 'POST', '/api/auth/reauth', { token, body: { password: a.password } });
    expect((await call(api, 'PATCH', '/api/firm/settings', { token, body: { requireTotpForAdmins: true } })).status).toBe(200);
    token = await login(api, a.email, a.password);
    const blocked = await call(api, 'GET', '/api/users', { token });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('totp_enrollment_required');
    // Staff are not affected.
    const staff = await login(api, other.users.staff.email, other.users.staff.password);
    expect((await call(api, 'GET', '/api/clients', { token: staff })).status).toBe(200);
    const setup = await call(api, 'POST', '/api/auth/totp/setup', { token });
    // Turning it on needs a re-authentication, which enrolment leaves open (a self-service route).
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: a.password } })).status).toBe(204);
    expect((await call(api, 'POST', '/api/auth/totp/enable', { token, body: { code: generateSync({ secret: setup.body.secret }) } })).status).toBe(204);
    expect((await call(api, 'GET', '/api/users', { token })).status).toBe(200);
  });

  it('uses a valid GSTIN helper for the demo data', () => {
    expect(validGstin()).toMatch(/^27[A-Z]{5}\d{4}[A-Z]1Z[0-9A-Z]$/);
  });
});
