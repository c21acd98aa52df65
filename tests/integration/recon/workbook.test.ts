/**
 * The workbook and the CSV a CA sends (docs/reconciliation.md, "The workbook"), read back after a
 * real run (API, PostgreSQL, Temporal server, real worker): the Summary's heading (firm, client,
 * GSTIN, period, time in IST) and figures per tax head equal to the API's; human labels and no
 * internal code anywhere; every amount in the Indian-grouping format of its magnitude with a red
 * minus for negatives; shares as percentages; frozen, filtered header rows; each status sheet with
 * only its sides' columns, the source positions last and left out of the print; the CSV with the same labels; and one
 * supplier's statement with only that supplier's documents.
 */
import * as ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { CATEGORIES, DIFFERENCE_FIELDS, FLAGS, MATCH_REASONS, OUT_OF_SCOPE_REASONS } from '../../../domain/recon';
import { CATEGORY_LABELS } from '../../../domain/recon/labels';
import { REPORT_COLUMNS } from '../../../domain/recon/report-columns';
import { indianMoneyFormat } from '../../../domain/recon/report-format';
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import type { RunningWorker } from '../../../ops/worker';
import { readZip } from '../data-protection/helpers';
import { importFile, reconData, startReconApi, type ReconApi } from './recon-helpers';

jest.setTimeout(120_000);

const PERIOD = '2024-06';
/** Codes that must never reach a reader: every snake_case or camelCase code of the engine. */
const CODES = [...CATEGORIES, ...MATCH_REASONS, ...OUT_OF_SCOPE_REASONS, ...FLAGS, ...DIFFERENCE_FIELDS, 'atRisk', 'as2b', 'toConfirm', 'notAvailable', 'netDifference'].filter((c) => /_|[a-z][A-Z]/.test(c));
const codePattern = new RegExp(`\\b(${CODES.join('|')})\\b`);

/** A format as ExcelJS reads it back: without the backslashes of literal commas. */
const unescaped = (f: string) => f.replace(/\\/g, '');

let lastBytes: Buffer = Buffer.alloc(0);
async function workbookOf(res: Response): Promise<ExcelJS.Workbook> {
  expect(res.status).toBe(200);
  const book = new ExcelJS.Workbook();
  const bytes = Buffer.from(await res.arrayBuffer());
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  lastBytes = bytes;
  return book;
}

type Found = { sheet: string; ref: string; value: unknown; numFmt: string };
function cells(book: ExcelJS.Workbook): Found[] {
  const out: Found[] = [];
  for (const sheet of book.worksheets) sheet.eachRow((row) => row.eachCell((cell) => out.push({ sheet: sheet.name, ref: cell.address, value: cell.value, numFmt: cell.numFmt })));
  return out;
}

/** The value next to a heading label ("Client", "GSTIN"…) in column A. */
function headingValue(sheet: ExcelJS.Worksheet, label: string): unknown {
  for (let r = 1; r <= 12; r += 1) if (sheet.getRow(r).getCell(1).value === label) return sheet.getRow(r).getCell(2).value;
  return undefined;
}

function rowByLabel(sheet: ExcelJS.Worksheet, label: string): ExcelJS.Row {
  let found: ExcelJS.Row | undefined;
  sheet.eachRow((row) => {
    if (!found && row.getCell(1).value === label) found = row;
  });
  if (!found) throw new Error(`no row "${label}" in ${sheet.name}`);
  return found;
}

function expectTableSheet(sheet: ExcelJS.Worksheet) {
  expect({ sheet: sheet.name, view: sheet.views[0] }).toEqual({ sheet: sheet.name, view: expect.objectContaining({ state: 'frozen', ySplit: 1 }) });
  const headers = (sheet.getRow(1).values as unknown[]).filter((v) => v !== undefined);
  const filter = sheet.autoFilter as unknown as string | { from: unknown; to: unknown };
  // Read back, the filter is the range of the header row: A1 to the last header's column.
  const lastColumn = sheet.getColumn(headers.length).letter;
  expect({ sheet: sheet.name, filter }).toEqual({ sheet: sheet.name, filter: `A1:${lastColumn}1` });
  return headers as string[];
}

