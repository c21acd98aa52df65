/**
 * Reviewers' decisions and what the exports then say, on the real stack (API, PostgreSQL, Temporal
 * server, real worker): a repeated mark (a double click, even three requests at once) is recorded
 * once; a link across two supplier GSTINs needs the person's confirmation; an accepted probable
 * match says so in the CSV and the workbook, and its supplier's statement lists it as agreed; the CSV opens with a UTF-8 byte order mark (a
 * Devanagari supplier name survives Excel); a supplier statement for a GSTIN the run does not know
 * is refused, and one for a supplier with nothing to correct says nothing is outstanding; a row a
 * reviewer ignored is not asked about in its supplier's statement (nor listed as agreed), unless
 * the follow-up message it is built for lists it; the credit held up counts only the documents to correct.
 */
import * as ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { gstinCheckCharacter } from '../../../domain/gstin';
import type { BooksRow, PortalDoc } from '../../../domain/recon';
import { REPORT_COLUMNS } from '../../../domain/recon/report-columns';
import { nothingOutstandingText, STATEMENT_ACTIONS } from '../../../db/reconciliation-statement';
import { supplierStatementFile } from '../../../db/reconciliation-workbook';
import { generateReconData, toGstr2bJson, toRegisterCsv } from '../../../ops/bench/recon-data';
import type { RunningWorker } from '../../../ops/worker';
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { importFile, startReconApi, type ReconApi } from './recon-helpers';

jest.setTimeout(120_000);

const PERIOD = '2024-06';
const SETTLED_NAME = 'श्री गणेश ट्रेडर्स';
type Item = {
  id: string; category: string; accepted: boolean; supplierGstin: string; userStatus: string | null;
  decisions: Array<{ action: string; note: string | null }>; differences: Record<string, unknown>; itc: { atRisk: number };
  books: { invoiceNumber: string; docType: string } | null; portal: { invoiceNumber: string; docType: string } | null;
};

/**
 * A supplier with one document that agrees but whose credit 2B shows as not available (its tax is
 * at risk, yet the supplier has nothing to correct) and one booked document missing from 2B.
 */
function heldUpSupplier(recipientGstin: string): { gstin: string; books: BooksRow[]; portal: PortalDoc[] } {
  const first14 = '29AAGCH8888K1Z';
  const gstin = first14 + gstinCheckCharacter(first14);
  const state = recipientGstin.slice(0, 2);
  const doc = (n: string, taxableValue: number, igst: number, row: number) => ({
    rowRef: `pr.csv:${row}`, supplierGstin: gstin, supplierName: 'Held Up Traders', docType: 'invoice', invoiceNumberRaw: n, invoiceDate: '2024-06-12',
    voucherNumber: String(row), voucherDate: '2024-06-12', taxableValue, igst, cgst: 0, sgst: 0, cess: 0, invoiceValue: taxableValue + igst, placeOfSupply: state, reverseCharge: false,
  } as BooksRow);
  const agreed = doc('HU/101', 10_000_00, 1_800_00, 9101);
  const portal = {
    ref: `${PERIOD}:b2b:9101`, section: 'b2b', period: PERIOD, supplierGstin: gstin, supplierName: 'HELD UP TRADERS', supplierPeriod: PERIOD,
    supplierFilingDate: `${PERIOD}-11`, docType: 'invoice', numberRaw: 'HU/101', date: '2024-06-12', invoiceValue: 11_800_00, taxableValue: 10_000_00,
    igst: 1_800_00, cgst: 0, sgst: 0, cess: 0, placeOfSupply: state, reverseCharge: false, itcAvailable: false, diffPercent: 1, supplyType: 'R',
  } as PortalDoc;
  return { gstin, books: [agreed, doc('HU/102', 5_000_00, 900_00, 9102)], portal: [portal] };
}

