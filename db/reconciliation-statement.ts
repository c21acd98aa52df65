/**
 * The per-supplier workbook (GET /api/reconciliations/:runId/export?format=xlsx&supplierGstin=…):
 * a statement the firm attaches to its letter to that supplier (docs/reconciliation.md, "The
 * supplier statement"). Only that supplier's documents and figures, in the supplier's terms ("your
 * GSTR-1", "our books"): a Statement page with the totals at stake and what to do, the documents
 * to correct with the problem in plain words, and the documents that agree. Rows that are the
 * client's own business (duplicates in its books, documents 2B never carries, originals replaced
 * by an amendment) are never shown to a supplier, nor are documents the firm ignored (lineOf),
 * except those a follow-up message still asks about (StatementSource.keepResultIds).
 */
import type * as ExcelJS from 'exceljs';
import { signOf, type Category, type ResultRow } from '../domain/recon';
import { shownRisk } from '../domain/recon/risk-shown';
import { docTypeLabel, fieldLabel } from '../domain/recon/labels';
import { MONEY_FIELDS, rupees } from '../domain/recon/present';
import { formatRupeesText, indianDate, periodName } from '../domain/recon/report-format';
import { resultRows, type ExportSource, type WorkbookFacts } from './reconciliation-export';
import { addRow, commitTable, excelDate, tableSheet, writeHeading, type Cell, type CellKind } from './workbook-cells';

/**
 * The statement's lines: a result category, except that a probable match the firm has accepted (by a
 * reviewer or automatically within its tolerance) is agreed. Its tax counts as matched in the summary
 * and the exports say "Accepted", so the letter does not ask the supplier to confirm it.
 */
type Line = Category | 'accepted_probable';
/** The categories whose rows the statement can ask the supplier to correct (a probable match only until accepted). */
export const TO_CORRECT_CATEGORIES = ['mismatch', 'missing_in_2b', 'missing_in_books', 'probable_match'] as const satisfies readonly Category[];
const TO_CORRECT: readonly Line[] = TO_CORRECT_CATEGORIES;
const AGREED: readonly Line[] = ['exact_match', 'accepted_probable', 'manual_match'];

/**
 * The statement's source. `keepResultIds`: the result rows a follow-up message attaching the
 * statement lists as outstanding items; they stay on the statement even if a reviewer has ignored
 * them since, so the letter and its statement never disagree (docs/reconciliation.md, "The
 * supplier statement").
 */
export type StatementSource = ExportSource & { keepResultIds?: ReadonlySet<string> };

/**
 * A row's line, or null for a row the statement leaves out. A row the firm ignored (a reviewer set
 * it aside with a reason, docs/reconciliation.md "Manual actions") is not asked about: the supplier
 * has nothing to do for it, it does not agree so it is not listed as agreed, and the reason is the
 * firm's own note. Its tax is not counted as held up either. An ignored row that agrees stays agreed,
 * and one in `keep` (a follow-up's outstanding item) stays to correct.
 */
export function lineOf(row: Pick<ResultRow, 'id' | 'category' | 'accepted' | 'userStatus'>, keep?: ReadonlySet<string>): Line | null {
  const line: Line = row.category === 'probable_match' && row.accepted ? 'accepted_probable' : row.category;
  if (row.userStatus === 'ignored' && TO_CORRECT.includes(line) && !keep?.has(row.id)) return null;
  return TO_CORRECT.includes(line) || AGREED.includes(line) ? line : null;
}

export const STATEMENT_ACTIONS: Partial<Record<Line, string>> = {
  missing_in_2b: 'In our books, not in your GSTR-1: please report them, or tell us why not',
  mismatch: 'Reported with different details: please amend your GSTR-1 (details on the next page)',
  missing_in_books: 'In your GSTR-1, not in our books: please send us a copy of each',
  probable_match: 'Reported with small differences: please confirm the details',
  exact_match: 'Agree with your GSTR-1: nothing to do',
  accepted_probable: 'Small differences we have accepted: nothing to do',
  manual_match: 'Agreed after review: nothing to do',
};

/** The problem with one document, in the supplier's terms. */
export function problemText(row: ResultRow, period: string): string {
  if (row.category === 'missing_in_2b') return `Not in your GSTR-1 for ${periodName(period)}`;
  if (row.category === 'missing_in_books') return 'In your GSTR-1; we have not received this document';
  const parts = row.differences.filter((d) => d.material || row.category === 'probable_match').map((d) => {
    const show = (v: string | number | boolean | null): string => {
      if (v === null || v === '') return 'none';
      if (typeof v === 'boolean') return v ? 'yes' : 'no';
      if (MONEY_FIELDS.has(d.field) && typeof v === 'number') return `₹${formatRupeesText(rupees(v))}`;
      if (d.field === 'invoiceDate' && typeof v === 'string') return indianDate(v);
      if (d.field === 'docType' && typeof v === 'string') return docTypeLabel(v);
      return String(v);
    };
    return `${fieldLabel(d.field)}: you reported ${show(d.portal)}; our invoice shows ${show(d.books)}`;
  });
  return parts.join('; ');
}

export const askText = (period: string): string => `Please correct your GSTR-1 for ${periodName(period)} or reply with the reason, quoting the document numbers listed on the next page.`;
export const nothingOutstandingText = (period: string): string => `Nothing is outstanding: no document of yours for ${periodName(period)} needs a correction to your GSTR-1.`;

const heads = (h: { igst: number; cgst: number; sgst: number; cess: number }) => h.igst + h.cgst + h.sgst + h.cess;

