/**
 * A new user's mistakes, through the real routes, each answered in the API's error shape with a
 * sentence that names the field and says its rule in plain words (docs/api.md, "Error messages"),
 * while `details.fields` keep the words clients already show beside each field; nothing is written.
 */
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

type Refusal = { status: number; code: string; message: string; details: unknown };
const refusalOf = (res: { status: number; body: { error?: { code: string; message: string; details?: unknown } } }): Refusal => ({
  status: res.status,
  code: res.body.error?.code ?? '(no error body)',
  message: res.body.error?.message ?? '(no message)',
  details: res.body.error?.details,
});

describe('validation refusals read as plain sentences', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
    firm = await createTestFirm(db);
    token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('?limit=abc: limit must be a whole number from 1 to 500', async () => {
    expect(refusalOf(await call(api, 'GET', '/api/audit?limit=abc', { token }))).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'limit must be a whole number from 1 to 500.',
      details: { fields: { limit: 'Must be a whole number from 1 to 500.' } },
    });
  });

  it('?limit=9000: the same rule, not zod’s "Too big"', async () => {
    expect(refusalOf(await call(api, 'GET', '/api/periods?limit=9000', { token }))).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'limit must be a whole number from 1 to 500.',
      details: { fields: { limit: 'Must be a whole number from 1 to 500.' } },
    });
  });

  it('a client id that is no UUID: id must be a UUID', async () => {
    expect(refusalOf(await call(api, 'GET', '/api/clients/not-a-uuid', { token }))).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'id must be a UUID.',
      details: { fields: { id: 'Must be a UUID.' } },
    });
  });

  it('?from=2026-12-07 on the audit list: from must be a date-time, with an example', async () => {
    expect(refusalOf(await call(api, 'GET', '/api/audit?from=2026-12-07', { token }))).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'from must be a date-time like 2026-12-07T10:00:00+05:30.',
      details: { fields: { from: 'Must be a date-time like 2026-12-07T10:00:00+05:30.' } },
    });
  });

  it('unknown body fields are listed by name, and the client is not changed', async () => {
    const client = firm.clients[0]!;
    const before = await db.owner('clients').where({ id: client.id }).first();
    expect(refusalOf(await call(api, 'PATCH', `/api/clients/${client.id}`, { token, body: { start: '2026-04-01', end: '2027-03-31' } }))).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'Unknown fields: start, end.',
      details: { fields: { body: 'Unknown fields: start, end.' } },
    });
    expect(await db.owner('clients').where({ id: client.id }).first()).toEqual(before);
  });

  it('a body that is not JSON: 400 saying so, naming the body, and nothing created', async () => {
    const count = async () => Number((await db.owner('clients').where({ firm_id: firm.id }).count({ n: '*' }))[0]!.n);
    const before = await count();
    const res = await fetch(`${api.url}/api/clients`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{not json' });
    expect(refusalOf({ status: res.status, body: (await res.json()) as never })).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'The request body is not valid JSON: send a JSON object, with double-quoted names and strings.',
      details: { fields: { body: 'not valid JSON' } },
    });
    expect(await count()).toBe(before);
  });

  it('?cursor=zzz: the cursor is not one this list gave', async () => {
    const refused = refusalOf(await call(api, 'GET', '/api/clients?cursor=zzz', { token }));
    expect(refused).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'cursor is not one this list gave: pass the nextCursor of the previous page unchanged, or leave cursor out to start at the first page.',
      details: { fields: { cursor: 'Not a cursor this list issued.' } },
    });
  });

  it('/periods/2024-13: a month as YYYY-MM, and there is no month 13', async () => {
    expect(refusalOf(await call(api, 'GET', `/api/clients/${firm.clients[0]!.id}/periods/2024-13`, { token }))).toEqual({
      status: 400,
      code: 'invalid_input',
      message: 'period must be a month as YYYY-MM: there is no month 13.',
      details: { fields: { period: 'Must be a month as YYYY-MM: there is no month 13.' } },
    });
  });
});
