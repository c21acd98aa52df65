/**
 * A credit note the books hold that 2B does not show is no ITC at risk (docs/reconciliation.md,
 * "Credit notes not in 2B"), on the real stack (API, PostgreSQL, Temporal server, real worker): a
 * supplier with one invoice and one credit note, both missing in 2B, has the invoice's ITC at risk
 * only on the run page (total and per head), its supplier line, the runs list, the firm-wide view
 * and the exports (CSV, XLSX, JSON); the credit note's tax is shown on its own, never netted. A
 * books invoice cannot be linked to a 2B credit note (422 document_type_mismatch, nothing written),
 * so no pair carries a credit note's negative ITC at risk that the views would miss. And a 2B credit
 * note the books lack, or hold for less, is ITC at risk, never negative ITC missed (docs/reconciliation.md,
 * "Credit notes in 2B, not in the books"): the API, the stored summary (what a close request's evidence
 * binds to), the CSV, the JSON and the workbook give the same figures.
 */
import * as ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { call } from '../../harness/api';
import { generateReconData, toGstr2bJson, toRegisterCsv } from '../../../ops/bench/recon-data';
import type { BooksRow } from '../../../domain/recon';
import { importFile } from './recon-helpers';
import { eventually, startStack, type Stack } from '../follow-ups/helpers';

jest.setTimeout(180_000);

const PERIOD = '2024-06';
type Heads = { igst: number; cgst: number; sgst: number; cess: number; total: number };
type Summary = { itcAtRisk: number; creditNotesNotIn2b: number; itc: Record<string, Heads> };
type Line = { supplierGstin: string; itcAtRisk: number; creditNotesNotIn2b: number };

const paise = (rupees: number) => Math.round(rupees * 100);