export async function writeSupplierStatement(workbook: ExcelJS.stream.xlsx.WorkbookWriter, src: StatementSource, facts: WorkbookFacts): Promise<void> {
  const lineOfRow = (row: ResultRow): Line | null => lineOf(row, src.keepResultIds);
  const sheet = workbook.addWorksheet('Statement', { pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  sheet.columns = [{ width: 62 }, { width: 12 }, { width: 18 }, { width: 18 }];
  // Addressed like a letter: to the supplier, from the firm on behalf of its client (the supplier's customer).
  writeHeading(sheet, facts, `Statement of differences with ${facts.supplierName ?? src.supplierGstin ?? ''}`, [], [
    ['To', facts.supplierName || (src.supplierGstin ?? '')],
    ['Supplier GSTIN', src.supplierGstin ?? ''],
    ['On behalf of', facts.clientName],
    ['Recipient GSTIN', facts.clientGstin],
    ['Return period', periodName(facts.period)],
  ]);
  // One supplier's documents: a few hundred at most, so they are held (for the totals and the two pages).
  const lines: ResultRow[] = [];
  for await (const row of resultRows(src)) if (lineOfRow(row) !== null) lines.push(row);
  const kinds: CellKind[] = ['text', 'count', 'money', 'money'];
  // Signed as the exports sign them (a credit note counts negative); the supplier's own figures for a document our books lack.
  const side = (r: ResultRow) => (r.category === 'missing_in_books' ? r.portal : r.books) ?? r.portal ?? r.books!;
  addRow(sheet, ['Documents', 'Number', 'Taxable value (₹)', 'Tax (₹)'], kinds, { header: true });
  for (const line of [...TO_CORRECT, ...AGREED]) {
    const rows = lines.filter((r) => lineOfRow(r) === line);
    if (rows.length === 0) continue;
    const taxable = rows.reduce((t, r) => t + signOf(side(r).docType) * side(r).taxableValue, 0);
    const tax = rows.reduce((t, r) => t + signOf(side(r).docType) * heads(side(r)), 0);
    const action = STATEMENT_ACTIONS[line] ?? line;
    // The first column holds about 75 characters: a longer request wraps onto a second line.
    addRow(sheet, [action, rows.length, rupees(taxable), rupees(tax)], kinds, action.length > 75 ? { height: 30, wrap: true } : {});
  }
  sheet.addRow([]).commit();
  // What is at stake for our client: the tax it cannot claim until the supplier corrects the
  // documents to correct (an agreed pair's books excess within the run's rules is not the supplier's to correct).
  const toCorrect = lines.filter((r) => TO_CORRECT.includes(lineOfRow(r)!));
  // A credit note's ITC at risk (one 2B shows that the books lack, or hold for less) is credit the
  // client must give back, not credit the supplier holds up: the letter does not count it
  // (docs/reconciliation.md, "Credit notes in 2B, not in the books").
  const atRisk = toCorrect.filter((r) => signOf(side(r).docType) > 0).reduce((t, r) => t + heads(shownRisk(r.itc.atRisk)), 0);
  // Nothing to correct (every document agrees, or the supplier's rows are all the client's own
  // business): the letter says so rather than asking for corrections it cannot list.
  const outstanding = toCorrect.length > 0;
  if (outstanding) addRow(sheet, ['Input tax credit held up until these are corrected', null, null, rupees(atRisk)], kinds, { bold: true });
  sheet.addRow([]).commit();
  const ask = sheet.addRow([outstanding ? askText(facts.period) : nothingOutstandingText(facts.period)]);
  ask.getCell(1).alignment = { wrapText: true };
  ask.commit();
  sheet.commit();

  // Their number and our voucher side by side: the two references a supplier's accountant looks up.
  const columns: Array<{ header: string; width: number; kind: CellKind; wrap?: boolean }> = [
    { header: 'Your invoice no.', width: 18, kind: 'text' },
    { header: 'Our reference', width: 14, kind: 'text' },
    { header: 'Date', width: 12, kind: 'date' },
    { header: 'Type', width: 12, kind: 'text' },
    { header: 'Taxable value', width: 16, kind: 'money' },
    { header: 'IGST', width: 14, kind: 'money' },
    { header: 'CGST', width: 14, kind: 'money' },
    { header: 'SGST', width: 14, kind: 'money' },
    { header: 'Cess', width: 12, kind: 'money' },
    { header: 'Problem', width: 60, kind: 'text', wrap: true },
  ];
  const write = (name: string, keep: readonly Line[], withProblem: boolean) => {
    const cols = withProblem ? columns : columns.filter((c) => c.header !== 'Problem');
    const page = tableSheet(workbook, name, cols, { onePageWide: true });
    for (const row of lines.filter((r) => keep.includes(lineOfRow(r)!))) {
      const doc = row.books ?? null;
      const portal = row.portal ?? null;
      const amounts = doc ?? portal!;
      const problem = problemText(row, facts.period);
      const sign = signOf(amounts.docType);
      const values: Cell[] = [
        portal?.numberRaw ?? doc?.invoiceNumberRaw ?? null,
        doc?.voucherNumber ?? null,
        excelDate(portal?.date ?? doc?.invoiceDate),
        docTypeLabel(doc?.docType ?? portal?.docType),
        ...[amounts.taxableValue, amounts.igst, amounts.cgst, amounts.sgst, amounts.cess].map((p) => rupees(sign * p)),
        ...(withProblem ? [problem] : []),
      ];
      // Rows written in a stream keep their height: a long problem gets the lines it wraps to.
      const lines = withProblem ? Math.ceil(problem.length / 62) : 1;
      addRow(page, values, cols.map((c) => c.kind), lines > 1 ? { height: 15 * lines } : {});
    }
    commitTable(page);
  };
  if (outstanding) write('To correct', TO_CORRECT, true);
  write('Agreed', AGREED, false);
}

