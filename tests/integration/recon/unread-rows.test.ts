/**
 * A file with a row the reader cannot read, through the real upload route and PostgreSQL: a
 * register row with a mistyped amount (letter O for zero) or one extra unquoted column, the same in
 * an XLSX register, and a 2B or 2A document with a bad amount. Each file is refused with 400
 * `invalid_file` naming the row (or document) and field, the import is `rejected` with those errors
 * and no row is stored: never a 200 that leaves the bill out without a trace.
 */
import * as ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { toGstr2aJson } from '../../../ops/bench/recon-data';
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { createImport, putFile, reconData, startReconApi, type Kind, type ReconApi } from './recon-helpers';

const PERIOD = '2024-06';
/** The 51st document's line in the bench register (five title lines, the header, then documents). */
const LINE = 57;
const GSTIN_THEN_VALUE = /(,[0-9A-Z]{15},)("[^"]*"|[^,]*)/;

describe('a file with a row that cannot be read', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let firm: TestFirm;
  let staff: string;
  let clientId: string;
  let data: ReturnType<typeof reconData>;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startReconApi(db);
    firm = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    clientId = firm.clients[0]!.id;
    data = reconData(firm.clients[0]!.gstin, 200);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  async function upload(kind: Kind, file: string | Buffer) {
    const created = await createImport(api, staff, clientId, kind, PERIOD, Buffer.byteLength(file));
    expect(created.status).toBe(201);
    const res = await putFile(created.body.uploadUrl, file);
    return { importId: created.body.importId as string, ...res };
  }

  /** The refusal's answer, the import as GET shows it, and what was stored. */
  async function expectRefused(res: Awaited<ReturnType<typeof upload>>, firstError: Record<string, unknown>) {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'invalid_file' });
    expect(res.body.error.details.errors[0]).toMatchObject(firstError);
    expect(res.body.error.details.hint).toEqual(expect.any(String));
    const got = await call(api, 'GET', `/api/imports/${res.importId}`, { token: staff });
    expect(got.body).toMatchObject({ status: 'rejected', errors: [expect.objectContaining(firstError)] });
    expect(Number((await db.owner('import_rows').where({ import_id: res.importId }).count({ n: '*' }))[0]!.n)).toBe(0);
    return res.body.error as { message: string };
  }

  const registerWith = (edit: (line: string) => string) => {
    const lines = data.csv.split('\r\n');
    const edited = edit(lines[LINE - 1]!);
    expect(edited).not.toBe(lines[LINE - 1]);
    lines[LINE - 1] = edited;
    return lines.join('\r\n');
  };

  it('takes the bench register as it is (all 200 documents)', async () => {
    const res = await upload('purchase_register', data.csv);
    expect({ status: res.status, rows: res.body.rows }).toEqual({ status: 200, rows: 200 });
  });

  it('refuses a register with a mistyped amount, naming its line and column', async () => {
    const res = await upload('purchase_register', registerWith((l) => l.replace(GSTIN_THEN_VALUE, '$1"1,64,7OO.13"')));
    const error = await expectRefused(res, { code: 'invalid_amount', rowRef: `register.csv:${LINE}`, line: LINE, column: 'Value', field: 'taxableValue' });
    expect(error.message).toMatch(/^1 row of the purchase register cannot be read.*register\.csv:57, Value: .*1,64,7OO\.13/);
  });

  it('counts rows, not cells: two unreadable amounts on one line are one row', async () => {
    const res = await upload('purchase_register', registerWith((l) => l.replace(/(,[0-9A-Z]{15},)("[^"]*"|[^,]*),("[^"]*"|[^,]*)/, '$1"43,7I2.02","7,8G8.16"')));
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'invalid_file' });
    const errors = (res.body.error.details.errors as Array<{ line: number; column: string }>).map((e) => `${e.line} ${e.column}`);
    expect(errors).toEqual([`${LINE} Value`, `${LINE} Input IGST`]);
    expect((await call(api, 'GET', `/api/imports/${res.importId}`, { token: staff })).body.status).toBe('rejected');
    expect(res.body.error.message).toMatch(/^1 row of the purchase register cannot be read, so the file was not stored \(it would have been stored without it\)/);
  });

  it('refuses a register row with one extra unquoted column', async () => {
    const res = await upload('purchase_register', registerWith((l) => l.replace(/^([^,]*),/, '$1,Extra,')));
    await expectRefused(res, { code: 'invalid_amount', line: LINE, column: 'Value' });
  });

  it('refuses an XLSX register with a mistyped amount, naming its row', async () => {
    const records = parse(registerWith((l) => l.replace(GSTIN_THEN_VALUE, '$1"1,64,7OO.13"')), { relax_column_count: true }) as string[][];
    const book = new ExcelJS.Workbook();
    book.addWorksheet('Purchase Register').addRows(records);
    const res = await upload('purchase_register', Buffer.from(await book.xlsx.writeBuffer()));
    await expectRefused(res, { code: 'invalid_amount', line: LINE, column: 'Value' });
  });

  it('refuses a GSTR-2B and a GSTR-2A with a document whose amount is not a number, naming the document', async () => {
    const twoB = JSON.parse(data.twoB);
    twoB.data.docdata.b2b[1].inv[0].txval = '12O.00';
    const b = await upload('gstr2b', JSON.stringify(twoB));
    const bError = await expectRefused(b, { code: 'invalid_amount', section: 'b2b', index: 1, docIndex: 0, field: 'txval' });
    expect(bError.message).toMatch(/^1 document of the GSTR-2B cannot be read/);

    const twoA = JSON.parse(toGstr2aJson(data));
    twoA.b2b[1].inv[0].itms[0].itm_det.txval = '12O.00';
    const a = await upload('gstr2a', JSON.stringify(twoA));
    await expectRefused(a, { code: 'invalid_amount', field: 'txval' });
  });
});