describe('the reconciliation workbook and CSV, read back', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let staff: string;
  let runId: string;
  let summary: { itc: Record<string, { igst: number; cgst: number; sgst: number; cess: number; total: number }>; counts: Record<string, number>; results: number };

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 8 });
    const taskQueue = uniqueTaskQueue('recon-workbook');
    temporal = await connectTestTemporal();
    api = await startReconApi(db, { taskQueue });
    worker = await startTestWorker({ knex: db.app, taskQueue });
    firm = await createTestFirm(db, 'Mehta & Associates, Chartered Accountants');
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const client = firm.clients[0]!;
    // Suppliers in the client's state and in others: CGST and SGST as well as IGST carry amounts.
    const data = reconData(client.gstin, 160, 11);
    const twoB = await importFile(api, staff, client.id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    const register = await importFile(api, staff, client.id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    runId = started.body.runId;
    summary = await eventually('the run to complete', async () => {
      const res = await call(api, 'GET', `/api/reconciliations/${runId}`, { token: staff });
      return res.body.status === 'completed' ? res.body.summary : null;
    });
  });
  afterAll(async () => {
    await worker.shutdown();
    await api.close();
    await temporal.close();
    await db.drop();
  });

  type ResultItem = { supplierGstin: string; category: string; accepted?: boolean; itc: { atRisk: number }; books?: { docType: string } | null; portal?: { docType: string } | null };
  async function allResults(): Promise<ResultItem[]> {
    const rows: ResultItem[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(api, 'GET', `/api/reconciliations/${runId}/results?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: staff });
      expect(res.status).toBe(200);
      rows.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return rows;
  }
  const download = (query: string) => fetch(`${api.url}/api/reconciliations/${runId}/export?${query}`, { headers: { authorization: `Bearer ${staff}` } });

  it('opens with the firm and the client, then the ITC position per tax head as the API gives it', async () => {
    const before = Date.now();
    const book = await workbookOf(await download('format=xlsx'));
    const names = book.worksheets.map((w) => w.name);
    expect(names.slice(0, 2)).toEqual(['Summary', 'Suppliers']);
    expect(names).toContain('Mismatch detail');
    for (const c of CATEGORIES) if (summary.counts[c]) expect(names).toContain(CATEGORY_LABELS[c]);

    const sheet = book.getWorksheet('Summary')!;
    expect(sheet.getRow(1).getCell(1).value).toBe(firm.name);
    expect(headingValue(sheet, 'Client')).toBe(firm.clients[0]!.name);
    expect(headingValue(sheet, 'GSTIN')).toBe(firm.clients[0]!.gstin);
    expect(headingValue(sheet, 'Period')).toBe('June 2024');
    const generated = String(headingValue(sheet, 'Generated on'));
    expect(generated).toMatch(/^\d{2}-\d{2}-\d{4} \d{2}:\d{2} IST$/);
    // The time is India's: read back as IST it is the moment of the download (to the minute).
    const [d, mo, y, h, mi] = generated.match(/\d+/g)!.map(Number);
    const asUtc = Date.UTC(y!, mo! - 1, d!, h!, mi!) - 330 * 60_000;
    expect(asUtc).toBeGreaterThanOrEqual(before - 60_000 - (before % 60_000));
    expect(asUtc).toBeLessThanOrEqual(Date.now());

    const heads = rowByLabel(sheet, 'ITC position (₹)');
    expect((heads.values as unknown[]).slice(4, 9)).toEqual(['IGST', 'CGST', 'SGST', 'Cess', 'Total']);
    const risk = rowByLabel(sheet, 'ITC at risk');
    const api = summary.itc.atRisk!;
    expect((risk.values as unknown[]).slice(4, 9)).toEqual([api.igst, api.cgst, api.sgst, api.cess, api.total]);
    // Each head in its own column: intra-state tax under CGST and SGST, inter-state under IGST.
    const as2b = rowByLabel(sheet, 'ITC as per 2B');
    expect((as2b.values as unknown[]).slice(4, 9)).toEqual([summary.itc.as2b!.igst, summary.itc.as2b!.cgst, summary.itc.as2b!.sgst, summary.itc.as2b!.cess, summary.itc.as2b!.total]);
    for (const column of [4, 5, 6]) expect({ column, value: as2b.getCell(column).value }).toEqual({ column, value: expect.any(Number) });
    expect([as2b.getCell(4).value, as2b.getCell(5).value, as2b.getCell(6).value].every((v) => (v as number) > 0)).toBe(true);
    const share = rowByLabel(sheet, 'Share of 2B ITC matched').getCell(8);
    expect(share.numFmt).toMatch(/%/);
    expect(share.value).toBeCloseTo(summary.itc.matched!.total / summary.itc.as2b!.total, 6);
    const texts = cells(book).filter((c) => c.sheet === 'Summary' && typeof c.value === 'string').map((c) => c.value);
    expect(texts).toEqual(expect.arrayContaining(['Matched', 'Probable match', 'Mismatch', 'Missing in 2B', 'Missing in books', 'ITC at risk']));
    // The register's documents by status add up to the run's books rows.
    const booksTotal = rowByLabel(sheet, 'Total');
    expect(booksTotal.getCell(2).value).toBe(CATEGORIES.filter((c) => c !== 'missing_in_books' && c !== 'superseded').reduce((n, c) => n + (summary.counts[c] ?? 0), 0));
  });

  it('formats every amount in Indian grouping with a red minus, and shows no internal code', async () => {
    const book = await workbookOf(await download('format=xlsx'));
    const all = cells(book);
    const numbers = all.filter((c) => typeof c.value === 'number');
    const money = numbers.filter((c) => c.numFmt?.includes('0.00'));
    expect(money.length).toBeGreaterThan(500);
    // ExcelJS drops the backslashes of literal commas when it reads a format back (the file keeps
    // them: checked below in the styles themselves), so compare without them (unescaped).
    expect(money.filter((c) => c.numFmt !== unescaped(indianMoneyFormat(c.value as number)))).toEqual([]);
    const styles = (await readZip(lastBytes)).get('xl/styles.xml')!.toString('utf8');
    const formats = [...styles.matchAll(/formatCode="([^"]*)"/g)].map((m) => m[1]);
    const lakh = indianMoneyFormat(123456.78);
    expect(lakh).toBe('##\\,##\\,##0.00;[Red]-##\\,##\\,##0.00');
    expect(formats).toEqual(expect.arrayContaining([lakh, indianMoneyFormat(12_345_678.9), indianMoneyFormat(-9683.5)]));
    const negatives = money.filter((c) => (c.value as number) < 0);
    expect(negatives.length).toBeGreaterThan(0);
    expect(negatives.filter((c) => !/;\[Red\]-/.test(c.numFmt))).toEqual([]);
    // Every number is an amount, a count, a percentage or a difference in days: none is left unformatted.
    expect(numbers.filter((c) => !c.numFmt || c.numFmt === 'General').map((c) => `${c.sheet}!${c.ref}`)).toEqual([]);
    expect(all.filter((c) => typeof c.value === 'string' && codePattern.test(c.value)).map((c) => `${c.sheet}!${c.ref}: ${String(c.value)}`)).toEqual([]);
    expect(all.filter((c) => c.value instanceof Date && c.numFmt !== 'dd-mm-yyyy')).toEqual([]);
  });

  it('freezes and filters every table, and gives each status sheet only the columns its rows have', async () => {
    const book = await workbookOf(await download('format=xlsx'));
    for (const sheet of book.worksheets.filter((w) => w.name !== 'Summary')) expectTableSheet(sheet);
    const missing2b = expectTableSheet(book.getWorksheet(CATEGORY_LABELS.missing_in_2b)!);
    expect(missing2b.filter((h) => h.includes('(2B)'))).toEqual([]);
    expect(missing2b.slice(0, 4)).toEqual(['Status', 'Reason', 'Supplier GSTIN', 'Supplier name']);
    // The source position comes after every column a reader needs.
    expect(missing2b.indexOf('Source row (books)')).toBeGreaterThan(missing2b.indexOf('Review note'));
    const matched = expectTableSheet(book.getWorksheet(CATEGORY_LABELS.exact_match)!);
    expect(matched).toEqual(expect.arrayContaining(['Taxable value (books)', 'Taxable value (2B)', 'IGST (books)', 'IGST (2B)']));
    expect(book.getWorksheet(CATEGORY_LABELS.exact_match)!.rowCount - 1).toBe(summary.counts.exact_match);
    // It prints the reader's columns of every row: the references after them stay on screen.
    const matchedSheet = book.getWorksheet(CATEGORY_LABELS.exact_match)!;
    const lastReaderColumn = matchedSheet.getColumn(matched.indexOf('Review note') + 1).letter;
    expect(matchedSheet.pageSetup.printArea?.replace(/\$/g, '')).toBe(`A1:${lastReaderColumn}${matchedSheet.rowCount}`);
    const suppliers = book.getWorksheet('Suppliers')!;
    const shareColumn = expectTableSheet(suppliers).indexOf('Share matched') + 1;
    const shares = suppliers.getColumn(shareColumn).values.filter((v) => typeof v === 'number');
    expect(shares.length).toBeGreaterThan(0);
    expect(suppliers.getRow(2).getCell(shareColumn).numFmt).toMatch(/%/);
  });

  it('writes the CSV with the same labels', async () => {
    const res = await download('format=csv');
    expect(res.status).toBe(200);
    // The byte order mark first (Excel reads the file as UTF-8), then the header.
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records: string[][] = parse(bytes, { bom: true });
    expect(records[0]).toEqual(REPORT_COLUMNS.map((c) => c.header));
    expect(records.length - 1).toBe(summary.results);
    const labels = new Set(Object.values(CATEGORY_LABELS));
    expect(records.slice(1).filter((r) => !labels.has(r[0]!))).toEqual([]);
    expect(records.flat().filter((cell) => codePattern.test(cell))).toEqual([]);
    const dateColumn = REPORT_COLUMNS.findIndex((c) => c.key === 'booksDate');
    expect(records.slice(1).map((r) => r[dateColumn]).filter((v) => v && !/^\d{2}-\d{2}-\d{4}$/.test(v))).toEqual([]);
  });

  it("gives one supplier a statement of its own documents, with each problem in words", async () => {
    const suppliers = (await call(api, 'GET', `/api/reconciliations/${runId}/suppliers?limit=500`, { token: staff })).body.items as Array<{ supplierGstin: string; supplierName: string; itcAtRisk: number }>;
    const top = suppliers[0]!;
    expect(top.itcAtRisk).toBeGreaterThan(0);
    const book = await workbookOf(await download(`format=xlsx&supplierGstin=${top.supplierGstin}`));
    expect(book.worksheets.map((w) => w.name)).toEqual(['Statement', 'To correct', 'Agreed']);
    const statement = book.getWorksheet('Statement')!;
    expect(statement.getRow(1).getCell(1).value).toBe(firm.name);
    // Addressed like a letter: to the supplier, on behalf of the client.
    expect(headingValue(statement, 'To')).toBe(top.supplierName);
    expect(headingValue(statement, 'Supplier GSTIN')).toBe(top.supplierGstin);
    expect(headingValue(statement, 'On behalf of')).toBe(firm.clients[0]!.name);
    expect(headingValue(statement, 'Recipient GSTIN')).toBe(firm.clients[0]!.gstin);
    expect(headingValue(statement, 'Return period')).toBe('June 2024');
    // Held up: the tax at risk on the documents the supplier is asked to correct, not on agreed ones
    // (2B can show an agreed document's credit as not available; docs/reconciliation.md).
    const toCorrect = new Set(['missing_in_2b', 'mismatch', 'missing_in_books', 'probable_match']);
    // A credit note's at-risk is credit the client gives back, not credit the supplier holds up.
    const creditNote = (r: ResultItem) => /credit_note/.test((r.category === 'missing_in_books' ? r.portal : r.books)?.docType ?? '');
    const own = (await allResults()).filter((r) => r.supplierGstin === top.supplierGstin && toCorrect.has(r.category) && !(r.category === 'probable_match' && r.accepted) && !creditNote(r));
    const heldUp = own.reduce((t, r) => t + r.itc.atRisk, 0);
    expect(heldUp).toBeGreaterThan(0);
    expect(rowByLabel(statement, 'Input tax credit held up until these are corrected').getCell(4).value).toBeCloseTo(heldUp, 2);
    const toCorrectSheet = book.getWorksheet('To correct')!;
    const headers = expectTableSheet(toCorrectSheet);
    expect(headers.slice(0, 2)).toEqual(['Your invoice no.', 'Our reference']);
    const problem = headers.indexOf('Problem') + 1;
    const problems = toCorrectSheet.getColumn(problem).values.slice(2) as string[];
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.filter((p) => !/^(Not in your GSTR-1 for June 2024|In your GSTR-1; we have not received this document|.+: you reported .+; our invoice shows .+)$/.test(p))).toEqual([]);
    expectTableSheet(book.getWorksheet('Agreed')!);
    // The statement's figures: amounts in the Indian grouping of their magnitude, counts formatted too.
    const numbers = cells(book).filter((c) => typeof c.value === 'number');
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers.filter((c) => !c.numFmt || c.numFmt === 'General').map((c) => `${c.sheet}!${c.ref}`)).toEqual([]);
    expect(numbers.filter((c) => c.numFmt.includes('0.00') && c.numFmt !== unescaped(indianMoneyFormat(c.value as number)))).toEqual([]);
    expect(cells(book).filter((c) => c.value instanceof Date && c.numFmt !== 'dd-mm-yyyy')).toEqual([]);
    const others = new Set(suppliers.slice(1).map((s) => s.supplierGstin));
    expect(cells(book).filter((c) => typeof c.value === 'string' && others.has(c.value))).toEqual([]);
    expect(cells(book).filter((c) => typeof c.value === 'string' && codePattern.test(c.value))).toEqual([]);
  });
});