/** A supplier whose one document agrees exactly with GSTR-2B, named in Devanagari in the books. */
function settledSupplier(recipientGstin: string): { gstin: string; books: BooksRow; portal: PortalDoc } {
  const first14 = '29AAGCS7777K1Z';
  const gstin = first14 + gstinCheckCharacter(first14);
  const state = recipientGstin.slice(0, 2);
  const amounts = { taxableValue: 50_000_00, igst: 9_000_00, cgst: 0, sgst: 0, cess: 0 };
  const books: BooksRow = {
    rowRef: 'pr.csv:999', supplierGstin: gstin, supplierName: SETTLED_NAME, docType: 'invoice', invoiceNumberRaw: 'SG/24-25/000777',
    invoiceDate: '2024-06-10', voucherNumber: '9001', voucherDate: '2024-06-10', ...amounts, invoiceValue: 59_000_00, placeOfSupply: state, reverseCharge: false,
  };
  const portal: PortalDoc = {
    ref: `${PERIOD}:b2b:9001`, section: 'b2b', period: PERIOD, supplierGstin: gstin, supplierName: 'SHREE GANESH TRADERS', supplierPeriod: PERIOD,
    supplierFilingDate: `${PERIOD}-11`, docType: 'invoice', numberRaw: 'SG/24-25/000777', date: '2024-06-10', invoiceValue: 59_000_00, ...amounts,
    placeOfSupply: state, reverseCharge: false, itcAvailable: true, diffPercent: 1, supplyType: 'R',
  } as PortalDoc;
  return { gstin, books, portal };
}

