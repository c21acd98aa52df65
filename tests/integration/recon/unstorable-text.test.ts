/**
 * Text PostgreSQL cannot store, through the real upload API and PostgreSQL: a NUL character or an
 * unpaired UTF-16 surrogate reads as text (JSON's `\u0000` and `\ud800` escapes, a NUL byte in a
 * register's cell, a workbook's `&#0;`), but jsonb refuses it. The upload is refused as a bad file,
 * naming the document and its field, with nothing stored, instead of failing with a 500.
 */
import * as ExcelJS from 'exceljs';
import unzipper from 'unzipper';
import yazl from 'yazl';
import { login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { createImport, putFile, reconData, startReconApi, type Kind, type ReconApi } from './recon-helpers';

const PERIOD = '2024-06';

describe('uploads carrying text that cannot be stored', () => {
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
    data = reconData(firm.clients[0]!.gstin, 120);
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

  /** What the refusal says and what it left: the error, the import's status and errors, its stored rows. */
  async function refusal(importId: string, res: { status: number; body: { error?: { code: string; message: string; details: { errors: unknown[] } } } }) {
    const row = await db.owner('imports').where({ id: importId }).first();
    const stored = Number((await db.owner('import_rows').where({ import_id: importId }).count({ n: '*' }))[0]!.n);
    return { status: res.status, code: res.body.error?.code, message: res.body.error?.message, errors: res.body.error?.details.errors, importStatus: row.status, importErrors: row.errors, stored };
  }

  /**
   * A register workbook whose second row's Particulars holds `&#0;`, a character reference to NUL
   * (exceljs drops a NUL it is given, so the reference is written into the shared strings part).
   */
  async function registerWorkbookWithNul(): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Purchase Register');
    ws.addRow(['Date', 'Particulars', 'Voucher Ref. No.', 'GSTIN/UIN', 'Value', 'Input IGST 18%']);
    ws.addRow(['05-06-2024', 'Supplier One', 'INV-1', '27AAACB2230M1Z9', 1000, 180]);
    ws.addRow(['07-06-2024', 'PLACEHOLDER-NAME', 'INV-2', '27AAACB2230M1Z9', 2000, 360]);
    // unzipper's Open reads a whole archive from a buffer (the repository's typings declare only Parse).
    const { Open } = unzipper as unknown as { Open: { buffer(b: Buffer): Promise<{ files: Array<{ path: string; type: string; buffer(): Promise<Buffer> }> }> } };
    const written = await Open.buffer(Buffer.from(await wb.xlsx.writeBuffer()));
    const out = new yazl.ZipFile();
    for (const file of written.files.filter((f) => f.type === 'File')) {
      const content = await file.buffer();
      out.addBuffer(file.path === 'xl/sharedStrings.xml' ? Buffer.from(content.toString('utf8').replace('PLACEHOLDER-NAME', 'Bad&#0;Name')) : content, file.path);
    }
    out.end();
    const chunks: Buffer[] = [];
    for await (const chunk of out.outputStream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** The 2B JSON with the second supplier's trade name replaced by `name` (written as JSON text, escapes kept). */
  function twoBWithName(nameJson: string): string {
    const json = JSON.parse(data.twoB);
    const b2b = json.data.docdata.b2b as Array<Record<string, unknown>>;
    b2b[1]!.trdnm = 'PLACEHOLDER-NAME';
    return JSON.stringify(json).replace('"PLACEHOLDER-NAME"', nameJson);
  }

  /**
   * The register CSV with a NUL byte in a cell past the first 4 KB (the sniffer, which refuses a
   * NUL byte as binary content, looks no further), and the reference of its line.
   */
  function registerCsvWithNul(): { file: string; line: number } {
    const lines = data.csv.split('\r\n');
    let at = 6;
    for (let bytes = 0; bytes < 8192; at += 1) bytes += Buffer.byteLength(lines[at]!) + 2;
    // The second cell, Particulars (the supplier's name), quoted or not.
    lines[at] = lines[at]!.replace(/^([^,]*,"?)/, '$1Bad\u0000');
    expect(lines[at]).toContain('\u0000');
    return { file: lines.join('\r\n'), line: at + 1 };
  }

  /** A file to refuse: what it is, where the refusal must point (its rowRef) and what it must say. */
  type Unstorable = { kind: Kind; file: string | Buffer; rowRef: unknown; message: RegExp };

  const unstorable: Array<[string, () => Promise<Unstorable>]> = [
    ['a 2B whose supplier name carries a NUL escape', async () => ({
      kind: 'gstr2b', file: twoBWithName(String.raw`"Bad\u0000Name"`), rowRef: expect.stringContaining('b2b'), message: /^supplierName .*cannot be stored/,
    })],
    ['a 2B whose supplier name carries a lone surrogate escape', async () => ({
      kind: 'gstr2b', file: twoBWithName(String.raw`"Bad\ud800Name"`), rowRef: expect.stringContaining('b2b'), message: /^supplierName .*cannot be stored/,
    })],
    ['a register whose cell carries a NUL byte past the first 4 KB', async () => {
      const { file, line } = registerCsvWithNul();
      return { kind: 'purchase_register', file, rowRef: expect.stringMatching(new RegExp(`:${line}$`)), message: /^supplierName .*cannot be stored/ }; // file, line
    }],
    ['a register workbook whose cell carries a NUL (a character reference)', async () => ({
      kind: 'purchase_register', file: await registerWorkbookWithNul(), rowRef: expect.stringMatching(/:Purchase Register:3$/), // file, sheet, row
      message: /^supplierName contains a NUL character .*cannot be stored/,
    })],
  ];

  it.each(unstorable)('refuses %s as a bad file, naming the document and its field, and stores nothing', async (_, make) => {
    const { kind, file, rowRef, message } = await make();
    const { importId, ...res } = await upload(kind, file);
    const expected = { code: 'invalid_field', fatal: true, field: 'supplierName', rowRef, message: expect.stringMatching(message) };
    expect(await refusal(importId, res)).toEqual({
      status: 400,
      code: 'invalid_file',
      message: expect.stringMatching(/cannot be stored/),
      errors: [expected],
      importStatus: 'rejected',
      importErrors: [expected],
      stored: 0,
    });
  });

  it('takes a 2B whose text is merely written with escapes (an escaped backslash before u0000, a surrogate pair)', async () => {
    const name = String.raw`"Not\\u0000 NUL \ud83e\uddfe"`;
    const { importId, status, body } = await upload('gstr2b', twoBWithName(name));
    expect(status).toBe(200);
    const docs = (await db.owner('import_rows').where({ import_id: importId }).select('doc')).map((r: { doc: { supplierName: string } }) => r.doc.supplierName);
    expect(docs).toContain('Not\\u0000 NUL 🧾');
    expect(body.rows).toBe(docs.length);
  });
});
