/**
 * JSON in (docs/api.md): a body of another type on a JSON route is 415 unsupported_type. It used to be
 * left unread, so the route saw no body at all and answered 400 invalid_input (or, for a route
 * with nothing required, did its work as if nothing had been sent).
 */
import { call, login, startTestApi, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../harness/factories';
import { createImport, putFile, reconData } from '../integration/recon/recon-helpers';

jest.setTimeout(60_000);

describe('request content types', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db, { maxSessionsPerUser: 10 });
    firm = await createTestFirm(db);
    token = await login(api, firm.users.staff.email, firm.users.staff.password);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const send = async (method: string, path: string, contentType: string | null, body: string | undefined) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (contentType) headers['content-type'] = contentType;
    const res = await fetch(`${api.url}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, code: (text ? (JSON.parse(text) as { error?: { code?: string } }) : {}).error?.code ?? null };
  };

  it('refuses a form, text or unlabelled body on a JSON route with 415 unsupported_type, and writes nothing', async () => {
    const client = { name: 'Form Posted Traders', gstin: validGstin(), email: 'form@posted.example', filingFrequency: 'monthly' };
    const asForm = await send('POST', '/api/clients', 'application/x-www-form-urlencoded', new URLSearchParams(client).toString());
    expect(asForm).toEqual({ status: 415, code: 'unsupported_type' });
    expect(await send('POST', '/api/clients', 'text/plain', JSON.stringify(client))).toEqual({ status: 415, code: 'unsupported_type' });
    expect(await send('PATCH', `/api/clients/${firm.clients[0]!.id}`, 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nRenamed\r\n--x--\r\n')).toEqual({ status: 415, code: 'unsupported_type' });
    expect(await db.owner('clients').where({ gstin: client.gstin }).first()).toBeUndefined();

    const asJson = await call(api, 'POST', '/api/clients', { token, body: client });
    expect(asJson.status).toBe(201);
    expect(await send('POST', '/api/clients', 'application/json; charset=utf-8', '{')).toEqual({ status: 400, code: 'invalid_input' });
    // A POST without a body needs no type.
    expect((await send('POST', '/api/auth/logout', null, undefined)).status).toBe(204);
  });

  it('streams an upload sent to the upload path with a trailing slash or another case, as the router routes it', async () => {
    const client = firm.clients[0]!;
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password); // the test above signed out
    const twoB = reconData(client.gstin, 3).twoB;
    for (const path of ['/api/uploads/', '/API/Uploads']) {
      const created = await createImport(api, staff, client.id, 'gstr2b', '2024-06', Buffer.byteLength(twoB));
      expect(created.status).toBe(201);
      const url = new URL(created.body.uploadUrl as string);
      url.pathname = path;
      // JSON on purpose: the API's JSON parser must not take the body the import reader streams.
      const uploaded = await putFile(url.toString(), twoB, 'application/json');
      expect({ path, status: uploaded.status, body: uploaded.body }).toEqual({ path, status: 200, body: expect.objectContaining({ importId: created.body.importId, status: 'validated', rows: 3 }) });
    }
  });
});
