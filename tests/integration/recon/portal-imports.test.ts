/**
 * The portal's files through the real API and PostgreSQL: the GSTR-2B Excel (built in the test
 * from the same data as its JSON twin, to the portal's layout) stores the same documents as the
 * JSON; GSTR-2A JSON and Excel are imports of their own kind; a portal download uploaded as the
 * wrong kind, a register without a header or a handful of rows under the portal's headings are
 * refused with `invalid_file` and a hint; files dated outside their period carry a warning on the
 * import, the run request and the period view.
 */
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { portalWorkbookOf } from '../../../ops/bench/portal-workbook';
import { as2a } from '../../../domain/recon/portal-xlsx-layout';
import { createImport, importFile, putFile, reconData, startReconApi, type Kind, type ReconApi } from './recon-helpers';

const PERIOD = '2024-06';

describe('portal files and plausibility', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let firm: TestFirm;
  let staff: string;
  let clientId: string;
  let data: ReturnType<typeof reconData>;
  let twoBJson: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let twoBExcel: Buffer;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startReconApi(db);
    firm = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    clientId = firm.clients[0]!.id;
    data = reconData(firm.clients[0]!.gstin, 120);
    twoBJson = JSON.parse(data.twoB);
    twoBExcel = await portalWorkbookOf(twoBJson);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  /** The stored documents of an import, in a stable order (refs are unique within a file). */
  const storedDocs = async (importId: string) => ((await db.owner('import_rows').where({ import_id: importId }).orderBy('seq')) as Array<{ doc: { ref: string } }>).map((r) => r.doc).sort((a, b) => a.ref.localeCompare(b.ref));

  async function upload(kind: Kind, period: string, file: string | Buffer) {
    const created = await createImport(api, staff, clientId, kind, period, Buffer.byteLength(file));
    expect(created.status).toBe(201);
    const res = await putFile(created.body.uploadUrl, file);
    return { importId: created.body.importId as string, ...res };
  }

  it('takes the portal 2B Excel as a 2B and stores the documents its JSON twin gives', async () => {
    const json = await upload('gstr2b', PERIOD, data.twoB);
    const excel = await upload('gstr2b', PERIOD, twoBExcel);
    expect(json.status).toBe(200);
    expect(excel.status).toBe(200);
    expect(excel.body).toMatchObject({ status: 'validated', rows: json.body.rows });
    expect(json.body.rows).toBeGreaterThan(100);
    const [fromJson, fromExcel] = [await storedDocs(json.importId), await storedDocs(excel.importId)];
    expect(fromExcel).toHaveLength(fromJson.length);
    expect(fromExcel).toEqual(fromJson);
    const row = await db.owner('imports').where({ id: excel.importId }).first();
    expect(row).toMatchObject({ kind: 'gstr2b', detected_format: 'xlsx', status: 'validated' });
  });

  it('takes a 2B Excel whose title block states no period as the import\'s period, and says so', async () => {
    const res = await upload('gstr2b', PERIOD, await portalWorkbookOf(twoBJson, { statePeriod: false }));
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'period_not_stated', message: expect.stringMatching(/read as 2024-06/) })]));
  });

  it('refuses a 2B Excel of another period, as it refuses the JSON', async () => {
    const res = await upload('gstr2b', '2024-07', twoBExcel);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_file');
    expect(res.body.error.details.errors.map((e: { code: string }) => e.code)).toContain('wrong_period');
  });

  it('takes a GSTR-2A as JSON and as the portal Excel, and refuses each return uploaded as the other', async () => {
    const docdata = twoBJson.data.docdata as Record<string, Array<Record<string, unknown>>>;
    const twoA = { gstin: twoBJson.data.gstin, fp: twoBJson.data.rtnprd, ...Object.fromEntries(Object.entries(docdata).map(([s, entries]) => [as2a(s, entries[0]!).section, entries.map((e) => as2a(s, e).entry)])) };
    const json = await upload('gstr2a', PERIOD, JSON.stringify(twoA));
    expect(json.status).toBe(200);
    const twoAExcel = await portalWorkbookOf(twoBJson, { form: '2A' });
    const excel = await upload('gstr2a', PERIOD, twoAExcel);
    expect(excel.status).toBe(200);
    expect(excel.body.rows).toBe(json.body.rows);
    expect((await db.owner('imports').where({ id: excel.importId }).first()).kind).toBe('gstr2a');

    const twoAAs2B = await upload('gstr2b', PERIOD, twoAExcel);
    expect(twoAAs2B.status).toBe(400);
    expect(twoAAs2B.body.error).toMatchObject({ code: 'invalid_file', details: { hint: expect.stringMatching(/GSTR-2A import \(kind "gstr2a"\)/) } });
    const twoBAs2A = await upload('gstr2a', PERIOD, twoBExcel);
    expect(twoBAs2A.status).toBe(400);
    expect(twoBAs2A.body.error.details.hint).toMatch(/GSTR-2B import \(kind "gstr2b"\)/);
  });

  it('refuses the 2B Excel uploaded as a purchase register, saying to upload it as a 2B, and stores nothing', async () => {
    const res = await upload('purchase_register', PERIOD, twoBExcel);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_file');
    expect(res.body.error.details.errors[0].code).toBe('portal_file');
    expect(res.body.error.details.hint).toMatch(/GSTR-2B import \(kind "gstr2b"\)/);
    expect(res.body.error.message).toMatch(/portal's GSTR-2B/);
    expect(Number((await db.owner('import_rows').where({ import_id: res.importId }).count({ n: '*' }))[0]!.n)).toBe(0);
    expect((await db.owner('imports').where({ id: res.importId }).first()).status).toBe('rejected');
  });

  it('refuses a workbook that is not the portal download as a 2B, with where to get one', async () => {
    const ExcelJS = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Sheet1').addRows([['Date', 'Particulars', 'Voucher Ref. No.', 'GSTIN/UIN', 'Value'], ['05-06-2024', 'X', 'A-1', data.portal[0]!.supplierGstin, 100]]);
    const res = await upload('gstr2b', PERIOD, Buffer.from(await wb.xlsx.writeBuffer()));
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].code).toBe('not_portal_excel');
    expect(res.body.error.details.hint).toMatch(/GST portal \(Returns → GSTR-2B → Download/);
  });

  it('refuses a handful of rows under the portal headings as a register, and a register without a header, with a hint', async () => {
    // A copy of the portal's B2B sheet saved as CSV: title, two-row header, three documents.
    const lines = [
      'Goods and Services Tax - GSTR-2B', 'Taxable inward supplies received from registered persons', '',
      'GSTIN of supplier,Trade/Legal name,Invoice Details,,,,Place of supply,Supply Attract Reverse Charge,Rate (%),Taxable Value (₹),Tax Amount,,,',
      ',,Invoice number,Invoice type,Invoice Date,Invoice Value (₹),,,,,Integrated Tax (₹),Central Tax (₹),State/UT Tax (₹),Cess (₹)',
      ...[1, 2, 3].map((i) => `${data.portal[0]!.supplierGstin},Supplier,INV-${i},Regular,05-06-2024,118,Maharashtra,No,18,100,0,9,9,0`),
    ];
    const few = await upload('purchase_register', PERIOD, lines.join('\r\n'));
    expect(few.status).toBe(400);
    expect(few.body.error).toMatchObject({ code: 'invalid_file', details: { errors: [expect.objectContaining({ code: 'portal_file' })] } });
    expect(few.body.error.message).toMatch(/Only 3 documents under the portal's column headings/);
    expect(few.body.error.details.hint).toMatch(/GSTR-2B import/);

    // More than a handful under those headings: kept, with a warning to check it is the books.
    const many = [...lines.slice(0, 5), ...Array.from({ length: 12 }, (_, i) => `${data.portal[0]!.supplierGstin},Supplier,INV-${i + 1},Regular,05-06-2024,118,Maharashtra,No,18,100,0,9,9,0`)];
    const kept = await upload('purchase_register', PERIOD, many.join('\r\n'));
    expect(kept.status).toBe(200);
    expect(kept.body.rows).toBe(12);
    expect(kept.body.warnings.map((w: { code: string }) => w.code)).toContain('looks_like_portal_file');

    const headless = await upload('purchase_register', PERIOD, 'a,b,c\r\n1,2,3\r\n4,5,6\r\n');
    expect(headless.status).toBe(400);
    expect(headless.body.error.code).toBe('invalid_file');
    expect(headless.body.error.details.errors.map((e: { code: string }) => e.code)).toContain('no_header');
    expect(headless.body.error.details.hint).toMatch(/header row naming its columns.*Voucher Ref\. No\./);
  });

  it('warns, before any run, about a register and a 2B whose documents are dated outside the period', async () => {
    // June's files uploaded as April's: every document is dated after April.
    const april = '2024-04';
    const register = await upload('purchase_register', april, data.csv);
    expect(register.status).toBe(200);
    const warning = register.body.warnings.find((w: { code: string }) => w.code === 'dates_outside_period');
    expect(warning).toBeDefined();
    expect(warning.message).toMatch(/dated after the period \(2024-04-30\)/);
    const twoB = await upload('gstr2b', april, data.twoB.replace('"rtnprd":"062024"', '"rtnprd":"042024"'));
    expect(twoB.status).toBe(200);
    expect(twoB.body.warnings.map((w: { code: string }) => w.code)).toContain('dates_outside_period');
    const got = await call(api, 'GET', `/api/imports/${register.importId}`, { token: staff });
    expect(got.body.warnings.map((w: { code: string }) => w.code)).toContain('dates_outside_period');

    const run = await call(api, 'POST', `/api/clients/${clientId}/reconciliations`, { token: staff, body: { period: april, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(run.status).toBe(202);
    expect(run.body.warnings).toEqual([
      expect.objectContaining({ importId: register.importId, kind: 'purchase_register', code: 'dates_outside_period' }),
      expect.objectContaining({ importId: twoB.importId, kind: 'gstr2b', code: 'dates_outside_period' }),
    ]);
    const view = await call(api, 'GET', `/api/clients/${clientId}/periods/${april}`, { token: staff });
    expect(view.status).toBe(200);
    expect(view.body.warnings.map((w: { importId: string }) => w.importId).sort()).toEqual([register.importId, twoB.importId].sort());

    // The same files under their own period: no such warning anywhere.
    const june = await importFile(api, staff, clientId, 'purchase_register', PERIOD, data.csv);
    expect(june.uploaded.body.warnings.map((w: { code: string }) => w.code)).not.toContain('dates_outside_period');
    const juneView = await call(api, 'GET', `/api/clients/${clientId}/periods/${PERIOD}`, { token: staff });
    expect(juneView.body.warnings).toEqual([]);
  });
});
