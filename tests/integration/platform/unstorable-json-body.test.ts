/**
 * Text PostgreSQL cannot store (a NUL character, half a surrogate pair) in any field of a JSON body
 * is refused once, where bodies are parsed: 400 invalid_input naming the field, on every route, and
 * nothing written. Before, a route without its own check wrote it and answered a server error.
 */
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(120_000);

describe('unstorable text in a JSON body', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Nul Firm');
    api = await startTestApi(db);
    token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const refusal = (res: { status: number; body: { error?: { code: string; details?: { fields?: unknown } } } }) => ({ status: res.status, code: res.body.error?.code, fields: res.body.error?.details?.fields });

  it('refuses a NUL in a new client (POST /api/clients), naming the field, and creates nothing', async () => {
    const clients = await db.owner('clients').where({ firm_id: firm.id }).count({ n: '*' });
    const res = await call(api, 'POST', '/api/clients', { token, body: { name: 'Nul\u0000Traders', gstin: '27AAPFU0939F1ZV', email: 'nul@clients.test', filingFrequency: 'monthly' } });
    expect(refusal(res)).toEqual({ status: 400, code: 'invalid_input', fields: { name: 'Must not contain a NUL character (U+0000).' } });
    expect(await db.owner('clients').where({ firm_id: firm.id }).count({ n: '*' })).toEqual(clients);
  });

  it('names a nested field and a key, on another route (PATCH /api/users/:id), and changes nothing', async () => {
    const staff = firm.users.staff;
    const before = await db.owner('users').where({ id: staff.id }).first('name');
    const nested = await call(api, 'PATCH', `/api/users/${staff.id}`, { token, body: { name: 'Fine', extra: { tags: ['ok', 'x\u0000y'] } } });
    expect(refusal(nested)).toEqual({ status: 400, code: 'invalid_input', fields: { 'extra.tags.1': 'Must not contain a NUL character (U+0000).' } });
    const key = await call(api, 'PATCH', `/api/users/${staff.id}`, { token, body: { 'na\u0000me': 'Fine' } });
    expect(refusal(key)).toEqual({ status: 400, code: 'invalid_input', fields: { 'na\u0000me': 'Must not contain a NUL character (U+0000).' } });
    const surrogate = await call(api, 'PATCH', `/api/users/${staff.id}`, { token, body: { name: 'Half \ud800 pair' } });
    expect(refusal(surrogate)).toEqual({ status: 400, code: 'invalid_input', fields: { name: 'Must not contain an unpaired UTF-16 surrogate (U+D800–U+DFFF).' } });
    expect(await db.owner('users').where({ id: staff.id }).first('name')).toEqual(before);
  });

  it('still accepts ordinary text, a paired surrogate (an emoji) included', async () => {
    const client = firm.clients[0]!;
    const res = await call(api, 'PATCH', `/api/clients/${client.id}`, { token, body: { name: 'Asha 🙂 Traders' } });
    expect(res.status).toBe(200);
    expect((await db.owner('clients').where({ id: client.id }).first('name')).name).toBe('Asha 🙂 Traders');
  });
});