describe('credit notes not in 2B: no ITC at risk on any view', () => {
  let stack: Stack;
  let runId: string;
  let gstin: string;
  /**
   * A supplier with a books invoice missing in 2B, a 2B credit note missing in the books, and a credit
   * note larger in 2B (IGST ₹1,350.00) than in the books (₹900.00).
   */
  let gstin2: string;
  const client = () => stack.firm.clients[0]!;
  const get = async (path: string) => {
    const res = await call(stack.api, 'GET', path, { token: stack.tokens.staff });
    expect(res.status).toBe(200);
    return res.body;
  };
  const download = async (format: string) => {
    const res = await fetch(`${stack.api.url}/api/reconciliations/${runId}/export?format=${format}`, { headers: { authorization: `Bearer ${stack.tokens.staff}` } });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  beforeAll(async () => {
    stack = await startStack({ dayMs: 60_000 });
    const data = generateReconData({ n: 40, seed: 21, period: PERIOD, recipientGstin: client().gstin });
    // One supplier of the data keeps only an invoice and a credit note, both in the books and neither in 2B.
    gstin = data.portal[0]!.supplierGstin;
    const books = data.books.filter((b) => b.supplierGstin !== gstin);
    const portal = data.portal.filter((p) => p.supplierGstin !== gstin);
    const doc = (docType: BooksRow['docType'], n: number, taxable: number, igst: number): BooksRow => ({
      rowRef: `pr.csv:${1000 + n}`, supplierGstin: gstin, supplierName: 'Credit Note Traders', docType, invoiceNumberRaw: `CNT/${n}`,
      invoiceDate: '2024-06-10', voucherNumber: `V${n}`, voucherDate: '2024-06-10', taxableValue: taxable, igst, cgst: 0, sgst: 0, cess: 0,
      invoiceValue: taxable + igst, reverseCharge: false,
    });
    books.push(doc('invoice', 1, 73_750_00, 13_275_00), doc('credit_note', 2, 111_026_00, 19_984_65));
    const note = data.portal.find((p) => p.supplierGstin !== gstin && p.section === 'b2b')!;
    gstin2 = note.supplierGstin;
    const keep = (s: string) => s !== gstin && s !== gstin2;
    books.splice(0, books.length, ...books.filter((b) => b.supplierGstin !== gstin2));
    portal.splice(0, portal.length, ...portal.filter((p) => keep(p.supplierGstin)));
    books.push({ ...doc('invoice', 3, 50_000_00, 9_000_00), supplierGstin: gstin2, supplierName: 'Linked Wrongly Ltd', invoiceNumberRaw: 'LW/77' });
    portal.push({ ...note, ref: `${PERIOD}:cdnr:9001`, period: PERIOD, section: 'cdnr', docType: 'credit_note', numberRaw: 'LWCN/77', taxableValue: 50_000_00, igst: 9_000_00, cgst: 0, sgst: 0, cess: 0, invoiceValue: 59_000_00, itcAvailable: true, date: '2024-06-12' });
    books.push({ ...doc('credit_note', 4, 5_000_00, 900_00), supplierGstin: gstin2, supplierName: 'Linked Wrongly Ltd', invoiceNumberRaw: 'LWCN/88', invoiceDate: '2024-06-14' });
    portal.push({ ...note, ref: `${PERIOD}:cdnr:9002`, period: PERIOD, section: 'cdnr', docType: 'credit_note', numberRaw: 'LWCN/88', taxableValue: 7_500_00, igst: 1_350_00, cgst: 0, sgst: 0, cess: 0, invoiceValue: 8_850_00, itcAvailable: true, date: '2024-06-14' });
    const d = { ...data, books, portal };
    const twoB = await importFile(stack.api, stack.tokens.staff!, client().id, 'gstr2b', PERIOD, toGstr2bJson(d), 'application/json');
    const register = await importFile(stack.api, stack.tokens.staff!, client().id, 'purchase_register', PERIOD, toRegisterCsv(d), 'text/csv');
    const started = await call(stack.api, 'POST', `/api/clients/${client().id}/reconciliations`, { token: stack.tokens.staff, body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId } });
    expect(started.status).toBe(202);
    runId = started.body.runId;
    await eventually('the reconciliation to complete', async () => (await get(`/api/reconciliations/${runId}`)).status === 'completed');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("counts the invoice's ITC only, and shows the credit note on its own, everywhere", async () => {
    const results = (await get(`/api/reconciliations/${runId}/results?limit=500&supplierGstin=${gstin}`)).items as Array<{ category: string; books: { docType: string }; itc: { atRisk: number } }>;
    expect(results.map((r) => [r.category, r.books.docType, r.itc.atRisk]).sort()).toEqual([['missing_in_2b', 'credit_note', 0], ['missing_in_2b', 'invoice', 13_275]]);
    // The stored engine sums still net them (they are the golden output); the views do not.
    const stored = await stack.db.owner('reconciliation_suppliers').where({ run_id: runId, supplier_gstin: gstin }).first();
    expect(Number(stored.itc_at_risk)).toBe(13_275_00 - 19_984_65);

    const lines = (await get(`/api/reconciliations/${runId}/suppliers?limit=500`)).items as Line[];
    const line = lines.find((l) => l.supplierGstin === gstin)!;
    expect({ itcAtRisk: line.itcAtRisk, creditNotesNotIn2b: line.creditNotesNotIn2b }).toEqual({ itcAtRisk: 13_275, creditNotesNotIn2b: 19_984.65 });
    for (const l of lines) expect(l.itcAtRisk).toBeGreaterThanOrEqual(0);

    // The run's figures: every row's shown ITC at risk, none negative, and the lines add up to it.
    const all = (await get(`/api/reconciliations/${runId}/results?limit=500`)).items as Array<{ itc: { atRisk: number } }>;
    for (const r of all) expect(r.itc.atRisk).toBeGreaterThanOrEqual(0);
    const risk = all.reduce((t, r) => t + paise(r.itc.atRisk), 0);
    const page = (await get(`/api/reconciliations/${runId}`)).summary as Summary;
    expect(paise(page.itcAtRisk)).toBe(risk);
    expect(paise(page.itc.atRisk!.total)).toBe(risk);
    const h = page.itc.atRisk!;
    expect(paise(h.igst) + paise(h.cgst) + paise(h.sgst) + paise(h.cess)).toBe(risk);
    expect(lines.reduce((t, l) => t + paise(l.itcAtRisk), 0)).toBe(risk);
    const notes = lines.reduce((t, l) => t + paise(l.creditNotesNotIn2b), 0);
    expect(notes).toBeGreaterThanOrEqual(19_984_65);
    expect(paise(page.creditNotesNotIn2b)).toBe(notes);
    expect(paise(page.itc.creditNotesNotIn2b!.total)).toBe(notes);

    // The runs list, the firm-wide view and the JSON export: the run page's figures.
    const list = ((await get(`/api/reconciliations?clientId=${client().id}`)).items as Array<{ runId: string; summary: Summary }>).find((r) => r.runId === runId)!;
    expect(list.summary).toEqual(page);
    const firmWide = ((await get(`/api/reconciliations?period=${PERIOD}`)).items as Array<{ runId: string; itcAtRisk: number }>).find((r) => r.runId === runId)!;
    expect(paise(firmWide.itcAtRisk)).toBe(risk);
    const json = JSON.parse((await download('json')).toString('utf8')) as { run: { summary: Summary }; suppliers: Line[] };
    expect(json.run.summary).toEqual(page);
    expect(json.suppliers.find((l) => l.supplierGstin === gstin)).toMatchObject({ itcAtRisk: 13_275, creditNotesNotIn2b: 19_984.65 });

    // CSV: the ITC at risk column adds up to the run's figure.
    const csv: string[][] = parse(await download('csv'), { bom: true });
    const col = csv[0]!.indexOf('ITC at risk');
    expect(csv.slice(1).reduce((t, r) => t + paise(Number(r[col] || 0)), 0)).toBe(risk);

    // The workbook: Summary's ITC at risk, the credit notes line under it, and the Suppliers sheet.
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await download('xlsx')) as unknown as ArrayBuffer);
    const summaryTotal = (label: string) => {
      let found: number | null = null;
      book.getWorksheet('Summary')!.eachRow((row) => {
        if (row.getCell(1).text === label) found = paise(Number(row.getCell(8).value ?? 0));
      });
      return found;
    };
    expect(summaryTotal('ITC at risk')).toBe(risk);
    expect(summaryTotal('Credit notes in the books not yet in 2B (not at risk)')).toBe(notes);
    const ws = book.getWorksheet('Suppliers')!;
    const header = ws.getRow(1).values as unknown[];
    let sheetRisk = 0;
    let lineRisk: number | null = null;
    ws.eachRow((row, n) => {
      if (n === 1) return;
      const r = paise(Number(row.getCell(header.indexOf('ITC at risk')).value ?? 0));
      sheetRisk += r;
      if (row.getCell(header.indexOf('Supplier GSTIN')).text === gstin) {
        lineRisk = r;
        expect(paise(Number(row.getCell(header.indexOf('Credit notes not in 2B')).value ?? 0))).toBe(19_984_65);
      }
    });
    expect(sheetRisk).toBe(risk);
    expect(lineRisk).toBe(13_275_00);
  });

  it('refuses to link a books invoice to a 2B credit note (422, nothing written), so every view still agrees with the CSV', async () => {
    type Row = { id: string; category: string; books: { docType: string } | null; portal: { docType: string } | null; itc: { atRisk: number } };
    const rows = (await get(`/api/reconciliations/${runId}/results?limit=500&supplierGstin=${gstin2}`)).items as Row[];
    const invoice = rows.find((r) => r.category === 'missing_in_2b' && r.books?.docType === 'invoice')!;
    const note = rows.find((r) => r.category === 'missing_in_books' && r.portal?.docType === 'credit_note')!;
    expect({ invoice: invoice?.itc.atRisk, note: note?.portal?.docType }).toEqual({ invoice: 9_000, note: 'credit_note' });
    const before = await stack.db.owner('reconciliation_results').where({ run_id: runId }).orderBy('seq').select('seq', 'row');
    const decisions = async () => Number((await stack.db.owner('reconciliation_decisions').where({ client_id: client().id, period: PERIOD }).count({ n: '*' }))[0]!.n);
    const decided = await decisions();

    for (const extra of [{}, { confirmDifferentGstin: true }]) {
      const res = await call(stack.api, 'POST', `/api/reconciliations/${runId}/actions`, { token: stack.tokens.staff, body: { action: 'link', booksResultId: invoice.id, portalResultId: note.id, ...extra } });
      expect({ status: res.status, code: res.body?.error?.code, details: res.body?.error?.details }).toEqual({
        status: 422, code: 'document_type_mismatch', details: { booksDocType: 'invoice', portalDocType: 'credit_note' },
      });
    }
    // Nothing half-written: no decision, the rows as they were.
    expect(await decisions()).toBe(decided);
    expect(await stack.db.owner('reconciliation_results').where({ run_id: runId }).orderBy('seq').select('seq', 'row')).toEqual(before);

    // The run page, the supplier list and the CSV give one ITC at risk, the invoice's tax counted in it.
    const page = (await get(`/api/reconciliations/${runId}`)).summary as Summary;
    const lines = (await get(`/api/reconciliations/${runId}/suppliers?limit=500`)).items as Line[];
    // The invoice missing in 2B, the 2B credit note missing in the books, and the pair's 2B excess.
    expect(lines.find((l) => l.supplierGstin === gstin2)).toMatchObject({ itcAtRisk: 9_000 + 9_000 + 450, creditNotesNotIn2b: 0 });
    const csv: string[][] = parse(await download('csv'), { bom: true });
    const col = csv[0]!.indexOf('ITC at risk');
    const csvRisk = csv.slice(1).reduce((t, r) => t + paise(Number(r[col] || 0)), 0);
    expect({ page: paise(page.itcAtRisk), suppliers: lines.reduce((t, l) => t + paise(l.itcAtRisk), 0) }).toEqual({ page: csvRisk, suppliers: csvRisk });
  });

  it('a 2B credit note the books lack, or hold for less, is ITC at risk and never negative ITC missed, alike on the API, the stored summary and every export', async () => {
    type Row = { category: string; books: { docType: string } | null; portal: { docType: string; invoiceNumber: string } | null; itc: { atRisk: number; missed: number } };
    const rows = (await get(`/api/reconciliations/${runId}/results?limit=500&supplierGstin=${gstin2}`)).items as Row[];
    const show = (r: Row | undefined) => r && { category: r.category, atRisk: r.itc.atRisk, missed: r.itc.missed };
    expect({
      missingInBooks: show(rows.find((r) => r.category === 'missing_in_books' && r.portal?.docType === 'credit_note')),
      largerIn2b: show(rows.find((r) => r.books?.docType === 'credit_note' && r.portal?.docType === 'credit_note')),
    }).toEqual({ missingInBooks: { category: 'missing_in_books', atRisk: 9_000, missed: 0 }, largerIn2b: { category: 'mismatch', atRisk: 450, missed: 0 } });

    // Every row, supplier line and the run: ITC missed never below zero, and the lines and rows add up to the run's.
    const all = (await get(`/api/reconciliations/${runId}/results?limit=500`)).items as Row[];
    expect(all.filter((r) => r.itc.missed < 0)).toEqual([]);
    const missed = all.reduce((t, r) => t + paise(r.itc.missed), 0);
    const risk = all.reduce((t, r) => t + paise(r.itc.atRisk), 0);
    const page = (await get(`/api/reconciliations/${runId}`)).summary as Summary & { itcMissed: number };
    const m = page.itc.missed!;
    expect({ missed: paise(page.itcMissed), risk: paise(page.itcAtRisk) }).toEqual({ missed, risk });
    for (const h of [m.igst, m.cgst, m.sgst, m.cess]) expect(h).toBeGreaterThanOrEqual(0);
    expect(paise(m.igst) + paise(m.cgst) + paise(m.sgst) + paise(m.cess)).toBe(missed);
    const lines = (await get(`/api/reconciliations/${runId}/suppliers?limit=500`)).items as Array<Line & { itcMissed: number }>;
    expect(lines.filter((l) => l.itcMissed < 0)).toEqual([]);
    expect(lines.reduce((t, l) => t + paise(l.itcMissed), 0)).toBe(missed);
    expect(lines.find((l) => l.supplierGstin === gstin2)).toMatchObject({ itcAtRisk: 18_450, itcMissed: 0 });

    // The stored summary (what a close request's evidence binds to) carries the same ITC missed, in paise.
    const stored = (await stack.db.owner('reconciliation_runs').where({ id: runId }).first()).summary as { run: { itc: { missed: Heads } } };
    expect(stored.run.itc.missed.total).toBe(missed);
    for (const h of ['igst', 'cgst', 'sgst', 'cess'] as const) expect(stored.run.itc.missed[h]).toBeGreaterThanOrEqual(0);

    // CSV: its ITC missed and ITC at risk columns add up to the API's; the credit notes' lines as the API's rows.
    const csv: string[][] = parse(await download('csv'), { bom: true });
    const [head, ...body] = csv;
    const col = (name: string) => head!.indexOf(name);
    const sum = (name: string) => body.reduce((t, r) => t + paise(Number(r[col(name)] || 0)), 0);
    expect({ missed: sum('ITC missed'), risk: sum('ITC at risk') }).toEqual({ missed, risk });
    const noteLines = body.filter((r) => ['LWCN/77', 'LWCN/88'].includes(r[col('Invoice no. (2B)')]!))
      .map((r) => [paise(Number(r[col('ITC at risk')] || 0)), paise(Number(r[col('ITC missed')] || 0))]).sort((a, b) => a[0]! - b[0]!);
    expect(noteLines).toEqual([[450_00, 0], [9_000_00, 0]]);

    // JSON: the run and the suppliers as the API shows them; the items add up to the same ITC missed.
    const json = JSON.parse((await download('json')).toString('utf8')) as { run: { summary: Summary }; suppliers: Array<Line & { itcMissed: number }>; items: Row[] };
    expect(json.run.summary).toEqual(page);
    expect(json.items.reduce((t, r) => t + paise(r.itc.missed), 0)).toBe(missed);
    expect(json.suppliers.find((l) => l.supplierGstin === gstin2)).toMatchObject({ itcAtRisk: 18_450, itcMissed: 0 });

    // The workbook: Summary's ITC missed and ITC at risk totals, and the Suppliers sheet's ITC missed column.
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await download('xlsx')) as unknown as ArrayBuffer);
    const summaryTotal = (label: string) => {
      let found: number | null = null;
      book.getWorksheet('Summary')!.eachRow((row) => {
        if (row.getCell(1).text === label) found = paise(Number(row.getCell(8).value ?? 0));
      });
      return found;
    };
    expect({ missed: summaryTotal('ITC missed (in 2B, not in books)'), risk: summaryTotal('ITC at risk') }).toEqual({ missed, risk });
    const ws = book.getWorksheet('Suppliers')!;
    const header = ws.getRow(1).values as unknown[];
    let sheetMissed = 0;
    let line: number[] | null = null;
    ws.eachRow((row, n) => {
      if (n === 1) return;
      const cell = (name: string) => paise(Number(row.getCell(header.indexOf(name)).value ?? 0));
      sheetMissed += cell('ITC missed');
      if (row.getCell(header.indexOf('Supplier GSTIN')).text === gstin2) line = [cell('ITC at risk'), cell('ITC missed')];
    });
    expect({ sheetMissed, line }).toEqual({ sheetMissed: missed, line: [18_450_00, 0] });

    // The supplier's statement: the credit held up is the invoice's alone. The 2B credit notes' ITC at
    // risk is credit the client gives back, not credit the supplier holds up (docs/reconciliation.md).
    const res = await fetch(`${stack.api.url}/api/reconciliations/${runId}/export?format=xlsx&supplierGstin=${gstin2}`, { headers: { authorization: `Bearer ${stack.tokens.staff}` } });
    expect(res.status).toBe(200);
    const letter = new ExcelJS.Workbook();
    await letter.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    let heldUp: unknown = null;
    letter.getWorksheet('Statement')!.eachRow((row) => {
      if (row.getCell(1).text === 'Input tax credit held up until these are corrected') heldUp = row.getCell(4).value;
    });
    expect(heldUp).toBe(9_000);
  });
});
