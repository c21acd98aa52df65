/**
 * Giant cells (docs/security-limits.md, "Cells and texts"), through the real upload route: a
 * register CSV with one 40-million-character Particulars cell (40 MB, under the 50 MB cap) once
 * uploaded fine and then held a reconciliation, and the worker with it, for minutes. Every text a
 * document keeps is now bounded and every record and XLSX string too: each file below is refused
 * quickly with 400 `invalid_file` naming the row (or entry) and field, the import is spent, and
 * nothing is stored.
 */
import { login } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';
import { createImport, type Kind, putFile, reconData, startReconApi, type ReconApi } from '../integration/recon/recon-helpers';
import { timed } from './helpers';
import { workbookParts, zipOf } from './zip-writer';

jest.setTimeout(120_000);

const PERIOD = '2024-06';
const SST = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const HEADER = 'Date,Particulars,Voucher Type,Voucher No.,Voucher Ref. No.,Voucher Ref. Date,GSTIN/UIN,Value,IGST,Narration';
const row = (supplier: string, narration = 'goods') => `05-06-2024,${supplier},Purchase,P-1,B-45,05-06-2024,27AAPFU0939F1ZV,"1,000.00",180,${narration}`;

describe('giant cells in uploads', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let firm: TestFirm;
  let staff: string;
  let clientId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startReconApi(db);
    firm = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    clientId = firm.clients[0]!.id;
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  async function upload(file: Buffer | string, kind: Kind = 'purchase_register') {
    const created = await createImport(api, staff, clientId, kind, PERIOD, Buffer.byteLength(file));
    expect(created.status).toBe(201);
    const res = await timed(() => putFile(created.body.uploadUrl, file));
    return { importId: created.body.importId as string, res: res.value, ms: res.ms };
  }

  async function expectRefusedAndEmpty(up: Awaited<ReturnType<typeof upload>>, first: Record<string, unknown>) {
    const { res, importId } = up;
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'invalid_file' });
    expect(res.body.error.details.errors[0]).toMatchObject(first);
    const stored = await db.owner('imports').where({ id: importId }).first();
    expect(stored.status).toBe('rejected');
    expect(Number((await db.owner('import_rows').where({ import_id: importId }).count({ n: '*' }))[0]!.n)).toBe(0);
    return res.body.error.message as string;
  }

  it('refuses a register CSV with a 40-million-character cell at once', async () => {
    const file = [HEADER, row('A'.repeat(40_000_000)), row('Beta Steels')].join('\n');
    expect(file.length).toBeLessThan(50 * 1024 * 1024);
    const up = await upload(file);
    const message = await expectRefusedAndEmpty(up, { code: 'record_too_long', line: 2 });
    expect(message).toContain('line 2 has more than 4 MB');
    expect(up.ms).toBeLessThan(30_000); // sent whole (40 MB), read to its 4 MB limit only: seconds, not the minutes its reconciliation took
  });

  it('refuses the same giant cell in a column the register does not map', async () => {
    const up = await upload([HEADER, row('Alpha Metals', 'x'.repeat(40_000_000))].join('\n'));
    await expectRefusedAndEmpty(up, { code: 'record_too_long' });
  });

  it('refuses a supplier name over its limit, naming the row and the field', async () => {
    const up = await upload([HEADER, row('Beta Steels'), row('N'.repeat(5_000)).replace('P-1', 'P-2')].join('\n'));
    const message = await expectRefusedAndEmpty(up, { code: 'text_too_long', field: 'supplierName', column: 'Particulars', line: 3 });
    expect(message).toContain('5000 characters, more than the 1000');
  });

  it('refuses an invoice number over its limit', async () => {
    const up = await upload([HEADER, row('Beta Steels').replace('B-45', 'B'.repeat(500))].join('\n'));
    await expectRefusedAndEmpty(up, { code: 'text_too_long', field: 'invoiceNumber', column: 'Voucher Ref. No.' });
  });

  it("refuses an XLSX with a string longer than Excel's limit for a cell", async () => {
    const sheet = `<worksheet ${SST}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`;
    const book = zipOf(workbookParts(sheet, `<sst ${SST} count="1" uniqueCount="1"><si><t>${'A'.repeat(40_000)}</t></si></sst>`));
    const message = await expectRefusedAndEmpty(await upload(book), { code: 'invalid_xlsx' });
    expect(message).toContain("more than Excel's 32767");
  });

  it('refuses a GSTR-2B whose supplier name is over its limit, naming the entry', async () => {
    const twoB = JSON.parse(reconData(firm.clients[0]!.gstin, 5).twoB) as { data: { docdata: { b2b: Array<{ trdnm: string }> } } };
    twoB.data.docdata.b2b[1]!.trdnm = 'T'.repeat(5_000);
    const message = await expectRefusedAndEmpty(await upload(JSON.stringify(twoB), 'gstr2b'), { code: 'text_too_long', field: 'supplierName', section: 'b2b', index: 1 });
    expect(message).toContain('5000 characters');
  });
});
