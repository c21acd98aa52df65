/**
 * Spreadsheet bombs and lying sizes (the probe's item 3), through the real upload route: an XLSX
 * whose shared strings expand far beyond their cap, one whose part lies about its size, registers
 * with more rows than allowed (CSV and XLSX), and bodies that are not the size that was declared.
 * Each is refused with 413 `too_large` naming the limit, the import is spent, and nothing is stored.
 */
import { call, login } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { createTestFirm, type TestFirm } from '../harness/factories';
import { createImport, putFile, reconData, startReconApi, type ReconApi } from '../integration/recon/recon-helpers';
import { timed } from './helpers';
import { workbookParts, zipOf } from './zip-writer';

jest.setTimeout(60_000);

const PERIOD = '2024-06';
const SST = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const sheetOf = (rows: string) => `<worksheet ${SST}><sheetData>${rows}</sheetData></worksheet>`;

describe('upload bombs and declared sizes', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let firm: TestFirm;
  let staff: string;
  let clientId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The default ZIP caps (64 MB of shared strings); a row cap small enough to reach in a test.
    api = await startReconApi(db, { imports: { readLimits: { maxRows: 100 } } });
    firm = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    clientId = firm.clients[0]!.id;
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  async function upload(file: Buffer | string, declared = Buffer.byteLength(file)) {
    const created = await createImport(api, staff, clientId, 'purchase_register', PERIOD, declared);
    expect(created.status).toBe(201);
    const res = await timed(() => putFile(created.body.uploadUrl, file));
    return { importId: created.body.importId as string, res: res.value, ms: res.ms };
  }

  async function expectSpentAndEmpty(importId: string) {
    const row = await db.owner('imports').where({ id: importId }).first();
    expect(row.status).toBe('rejected');
    expect(Number((await db.owner('import_rows').where({ import_id: importId }).count({ n: '*' }))[0]!.n)).toBe(0);
  }

  it('refuses an XLSX whose shared strings expand past their cap, before parsing it', async () => {
    const huge = `<sst ${SST} count="1" uniqueCount="1"><si><t>${'A'.repeat(80 * 1024 * 1024)}</t></si></sst>`;
    const bomb = zipOf(workbookParts(sheetOf('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), huge));
    expect(bomb.length).toBeLessThan(1024 * 1024); // under 1 MB on the wire, 80 MB inside
    const { importId, res, ms } = await upload(bomb);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 413, code: 'too_large' });
    expect(res.body.error.message).toContain('64 MB');
    expect(ms).toBeLessThan(10_000); // parsing 80 MB of shared strings would take far longer (and gigabytes)
    await expectSpentAndEmpty(importId);
  });

  it('refuses an XLSX part that yields more than the size it declares', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${i}</v></c></row>`).join('');
    const parts = workbookParts(sheetOf(rows), `<sst ${SST} count="0" uniqueCount="0"></sst>`).map((p) => (p.name.endsWith('sheet1.xml') ? { ...p, claimedSize: 1_000 } : p));
    const { importId, res } = await upload(zipOf(parts));
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 413, code: 'too_large' });
    expect(res.body.error.message).toMatch(/sheet1\.xml/);
    await expectSpentAndEmpty(importId);
  });

  it('refuses registers with more rows than allowed, CSV and XLSX', async () => {
    const csv = reconData(firm.clients[0]!.gstin, 200).csv;
    const fromCsv = await upload(csv);
    expect({ status: fromCsv.res.status, code: fromCsv.res.body.error?.code }).toEqual({ status: 413, code: 'too_large' });
    expect(fromCsv.res.body.error.message).toContain('more than 100 rows');
    await expectSpentAndEmpty(fromCsv.importId);

    const rows = Array.from({ length: 150 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${i}</v></c></row>`).join('');
    const fromXlsx = await upload(zipOf(workbookParts(sheetOf(rows), `<sst ${SST} count="0" uniqueCount="0"></sst>`)));
    expect({ status: fromXlsx.res.status, code: fromXlsx.res.body.error?.code }).toEqual({ status: 413, code: 'too_large' });
    expect(fromXlsx.res.body.error.details.errors[0].code).toBe('too_many_rows');
    await expectSpentAndEmpty(fromXlsx.importId);
  });

  it('holds the body to the size declared for the import', async () => {
    const big = Buffer.alloc(Math.round(3.7 * 1024 * 1024), 'a');
    // Announced larger than declared: refused before the body is read.
    const announced = await upload(big, 10);
    expect({ status: announced.res.status, code: announced.res.body.error?.code }).toEqual({ status: 413, code: 'too_large' });
    expect(announced.res.body.error.message).toContain('10 bytes');
    await expectSpentAndEmpty(announced.importId);

    // Sent without a length (chunked): cut off at the declared size while it streams.
    const created = await createImport(api, staff, clientId, 'purchase_register', PERIOD, 10);
    const chunked = await fetch(created.body.uploadUrl, {
      method: 'PUT',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 37; i += 1) controller.enqueue(new Uint8Array(100 * 1024).fill(97));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    const chunkedBody = (await chunked.json()) as { error?: { code?: string } };
    expect({ status: chunked.status, code: chunkedBody.error?.code }).toEqual({ status: 413, code: 'too_large' });
    await expectSpentAndEmpty(created.body.importId);

    // Shorter than declared: not the file that was announced.
    const short = await upload('gstin,invoice\n', 5_000);
    expect({ status: short.res.status, code: short.res.body.error?.code, first: short.res.body.error?.details?.errors?.[0]?.code }).toEqual({ status: 400, code: 'invalid_file', first: 'size_mismatch' });
    await expectSpentAndEmpty(short.importId);

    // The API still answers normally afterwards.
    expect((await call(api, 'GET', `/api/clients/${clientId}/imports`, { token: staff })).status).toBe(200);
  });
});