describe('review decisions and the exports that follow them', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let staff: string;
  let runId: string;
  let settled: ReturnType<typeof settledSupplier>;
  let heldUp: ReturnType<typeof heldUpSupplier>;

  async function allRows(): Promise<Item[]> {
    const rows: Item[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(api, 'GET', `/api/reconciliations/${runId}/results?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { token: staff });
      expect(res.status).toBe(200);
      rows.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return rows;
  }
  const rowById = async (id: string) => (await allRows()).find((r) => r.id === id);
  const act = (payload: Record<string, unknown>) => call(api, 'POST', `/api/reconciliations/${runId}/actions`, { token: staff, body: payload });
  const decisionCount = async () => Number((await db.owner('reconciliation_decisions').where({ run_id: runId }).count({ n: '*' }))[0]!.n);
  const download = (query: string) => fetch(`${api.url}/api/reconciliations/${runId}/export?${query}`, { headers: { authorization: `Bearer ${staff}` } });

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 8 });
    const taskQueue = uniqueTaskQueue('recon-review');
    temporal = await connectTestTemporal();
    api = await startReconApi(db, { taskQueue });
    worker = await startTestWorker({ knex: db.app, taskQueue });
    firm = await createTestFirm(db);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const client = firm.clients[0]!;
    const data = generateReconData({ n: 150, seed: 7, period: PERIOD, recipientGstin: client.gstin });
    settled = settledSupplier(client.gstin);
    heldUp = heldUpSupplier(client.gstin);
    const withSettled = { ...data, books: [...data.books, settled.books, ...heldUp.books], portal: [...data.portal, settled.portal, ...heldUp.portal] };
    const twoB = await importFile(api, staff, client.id, 'gstr2b', PERIOD, toGstr2bJson(withSettled), 'application/json');
    const register = await importFile(api, staff, client.id, 'purchase_register', PERIOD, toRegisterCsv(withSettled), 'text/csv');
    expect([twoB.uploaded.status, register.uploaded.status]).toEqual([200, 200]);
    const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    runId = started.body.runId;
    await eventually('the run to complete', async () => ((await call(api, 'GET', `/api/reconciliations/${runId}`, { token: staff })).body.status === 'completed' ? true : null));
  });
  afterAll(async () => {
    await worker.shutdown();
    await api.close();
    await temporal.close();
    await db.drop();
  });

  it('records a repeated mark once, even three identical requests at once', async () => {
    const row = (await allRows()).find((r) => r.category === 'exact_match' && r.supplierGstin !== settled.gstin)!;
    const before = await decisionCount();
    const thrice = async (payload: Record<string, unknown>) => {
      const answers = await Promise.all([act(payload), act(payload), act(payload)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    };
    await thrice({ action: 'pending', resultId: row.id, note: 'ask in July' });
    expect((await rowById(row.id))!.decisions.map((d) => d.action)).toEqual(['pending']);
    await thrice({ action: 'ignore', resultId: row.id, note: 'credit not claimed' });
    await thrice({ action: 'clear', resultId: row.id });
    const after = (await rowById(row.id))!;
    expect({ decisions: after.decisions.map((d) => d.action), userStatus: after.userStatus }).toEqual({ decisions: ['pending', 'ignore', 'clear'], userStatus: null });
    expect(await decisionCount()).toBe(before + 3);
    // Not a repeat: the same mark with another note is a new decision (the note changes).
    expect((await act({ action: 'pending', resultId: row.id, note: 'ask in July' })).status).toBe(200);
    expect((await act({ action: 'pending', resultId: row.id, note: 'ask in August' })).body.items[0].decisions.map((d: { note: string }) => d.note)).toEqual([
      'ask in July', 'credit not claimed', null, 'ask in July', 'ask in August',
    ]);
    expect(await decisionCount()).toBe(before + 5);
  });

  it('refuses a link across two supplier GSTINs unless the person confirms it', async () => {
    const rows = await allRows();
    // Of one type (an invoice never links to a credit note: document_type_mismatch, whatever the GSTINs).
    const pairs = rows.flatMap((b) => rows.filter((p) => b.category === 'missing_in_2b' && p.category === 'missing_in_books' && p.supplierGstin !== b.supplierGstin && b.books!.docType === p.portal!.docType).map((p) => [b, p] as const));
    const [books, portal] = pairs[0]!;
    const before = await decisionCount();
    const refused = await act({ action: 'link', booksResultId: books.id, portalResultId: portal.id });
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 422, code: 'gstin_mismatch' });
    expect(refused.body.error.details).toEqual({ booksSupplierGstin: books.supplierGstin, portalSupplierGstin: portal.supplierGstin });
    expect(refused.body.error.message).toContain('confirmDifferentGstin');
    // Nothing written: both rows stand as they were, no decision stored.
    const ids = (await allRows()).map((r) => r.id);
    expect([ids.includes(books.id), ids.includes(portal.id), await decisionCount()]).toEqual([true, true, before]);

    // Only a real true confirms: a string is bad input, not a yes.
    const stringly = await act({ action: 'link', booksResultId: books.id, portalResultId: portal.id, confirmDifferentGstin: 'true' });
    expect({ status: stringly.status, code: stringly.body.error?.code, decisions: await decisionCount() }).toEqual({ status: 400, code: 'invalid_input', decisions: before });
    const linked = await act({ action: 'link', booksResultId: books.id, portalResultId: portal.id, confirmDifferentGstin: true });
    expect(linked.status).toBe(200);
    // Filed under the GSTIN GSTR-2B shows, the other one kept as a difference.
    expect(linked.body.items[0]).toMatchObject({ category: 'manual_match', supplierGstin: portal.supplierGstin });
    expect(linked.body.items[0].differences.supplierGstin).toMatchObject({ books: books.supplierGstin, portal: portal.supplierGstin, material: true });
    expect(linked.body.removed).toEqual([portal.id]);
  });

  it('shows an accepted probable match as accepted in the CSV and the workbook', async () => {
    const rows = await allRows();
    const open = rows.find((r) => r.category === 'probable_match' && !r.accepted)!;
    const auto = rows.find((r) => r.category === 'probable_match' && r.accepted)!;
    const accepted = await Promise.all([act({ action: 'accept', resultId: open.id }), act({ action: 'accept', resultId: open.id })]);
    expect(accepted.map((a) => [a.status, a.body.items[0].accepted])).toEqual([[200, true], [200, true]]);
    expect((await rowById(open.id))!.decisions.map((d) => d.action)).toEqual(['accept']);

    const res = await download('format=csv');
    expect(res.status).toBe(200);
    const records: string[][] = parse(Buffer.from(await res.arrayBuffer()), { bom: true });
    const column = (key: string) => REPORT_COLUMNS.findIndex((c) => c.key === key);
    const lineOf = (row: Item) => records.find((r) => r[column('booksNumber')] === row.books!.invoiceNumber && r[column('portalNumber')] === row.portal!.invoiceNumber)!;
    expect([lineOf(open)[column('category')], lineOf(open)[column('userStatus')]]).toEqual(['Probable match', 'Accepted by reviewer']);
    expect(lineOf(auto)[column('userStatus')]).toBe('Accepted automatically');

    const book = new ExcelJS.Workbook();
    const download2 = await download('format=xlsx');
    await book.xlsx.load((await download2.arrayBuffer()) as ArrayBuffer);
    const sheet = book.getWorksheet('Probable match')!;
    const headers = sheet.getRow(1).values as unknown[];
    const review = headers.indexOf('Review');
    const booksNo = headers.indexOf('Invoice no. (books)');
    const reviews: unknown[] = [];
    sheet.eachRow((r) => {
      if (r.getCell(booksNo).value === open.books!.invoiceNumber) reviews.push(r.getCell(review).value);
    });
    expect(reviews).toEqual(['Accepted by reviewer']);
  });

  it("lists an accepted probable match as agreed in its supplier's statement, not as a detail to confirm", async () => {
    const rows = await allRows();
    // The probable match a reviewer accepted above, and every accepted one of its supplier.
    const open = rows.find((r) => r.category === 'probable_match' && r.decisions.some((d) => d.action === 'accept'))!;
    expect(open).toBeDefined();
    const ofSupplier = rows.filter((r) => r.supplierGstin === open.supplierGstin);
    const accepted = ofSupplier.filter((r) => r.category === 'probable_match' && r.accepted);
    const unaccepted = ofSupplier.filter((r) => r.category === 'probable_match' && !r.accepted);
    const res = await download(`format=xlsx&supplierGstin=${open.supplierGstin}`);
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
    const column = (sheet: string, header: string): unknown[] => {
      const ws = book.getWorksheet(sheet);
      if (!ws) return [];
      const at = (ws.getRow(1).values as unknown[]).indexOf(header);
      return (ws.getColumn(at).values as unknown[]).slice(2);
    };
    const number = (r: Item) => r.portal!.invoiceNumber;
    expect(column('Agreed', 'Your invoice no.')).toContain(number(open));
    expect(column('To correct', 'Your invoice no.')).not.toContain(number(open));
    const statement = new Map<string, unknown>();
    book.getWorksheet('Statement')!.eachRow((r) => statement.set(String(r.getCell(1).value), r.getCell(2).value));
    expect({
      accepted: statement.get(STATEMENT_ACTIONS.accepted_probable!),
      toConfirm: statement.get(STATEMENT_ACTIONS.probable_match!),
    }).toEqual({ accepted: accepted.length, toConfirm: unaccepted.length || undefined });
  });

  it('opens the CSV with a UTF-8 byte order mark, so a Devanagari supplier name survives Excel', async () => {
    const res = await download('format=csv');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.slice(1, 7)).toBe('Status');
    const records: string[][] = parse(bytes, { bom: true });
    expect(records[0]).toEqual(REPORT_COLUMNS.map((c) => c.header));
    expect(records.flat()).toContain(SETTLED_NAME);
    // The mark is the file's first three bytes only (not one per streamed chunk). Neutralised
    // formula cells under the mark are asserted in reconciliation-flow.test.ts.
    expect(text.indexOf('\uFEFF', 1)).toBe(-1);
  });

  it('refuses a supplier statement for a GSTIN the run does not know, in every format', async () => {
    const first14 = '27AAAAA0000A1Z';
    const stranger = first14 + gstinCheckCharacter(first14);
    const before = Number((await db.owner('audit_events').where({ action: 'reconciliation.exported' }).count({ n: '*' }))[0]!.n);
    for (const format of ['xlsx', 'csv', 'json']) {
      const res = await call(api, 'GET', `/api/reconciliations/${runId}/export?format=${format}&supplierGstin=${stranger}`, { token: staff });
      expect({ format, status: res.status, error: res.body.error }).toEqual({
        format, status: 422, error: expect.objectContaining({ code: 'supplier_not_in_reconciliation', details: { supplierGstins: [stranger] } }),
      });
    }
    expect(Number((await db.owner('audit_events').where({ action: 'reconciliation.exported' }).count({ n: '*' }))[0]!.n)).toBe(before);
  });

  it('gives a supplier with nothing to correct a statement that says nothing is outstanding', async () => {
    const res = await download(`format=xlsx&supplierGstin=${settled.gstin}`);
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Statement', 'Agreed']);
    const texts: string[] = [];
    book.getWorksheet('Statement')!.eachRow((r) => r.eachCell((c) => { if (typeof c.value === 'string') texts.push(c.value); }));
    expect(texts).toContain(nothingOutstandingText(PERIOD));
    expect(texts.filter((t) => /Please correct|held up/.test(t))).toEqual([]);
    expect(texts).toContain('Agree with your GSTR-1: nothing to do');
    expect(book.getWorksheet('Agreed')!.rowCount).toBe(2);
  });

  async function statementBook(gstin: string): Promise<ExcelJS.Workbook> {
    const res = await download(`format=xlsx&supplierGstin=${gstin}`);
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
    return book;
  }
  const statementLines = (book: ExcelJS.Workbook) => {
    const lines = new Map<string, unknown[]>();
    book.getWorksheet('Statement')!.eachRow((r) => lines.set(String(r.getCell(1).value), [r.getCell(2).value, r.getCell(4).value]));
    return lines;
  };

  it('counts as credit held up only the documents the supplier is asked to correct, not an agreed one whose credit 2B shows as not available', async () => {
    const rows = (await allRows()).filter((r) => r.supplierGstin === heldUp.gstin);
    const [agreed, missing] = [rows.find((r) => r.category === 'exact_match')!, rows.find((r) => r.category === 'missing_in_2b')!];
    // Both carry ITC at risk: the agreed one because 2B shows its credit as not available.
    expect([agreed.itc.atRisk, missing.itc.atRisk]).toEqual([1_800, 900]);
    const lines = statementLines(await statementBook(heldUp.gstin));
    expect(lines.get('Input tax credit held up until these are corrected')?.[1]).toBe(900);
    expect(lines.get(STATEMENT_ACTIONS.exact_match!)?.[0]).toBe(1);
  });

  it("leaves a row a reviewer ignored out of its supplier's statement: not to correct, not agreed, not held up", async () => {
    const TO_CORRECT = ['mismatch', 'missing_in_2b', 'missing_in_books', 'probable_match'];
    const asked = (r: Item) => (TO_CORRECT.includes(r.category) && !(r.category === 'probable_match' && r.accepted));
    const rows = await allRows();
    // A supplier with at least two documents to correct that no earlier test touched.
    const bySupplier = new Map<string, Item[]>();
    for (const r of rows) if (asked(r) && r.decisions.length === 0) bySupplier.set(r.supplierGstin, [...(bySupplier.get(r.supplierGstin) ?? []), r]);
    const [gstin, open] = [...bySupplier].find(([g, list]) => list.length >= 2 && rows.filter((r) => r.supplierGstin === g && asked(r)).length === list.length)!;
    const number = (r: Item) => r.portal?.invoiceNumber ?? r.books!.invoiceNumber;
    const statementOf = async () => {
      const res = await download(`format=xlsx&supplierGstin=${gstin}`);
      expect(res.status).toBe(200);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
      const column = (sheet: string): unknown[] => {
        const ws = book.getWorksheet(sheet);
        if (!ws) return [];
        return (ws.getColumn((ws.getRow(1).values as unknown[]).indexOf('Your invoice no.')).values as unknown[]).slice(2);
      };
      const lines = new Map<string, unknown[]>();
      book.getWorksheet('Statement')!.eachRow((r) => lines.set(String(r.getCell(1).value), [r.getCell(2).value, r.getCell(4).value]));
      return { sheets: book.worksheets.map((w) => w.name), toCorrect: column('To correct'), agreed: column('Agreed'), lines };
    };
    const count = (list: Item[], category: string) => list.filter((r) => r.category === category).length || undefined;

    const before = await statementOf();
    expect(before.toCorrect.sort()).toEqual(open.map(number).sort());
    const ignored = open[0]!;
    expect((await act({ action: 'ignore', resultId: ignored.id, note: 'not our purchase, credit not claimed' })).status).toBe(200);
    const rest = open.slice(1);
    const after = await statementOf();
    expect({
      toCorrect: after.toCorrect.sort(), agreed: after.agreed.includes(number(ignored)),
      count: after.lines.get(STATEMENT_ACTIONS[ignored.category as keyof typeof STATEMENT_ACTIONS]!)?.[0], heldUp: after.lines.get('Input tax credit held up until these are corrected')?.[1],
    }).toEqual({
      toCorrect: rest.map(number).sort(), agreed: false, count: count(rest, ignored.category),
      // The figure counts the ITC at risk of the documents to correct: less exactly the ignored row's.
      heldUp: Math.round(((before.lines.get('Input tax credit held up until these are corrected')![1] as number) - ignored.itc.atRisk) * 100) / 100,
    });
    // Every document set aside: nothing is asked of the supplier any more.
    for (const r of rest) expect((await act({ action: 'ignore', resultId: r.id, note: 'settled with the supplier' })).status).toBe(200);
    const none = await statementOf();
    expect(none.sheets).toEqual(['Statement', 'Agreed']);
    expect(none.lines.has(nothingOutstandingText(PERIOD))).toBe(true);
    expect(none.agreed.filter((n) => open.map(number).includes(n as string))).toEqual([]);

    // The statement built for a follow-up message (the builder alone, as the sending activity calls
    // it) keeps the ignored rows that message still lists as outstanding items.
    const kept = await supplierStatementFile(
      { knex: db.app, scope: { firmId: firm.id, actor: { userId: null, email: 'system:test', role: 'system' } }, runId, supplierGstin: gstin, keepResultIds: new Set([ignored.id]) },
      { clientGstin: firm.clients[0]!.gstin, period: PERIOD },
    );
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(kept.content as unknown as ArrayBuffer);
    const ws = book.getWorksheet('To correct')!;
    expect(ws).toBeDefined();
    expect((ws.getColumn((ws.getRow(1).values as unknown[]).indexOf('Your invoice no.')).values as unknown[]).slice(2)).toEqual([number(ignored)]);
    expect(statementLines(book).get('Input tax credit held up until these are corrected')?.[1]).toBe(ignored.itc.atRisk);
  });
});
