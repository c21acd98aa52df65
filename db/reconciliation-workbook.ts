/**
 * The XLSX export of a completed run (docs/reconciliation.md, "The workbook"): a Summary a CA can
 * send to the client (the firm and the client first, then the ITC position and the documents by
 * status, per tax head), a Suppliers sheet, one sheet per status with only the columns its rows
 * have, and the mismatches field by field. For one supplier the same call gives a statement to
 * attach to the letter to that supplier (reconciliation-statement.ts).
 *
 * Amounts carry the Indian-grouping format of their magnitude (report-format.ts), negatives with
 * a minus sign in red; dates are real dates; shares are percentages; every header row is frozen
 * and filtered. Rows stream (one category sheet at a time), so a lakh rows never sit in memory.
 */
import { PassThrough, type Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import { CATEGORIES, CATEGORY_SIDES } from '../domain/recon';
import { CATEGORY_LABELS, ITC_FIGURE_LABELS, ITC_SET_ASIDE_LABEL, CREDIT_NOTES_NOT_IN_2B_LABEL, SET_ASIDE_DOCUMENTS_LABEL, fieldLabel } from '../domain/recon/labels';
import { MONEY_FIELDS, rupees } from '../domain/recon/present';
import { columnsFor, reportLine } from '../domain/recon/report-columns';
import { indianDate, istDateTime } from '../domain/recon/report-format';
import { categoryTotals, exportFileName, resultRows, setAsideRows, setAsideTotals, supplierRows, workbookFacts, type CategoryTotals, type ExportSource, type WorkbookFacts } from './reconciliation-export';
import { type StatementSource, writeSupplierStatement } from './reconciliation-statement';
import { addRow, cellKind, commitTable, excelDate, lineCells, sheetName, tableSheet, writeHeading, type Cell, type CellKind } from './workbook-cells';

const HEADS = ['igst', 'cgst', 'sgst', 'cess'] as const;
const SUMMARY_WIDTHS = [38, 12, 18, 16, 16, 16, 14, 18];

function writeSummary(workbook: ExcelJS.stream.xlsx.WorkbookWriter, facts: WorkbookFacts, totals: CategoryTotals, aside: CategoryTotals): void {
  const sheet = workbook.addWorksheet('Summary', { pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  sheet.columns = SUMMARY_WIDTHS.map((width) => ({ width }));
  const tolerance = `₹${rupees(facts.options.amountTolerance).toFixed(2)} per tax head; invoice dates within ${facts.options.dateWindowDays} days`;
  writeHeading(sheet, facts, 'Reconciliation of input tax credit: purchase register and GSTR-2B', [
    ['Reconciled on', facts.completedAt ? `${istDateTime(facts.completedAt)} IST` : ''],
    ['Tolerances', tolerance],
  ]);
  const itc = facts.summary.run.itc;
  const money6: CellKind[] = ['text', 'text', 'text', 'money', 'money', 'money', 'money', 'money'];
  addRow(sheet, ['ITC position (₹)', null, null, 'IGST', 'CGST', 'SGST', 'Cess', 'Total'], money6, { header: true });
  for (const [key, label] of ITC_FIGURE_LABELS) {
    const h = itc[key];
    if (!h) continue;
    addRow(sheet, [label, null, null, ...HEADS.map((k) => rupees(h[k])), rupees(h.total)], money6, { bold: key === 'atRisk' });
    // What a reviewer set aside, right under the ITC at risk it is left out of.
    const aside = itc.setAside;
    if (key === 'atRisk' && aside && aside.total !== 0) addRow(sheet, [ITC_SET_ASIDE_LABEL, null, null, ...HEADS.map((k) => rupees(aside[k])), rupees(aside.total)], money6);
    // Credit notes not in 2B, left out of the ITC at risk and shown on their own (domain/recon/risk-shown.ts).
    const notes = itc.creditNotesNotIn2b;
    if (key === 'atRisk' && notes && notes.total !== 0) addRow(sheet, [CREDIT_NOTES_NOT_IN_2B_LABEL, null, null, ...HEADS.map((k) => rupees(notes[k])), rupees(notes.total)], money6);
  }
  const available = itc.as2b?.total ?? 0;
  if (available > 0) addRow(sheet, ['Share of 2B ITC matched', null, null, null, null, null, null, (itc.matched?.total ?? 0) / available], ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'percent']);
  sheet.addRow([]).commit();

  for (const side of ['books', 'portal'] as const) {
    const kinds: CellKind[] = ['text', 'count', 'money', 'money', 'money', 'money', 'money', 'money'];
    addRow(sheet, [side === 'books' ? 'As per purchase register (₹)' : 'As per GSTR-2B (₹)', 'Documents', 'Taxable value', 'IGST', 'CGST', 'SGST', 'Cess', 'Total tax'], kinds, { header: true });
    const all = { count: 0, taxable: 0, igst: 0, cgst: 0, sgst: 0, cess: 0 };
    for (const c of CATEGORIES) {
      if (CATEGORY_SIDES[c] !== 'both' && CATEGORY_SIDES[c] !== side) continue;
      const t = totals[side][c];
      for (const k of Object.keys(all) as Array<keyof typeof all>) all[k] += t[k];
      addRow(sheet, [CATEGORY_LABELS[c], t.count, rupees(t.taxable), ...HEADS.map((k) => rupees(t[k])), rupees(t.igst + t.cgst + t.sgst + t.cess)], kinds);
      // The status's documents a reviewer set aside, counted in the line above and left out of the ITC at risk (and of the run page's counts).
      const a = aside[side][c];
      if (a.count > 0) addRow(sheet, [SET_ASIDE_DOCUMENTS_LABEL, a.count, rupees(a.taxable), ...HEADS.map((k) => rupees(a[k])), rupees(a.igst + a.cgst + a.sgst + a.cess)], kinds, { subLine: true });
    }
    addRow(sheet, ['Total', all.count, rupees(all.taxable), ...HEADS.map((k) => rupees(all[k])), rupees(all.igst + all.cgst + all.sgst + all.cess)], kinds, { bold: true });
    sheet.addRow([]).commit();
  }
  const note = sheet.addRow(['Credit notes are shown as negative amounts. ITC at risk: tax claimed in the books that GSTR-2B does not support.']);
  note.getCell(1).font = { italic: true, size: 9 };
  note.commit();
  sheet.commit();
}

async function writeSuppliers(workbook: ExcelJS.stream.xlsx.WorkbookWriter, src: ExportSource): Promise<void> {
  const columns: Array<{ header: string; width: number; kind: CellKind }> = [
    { header: 'Supplier GSTIN', width: 19, kind: 'text' },
    { header: 'Supplier name', width: 32, kind: 'text' },
    { header: 'Taxable value (books)', width: 17, kind: 'money' },
    { header: 'Tax (books)', width: 15, kind: 'money' },
    { header: 'Taxable value (2B)', width: 17, kind: 'money' },
    { header: 'Tax (2B)', width: 15, kind: 'money' },
    { header: 'Difference in tax', width: 15, kind: 'money' },
    { header: 'ITC at risk', width: 15, kind: 'money' },
    { header: 'ITC set aside', width: 15, kind: 'money' },
    { header: 'Credit notes not in 2B', width: 15, kind: 'money' },
    { header: 'ITC missed', width: 15, kind: 'money' },
    { header: 'ITC matched', width: 15, kind: 'money' },
    { header: 'Share matched', width: 11, kind: 'percent' },
    { header: 'Last GSTR-1 filed on', width: 13, kind: 'date' },
  ];
  const sheet = tableSheet(workbook, 'Suppliers', columns, { onePageWide: true });
  for (const s of await supplierRows(src)) {
    const values: Cell[] = [s.supplierGstin, s.supplierName, ...[s.booksTaxable, s.booksTax, s.portalTaxable, s.portalTax, s.taxDifference, s.itcAtRisk, s.itcSetAside, s.creditNotesNotIn2b, s.itcMissed, s.itcMatched].map(rupees), s.shareMatched, excelDate(s.lastFilingDate)];
    addRow(sheet, values, columns.map((c) => c.kind));
  }
  commitTable(sheet);
}

async function writeMismatchDetail(workbook: ExcelJS.stream.xlsx.WorkbookWriter, src: ExportSource): Promise<void> {
  const columns: Array<{ header: string; width: number; kind: CellKind }> = [
    { header: 'Supplier GSTIN', width: 19, kind: 'text' },
    { header: 'Supplier name', width: 30, kind: 'text' },
    { header: 'Invoice no. (books)', width: 18, kind: 'text' },
    { header: 'Invoice no. (2B)', width: 18, kind: 'text' },
    { header: 'Date (books)', width: 12, kind: 'date' },
    { header: 'Date (2B)', width: 12, kind: 'date' },
    { header: 'Field', width: 22, kind: 'text' },
    { header: 'As per books', width: 16, kind: 'text' },
    { header: 'As per 2B', width: 16, kind: 'text' },
    { header: 'Difference', width: 15, kind: 'money' },
  ];
  const sheet = tableSheet(workbook, 'Mismatch detail', columns, { onePageWide: true });
  for await (const row of resultRows(src, 'mismatch')) {
    for (const d of row.differences) {
      const isMoney = MONEY_FIELDS.has(d.field);
      const value = (v: unknown): Cell => (v === null || v === undefined ? null : isMoney && typeof v === 'number' ? rupees(v) : typeof v === 'boolean' ? (v ? 'Yes' : 'No') : d.field === 'invoiceDate' ? indianDate(String(v)) : String(v));
      const kinds: CellKind[] = ['text', 'text', 'text', 'text', 'date', 'date', 'text', isMoney ? 'money' : 'text', isMoney ? 'money' : 'text', isMoney ? 'money' : 'count'];
      const delta = d.delta === null ? null : isMoney ? rupees(d.delta) : d.delta;
      addRow(sheet, [row.supplierGstin, row.supplierName, row.books?.invoiceNumberRaw ?? null, row.portal?.numberRaw ?? null, excelDate(row.books?.invoiceDate), excelDate(row.portal?.date), fieldLabel(d.field), value(d.books), value(d.portal), delta], kinds);
    }
  }
  commitTable(sheet);
}

export function xlsxExport(src: StatementSource, options: { generatedAt?: Date } = {}): Readable {
  const out = new PassThrough();
  // Cell text is written as plain strings (never formulas), so client data cannot run in Excel.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });

  async function write() {
    const facts = await workbookFacts(src, options.generatedAt ?? new Date());
    if (src.supplierGstin) {
      await writeSupplierStatement(workbook, src, facts);
      await workbook.commit();
      return;
    }
    const totals = await categoryTotals(src);
    const setAside = await setAsideRows(src);
    writeSummary(workbook, facts, totals, await setAsideTotals(src));
    await writeSuppliers(workbook, src);
    // One sheet per status that has rows, each written and committed before the next begins.
    for (const category of CATEGORIES) {
      // Rows a reviewer set aside are left out of the counts, not out of the sheets.
      if (!((facts.summary.resultCounts[category] ?? 0) + (facts.summary.resultCountsSetAside[category] ?? 0))) continue;
      const columns = columnsFor(category);
      // The reader's columns print; the references (last) stay on screen only.
      const sheet = tableSheet(workbook, sheetName(CATEGORY_LABELS[category]), columns.map((c) => ({ header: c.header, width: c.width, kind: cellKind(c) })), { columns: columns.filter((c) => !c.reference).length });
      const kinds = columns.map(cellKind);
      for await (const row of resultRows(src, category)) addRow(sheet, lineCells(reportLine(row, setAside(row)), columns), kinds);
      commitTable(sheet);
    }
    await writeMismatchDetail(workbook, src);
    await workbook.commit();
  }
  write().catch((error: Error) => out.destroy(error));
  return out;
}


/**
 * One supplier's statement as bytes, for an email attachment (a mismatch follow-up's message): one
 * supplier's documents are few enough to hold, and the sending activity builds it from the stored
 * results each time, so it always shows the run as it is now (manual decisions included).
 */
export async function supplierStatementFile(src: StatementSource & { supplierGstin: string }, names: { clientGstin: string; period: string }): Promise<{ filename: string; content: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const chunk of xlsxExport(src)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return { filename: `${exportFileName({ ...names, supplierGstin: src.supplierGstin })}.xlsx`, content: Buffer.concat(chunks) };
}
