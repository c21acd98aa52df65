/**
 * Imports through the real API and PostgreSQL: the signed single-use upload URL, and malformed
 * files refused with clear errors and nothing stored.
 */
import { UploadTokens } from '../../../api/imports/upload-token';
import { istDate } from '../../../domain/calendar/dates';
import { addMonths } from '../../../domain/calendar/rules';
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { createImport, importFile, putFile, reconData, startReconApi, type ReconApi } from './recon-helpers';

const PERIOD = '2024-06';

describe('imports', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let firm: TestFirm;
  let other: TestFirm;
  let staff: string;
  let clientId: string;
  let data: ReturnType<typeof reconData>;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Small caps so "oversize" needs no 100 MB file.
    api = await startReconApi(db, { imports: { maxJsonBytes: 2 * 1024 * 1024, maxTabularBytes: 64 * 1024 } });
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    clientId = firm.clients[0]!.id;
    data = reconData(firm.clients[0]!.gstin, 200);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  const storedRows = async (importId: string) => Number((await db.owner('import_rows').where({ import_id: importId }).count({ n: '*' }))[0]!.n);

  it('takes a GSTR-2B and a register, stores their rows with the hash, and audits the upload', async () => {
    const twoB = await importFile(api, staff, clientId, 'gstr2b', PERIOD, data.twoB, 'application/json');
    expect(twoB.uploaded.status).toBe(200);
    expect(twoB.uploaded.body).toMatchObject({ importId: twoB.importId, status: 'validated' });
    expect(twoB.uploaded.body.rows).toBeGreaterThan(150);
    expect(await storedRows(twoB.importId)).toBe(twoB.uploaded.body.rows);

    const reg = await importFile(api, staff, clientId, 'purchase_register', PERIOD, data.csv, 'text/csv');
    expect(reg.uploaded.status).toBe(200);
    expect(await storedRows(reg.importId)).toBe(reg.uploaded.body.rows);

    const got = await call(api, 'GET', `/api/imports/${reg.importId}`, { token: staff });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: reg.importId, kind: 'purchase_register', period: PERIOD, status: 'validated', rows: reg.uploaded.body.rows, errors: [] });
    expect(got.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Array.isArray(got.body.warnings)).toBe(true);

    const events = await db.owner('audit_events').where({ firm_id: firm.id, entity_id: reg.importId }).orderBy('seq');
    expect(events.map((e) => e.action)).toEqual(['import.create', 'import.uploaded']);
    expect(events[1]).toMatchObject({ actor_id: firm.users.staff.id, actor_role: 'staff' });
  });

  it('recognises a re-upload of the same bytes', async () => {
    const first = await importFile(api, staff, clientId, 'purchase_register', '2024-07', data.csv);
    const again = await importFile(api, staff, clientId, 'purchase_register', '2024-07', data.csv);
    expect(again.uploaded.status).toBe(200);
    expect(again.uploaded.body.duplicateOf).toBe(first.importId);
    expect(again.uploaded.body.warnings[0]).toMatchObject({ code: 'duplicate_upload' });
  });

  it('refuses a reused, tampered or expired upload URL with 403', async () => {
    const created = await createImport(api, staff, clientId, 'purchase_register', PERIOD, Buffer.byteLength(data.csv));
    expect(created.status).toBe(201);
    // In India's offset, as every other instant of the product (never UTC's `Z`).
    expect(created.body.expiresAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:30$/);
    expect(new Date(created.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(new Date(created.body.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect((await putFile(created.body.uploadUrl, data.csv)).status).toBe(200);
    const reused = await putFile(created.body.uploadUrl, data.csv);
    expect(reused.status).toBe(403);
    expect(reused.body.error.code).toBe('upload_url_used');

    const fresh = await createImport(api, staff, clientId, 'purchase_register', PERIOD);
    const url = new URL(fresh.body.uploadUrl as string);
    const token = url.searchParams.get('token')!;
    url.searchParams.set('token', `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`);
    const tampered = await putFile(url.toString(), data.csv);
    expect(tampered.status).toBe(403);
    expect(tampered.body.error.code).toBe('upload_url_invalid');

    // A token for the same import, signed with the server's key, whose 15 minutes are over.
    const tokens = UploadTokens.fromSigningKey(api.security.settings.signingKeys, api.security.settings.signingKeyCurrent);
    const stale = await tokens.sign({ importId: fresh.body.importId, firmId: firm.id, expiresAt: new Date(Date.now() - 1000) });
    url.searchParams.set('token', stale);
    const expired = await putFile(url.toString(), data.csv);
    expect(expired.status).toBe(403);
    expect(expired.body.error.code).toBe('upload_url_expired');
    expect((await db.owner('imports').where({ id: fresh.body.importId }).first()).status).toBe('expired');
    expect(await storedRows(fresh.body.importId)).toBe(0);
  });

  const refusals: Array<{ name: string; kind: 'gstr2b' | 'purchase_register'; file: () => string | Buffer; status: number; code: string; errorCode?: string }> = [
    { name: 'truncated JSON', kind: 'gstr2b', file: () => data.twoB.slice(0, Math.floor(data.twoB.length / 2)), status: 400, code: 'invalid_file', errorCode: 'truncated_json' },
    { name: 'JSON of the wrong schema', kind: 'gstr2b', file: () => JSON.stringify({ hello: 'world', data: { something: [1, 2] } }), status: 400, code: 'invalid_file' },
    { name: 'a 2B of another period', kind: 'gstr2b', file: () => data.twoB.replace('"rtnprd":"062024"', '"rtnprd":"052024"'), status: 400, code: 'invalid_file' },
    { name: "a 2B of another recipient's GSTIN", kind: 'gstr2b', file: () => data.twoB.replace(`"gstin":"${data.recipientGstin}"`, `"gstin":"${other.clients[0]!.gstin}"`), status: 400, code: 'invalid_file' },
    { name: 'an empty file', kind: 'purchase_register', file: () => '', status: 400, code: 'invalid_file', errorCode: 'empty_file' },
    { name: 'whitespace only', kind: 'gstr2b', file: () => '   \n  ', status: 400, code: 'invalid_file' },
    { name: 'binary posing as CSV', kind: 'purchase_register', file: () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.alloc(500, 7)]), status: 415, code: 'unsupported_type' },
    { name: 'a PDF as a register', kind: 'purchase_register', file: () => Buffer.from('%PDF-1.7\n1 0 obj\n'), status: 415, code: 'unsupported_type' },
    { name: 'a CSV as a 2B', kind: 'gstr2b', file: () => data.csv, status: 415, code: 'unsupported_type' },
    { name: 'a 2B JSON as a register', kind: 'purchase_register', file: () => data.twoB.slice(0, 1000), status: 415, code: 'unsupported_type' },
    { name: 'a CSV with no recognisable header', kind: 'purchase_register', file: () => 'a,b,c\n1,2,3\n4,5,6\n', status: 400, code: 'invalid_file' },
    { name: 'an oversized CSV (refused while streaming)', kind: 'purchase_register', file: () => `${data.csv}\r\n`.repeat(8), status: 413, code: 'too_large' },
  ];

  it.each(refusals)('refuses $name with $status $code and stores nothing', async ({ kind, file, status, code, errorCode }) => {
    const body = file();
    // The declared size is honest except for the oversize case, which lies to get a URL.
    const created = await createImport(api, staff, clientId, kind, PERIOD, Math.min(Math.max(1, Buffer.byteLength(body)), 60 * 1024));
    expect(created.status).toBe(201);
    const res = await putFile(created.body.uploadUrl, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(10);
    if (errorCode) expect(res.body.error.details.errors.map((e: { code: string }) => e.code)).toContain(errorCode);
    const row = await db.owner('imports').where({ id: created.body.importId }).first();
    expect(row.status).toBe('rejected');
    expect(row.errors.length).toBeGreaterThan(0);
    expect(await storedRows(created.body.importId)).toBe(0);
    // The URL is spent either way.
    expect((await putFile(created.body.uploadUrl, data.csv)).status).toBe(403);
  });

  it('refuses a declared size over the cap with 413 before any upload', async () => {
    const res = await createImport(api, staff, clientId, 'purchase_register', PERIOD, 65 * 1024);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_large');
  });

  it('validates the request and hides other firms', async () => {
    const bad = await call(api, 'POST', `/api/clients/${clientId}/imports`, { token: staff, body: { kind: 'gstr3b', period: '2024-13', filename: '', contentType: 'x', size: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_input');
    const foreignClient = await createImport(api, staff, other.clients[0]!.id, 'gstr2b', PERIOD);
    expect(foreignClient.status).toBe(404);
    const otherToken = await login(api, other.users.staff.email, other.users.staff.password);
    const mine = await createImport(api, staff, clientId, 'gstr2b', PERIOD);
    expect((await call(api, 'GET', `/api/imports/${mine.body.importId}`, { token: otherToken })).status).toBe(404);
    const reviewer = await login(api, firm.users.reviewer.email, firm.users.reviewer.password);
    expect((await createImport(api, reviewer, clientId, 'gstr2b', PERIOD)).status).toBe(403);
  });

  it('refuses a period before GST (July 2017) with 400 on `period` and one not begun yet with 422 period_not_begun, writing nothing; takes the running month and July 2017', async () => {
    // The second client, so the listing test below sees only its own. Two months ahead stays in the
    // future even if the month turns (IST) while this runs; the running month only becomes a past one.
    const client = firm.clients[1]!.id;
    const month = istDate(new Date()).slice(0, 7);
    const written = async () => ({
      imports: Number((await db.owner('imports').where({ client_id: client }).count({ n: '*' }))[0]!.n),
      audited: Number((await db.owner('audit_events').where({ firm_id: firm.id }).count({ n: '*' }))[0]!.n),
    });
    const before = await written();
    const attempts = [['gstr2b', '2017-06'], ['purchase_register', '2016-04'], ['gstr2a', '2017-06'], ['gstr2b', addMonths(month, 2)], ['purchase_register', '2099-12'], ['gstr2a', addMonths(month, 2)]] as const;
    const answers = [];
    for (const [kind, period] of attempts) {
      const res = await createImport(api, staff, client, kind, period, 100);
      answers.push([kind, period, res.status, res.body.error?.code, Object.keys(res.body.error?.details?.fields ?? {})]);
    }
    const begins = (period: string) => (period < '2017-07' ? [400, 'invalid_input', ['period']] : [422, 'period_not_begun', ['period']]);
    expect(answers).toEqual(attempts.map(([kind, period]) => [kind, period, ...begins(period)]));
    expect(await written()).toEqual(before);

    for (const [kind, period] of [['purchase_register', month], ['gstr2b', '2017-07'], ['gstr2a', month]] as const) {
      const res = await createImport(api, staff, client, kind, period, 100);
      expect([kind, period, res.status, res.body.error]).toEqual([kind, period, 201, undefined]);
    }
  });

  it("lists a client's imports, newest first, filtered and paged", async () => {
    const all = await call(api, 'GET', `/api/clients/${clientId}/imports?limit=500`, { token: staff });
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThan(3);
    const times = all.body.items.map((i: { createdAt: string }) => Date.parse(i.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const registers = await call(api, 'GET', `/api/clients/${clientId}/imports?kind=purchase_register&limit=500`, { token: staff });
    expect(new Set(registers.body.items.map((i: { kind: string }) => i.kind))).toEqual(new Set(['purchase_register']));
    const first = await call(api, 'GET', `/api/clients/${clientId}/imports?limit=2`, { token: staff });
    const next = await call(api, 'GET', `/api/clients/${clientId}/imports?limit=2&cursor=${first.body.nextCursor}`, { token: staff });
    expect(next.body.items[0].id).toBe(all.body.items[2].id);
    const otherToken = await login(api, other.users.staff.email, other.users.staff.password);
    expect((await call(api, 'GET', `/api/clients/${clientId}/imports`, { token: otherToken })).status).toBe(404);
  });
});
