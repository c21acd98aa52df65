/**
 * Streamed exports of a completed run (docs/reconciliation.md, "Exports" and "The report"), shared by
 * the api's export route and the client export activity (which writes each run's workbook into the ZIP). Rows are read in
 * keyset pages of a few thousand, each page in its own short tenant transaction (row-level
 * security applies; the request's own transaction has committed by the time the body streams), so
 * a lakh rows never sit in memory at once. Completed runs never change, so pages are consistent.
 */
import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import * as ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { CATEGORIES, CATEGORY_LABELS, type Category, type ResultRow, type SupplierSummary } from '../domain/recon';
import { safeCell } from '../domain/csv-safe';
import { presentResult, type presentSummary, presentSupplier, rupees } from '../domain/recon/present';
import { inTenantTransaction, type TenantScope } from './tenant';

const PAGE = 2000;

/** What to export: a run, or only one supplier's part of it (the workbook attached to its follow-up). */
export type ExportSource = { knex: Knex; scope: TenantScope; runId: string; supplierGstin?: string };

/** Result rows in engine order (optionally one category), a page per transaction. */
export async function* resultRows(src: ExportSource, category?: Category): AsyncGenerator<ResultRow> {
  let after = -1;
  for (;;) {
    const rows: Array<{ seq: number; row: ResultRow }> = await inTenantTransaction(src.knex, src.scope, (trx) => {
      const q = trx('reconciliation_results').select('seq', 'row').where({ run_id: src.runId }).where('seq', '>', after).orderBy('seq').limit(PAGE);
      if (category) q.where({ category });
      if (src.supplierGstin) q.where({ supplier_gstin: src.supplierGstin });
      return q;
    });
    for (const r of rows) yield r.row;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.seq;
  }
}

async function supplierRows(src: ExportSource): Promise<SupplierSummary[]> {
  // One line per supplier GSTIN: thousands at most, fine to hold.
  const rows: Array<{ summary: SupplierSummary }> = await inTenantTransaction(src.knex, src.scope, (trx) => {
    const q = trx('reconciliation_suppliers').select('summary').where({ run_id: src.runId }).orderBy([{ column: 'itc_at_risk', order: 'desc' }, { column: 'supplier_gstin' }]);
    if (src.supplierGstin) q.where({ supplier_gstin: src.supplierGstin });
    return q;
  });
  return rows.map((r) => r.summary);
}

/** One flat line per result row: the CSV columns, and the category sheets of the workbook. */
const COLUMNS: Array<{ header: string; key: string; kind: 'text' | 'date' | 'money' | 'bool' }> = [
  { header: 'Category', key: 'category', kind: 'text' },
  { header: 'Reason', key: 'reason', kind: 'text' },
  { header: 'Flags', key: 'flags', kind: 'text' },
  { header: 'Supplier GSTIN', key: 'supplierGstin', kind: 'text' },
  { header: 'Supplier name', key: 'supplierName', kind: 'text' },
  { header: 'Books supplier name', key: 'booksSupplierName', kind: 'text' },
  { header: 'Books row', key: 'booksRowRef', kind: 'text' },
  { header: 'Books voucher no.', key: 'booksVoucher', kind: 'text' },
  { header: 'Books invoice no.', key: 'booksNumber', kind: 'text' },
  { header: 'Books date', key: 'booksDate', kind: 'date' },
  { header: 'Books type', key: 'booksType', kind: 'text' },
  { header: 'Books taxable', key: 'booksTaxable', kind: 'money' },
  { header: 'Books IGST', key: 'booksIgst', kind: 'money' },
  { header: 'Books CGST', key: 'booksCgst', kind: 'money' },
  { header: 'Books SGST', key: 'booksSgst', kind: 'money' },
  { header: 'Books cess', key: 'booksCess', kind: 'money' },
  { header: 'Books POS', key: 'booksPos', kind: 'text' },
  { header: 'Books RCM', key: 'booksRcm', kind: 'bool' },
  { header: '2B section', key: 'portalSection', kind: 'text' },
  { header: '2B invoice no.', key: 'portalNumber', kind: 'text' },
  { header: '2B date', key: 'portalDate', kind: 'date' },
  { header: '2B type', key: 'portalType', kind: 'text' },
  { header: '2B invoice value', key: 'portalValue', kind: 'money' },
  { header: '2B taxable', key: 'portalTaxable', kind: 'money' },
  { header: '2B IGST', key: 'portalIgst', kind: 'money' },
  { header: '2B CGST', key: 'portalCgst', kind: 'money' },
  { header: '2B SGST', key: 'portalSgst', kind: 'money' },
  { header: '2B cess', key: 'portalCess', kind: 'money' },
  { header: '2B POS', key: 'portalPos', kind: 'text' },
  { header: '2B RCM', key: 'portalRcm', kind: 'bool' },
  { header: 'ITC available', key: 'itcAvailable', kind: 'bool' },
  { header: 'Supplier period', key: 'supplierPeriod', kind: 'text' },
  { header: 'Supplier filed on', key: 'supplierFiled', kind: 'date' },
  { header: 'IRN', key: 'irn', kind: 'text' },
  { header: 'Differences', key: 'differences', kind: 'text' },
  { header: 'ITC at risk', key: 'itcAtRisk', kind: 'money' },
  { header: 'ITC missed', key: 'itcMissed', kind: 'money' },
  // Manual decisions (docs/reconciliation.md): the reviewer's mark and the latest decision's note travel with the client's workbook.
  { header: 'Status', key: 'userStatus', kind: 'text' },
  { header: 'Decision note', key: 'decisionNote', kind: 'text' },
];

type Flat = Record<string, string | number | boolean | null>;

function flatten(row: ResultRow): Flat {
  const p = presentResult(row);
  const b = p.books;
  const t = p.portal;
  return {
    category: p.category,
    reason: p.reason,
    flags: p.flags.join(' '),
    supplierGstin: p.supplierGstin,
    supplierName: p.supplierName,
    booksSupplierName: row.books?.supplierName ?? null,
    booksRowRef: b?.rowRef ?? null,
    booksVoucher: b?.voucherNumber ?? null,
    booksNumber: b?.invoiceNumber ?? null,
    booksDate: b?.invoiceDate ?? null,
    booksType: b?.docType ?? null,
    booksTaxable: b?.taxableValue ?? null,
    booksIgst: b?.igst ?? null,
    booksCgst: b?.cgst ?? null,
    booksSgst: b?.sgst ?? null,
    booksCess: b?.cess ?? null,
    booksPos: b?.placeOfSupply ?? null,
    booksRcm: b ? b.reverseCharge : null,
    portalSection: t?.section ?? null,
    portalNumber: t?.invoiceNumber ?? null,
    portalDate: t?.invoiceDate ?? null,
    portalType: t?.docType ?? null,
    portalValue: t?.invoiceValue ?? null,
    portalTaxable: t?.taxableValue ?? null,
    portalIgst: t?.igst ?? null,
    portalCgst: t?.cgst ?? null,
    portalSgst: t?.sgst ?? null,
    portalCess: t?.cess ?? null,
    portalPos: t?.placeOfSupply ?? null,
    portalRcm: t ? t.reverseCharge : null,
    itcAvailable: t ? t.itcAvailable : null,
    supplierPeriod: t?.supplierPeriod ?? null,
    supplierFiled: t?.supplierFilingDate ?? null,
    irn: t?.irn ?? null,
    differences: Object.entries(p.differences)
      .map(([field, d]) => `${field}: ${String(d.books)} / ${String(d.portal)}${d.delta === null ? '' : ` (${d.delta})`}${d.material ? '' : ' (within tolerance)'}`)
      .join('; '),
    itcAtRisk: p.itc.atRisk,
    itcMissed: p.itc.missed,
    userStatus: p.userStatus,
    decisionNote: row.decisions?.at(-1)?.note ?? null,
  };
}

// ---- CSV --------------------------------------------------------------------------------------

export function csvExport(src: ExportSource): Readable {
  async function* records() {
    for await (const row of resultRows(src)) {
      const flat = flatten(row);
      // Every text cell goes through safeCell: supplier names and numbers come from client files.
      yield COLUMNS.map((c) => (c.kind === 'text' || c.kind === 'date' ? safeCell(flat[c.key]) : flat[c.key] === null ? '' : String(flat[c.key])));
    }
  }
  return Readable.from(records()).pipe(stringify({ header: true, columns: COLUMNS.map((c) => c.header) }));
}

// ---- JSON -------------------------------------------------------------------------------------

export function jsonExport(src: ExportSource, run: Record<string, unknown>): Readable {
  async function* chunks() {
    yield `{"run":${JSON.stringify(run)},"suppliers":${JSON.stringify((await supplierRows(src)).map(presentSupplier))},"items":[`;
    let first = true;
    for await (const row of resultRows(src)) {
      yield `${first ? '' : ','}${JSON.stringify(presentResult(row))}`;
      first = false;
    }
    yield ']}';
  }
  return Readable.from(chunks());
}

// ---- XLSX -------------------------------------------------------------------------------------

/** Indian digit grouping (12,34,567.89) with two decimals. */
export const INDIAN_MONEY_FORMAT = '[>=10000000]##\\,##\\,##\\,##0.00;[>=100000]##\\,##\\,##0.00;##,##0.00';
const DATE_FORMAT = 'dd-mm-yyyy';

function excelDate(iso: unknown): Date | null {
  return typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00Z`) : null;
}

function rowValues(flat: Flat): Array<string | number | boolean | Date | null> {
  return COLUMNS.map((c) => {
    const v = flat[c.key] ?? null;
    if (c.kind === 'date') return excelDate(v);
    if (c.kind === 'bool') return v === null ? null : v ? 'Y' : 'N';
    return v;
  });
}

function styleColumns(sheet: ExcelJS.Worksheet, kinds: Array<'text' | 'date' | 'money' | 'bool' | 'number'>, headers: string[]) {
  sheet.columns = headers.map((header, i) => ({
    header,
    width: Math.max(12, Math.min(40, header.length + 4)),
    style: kinds[i] === 'money' ? { numFmt: INDIAN_MONEY_FORMAT } : kinds[i] === 'date' ? { numFmt: DATE_FORMAT } : {},
  }));
}

export function xlsxExport(src: ExportSource, run: ReturnType<typeof presentSummary> & object, meta: Record<string, string>): Readable {
  const out = new PassThrough();
  // Cell text is written as plain strings (never formulas), so client data cannot run in Excel.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });

  async function write() {
    const summary = workbook.addWorksheet('Summary');
    styleColumns(summary, ['text', 'number', 'money', 'money', 'number', 'money', 'money'], ['Item', 'Books count', 'Books taxable', 'Books tax', '2B count', '2B taxable', '2B tax']);
    for (const [k, v] of Object.entries(meta)) summary.addRow([k, v]).commit();
    const supplierLines = await supplierRows(src);
    if (src.supplierGstin) {
      // A supplier's workbook goes to that supplier: its own figures only, never the whole run's.
      const own = supplierLines[0];
      for (const c of CATEGORIES) {
        if (own && (own.booksCounts[c] || own.portalCounts[c])) summary.addRow([CATEGORY_LABELS[c], own.booksCounts[c], null, null, own.portalCounts[c]]).commit();
      }
      if (own) summary.addRow(['Totals', null, rupees(own.booksTaxable), rupees(own.booksTax), null, rupees(own.portalTaxable), rupees(own.portalTax)]).commit();
    } else {
      for (const c of CATEGORIES) {
        const b = run.books[c];
        const p = run.portal[c];
        summary.addRow([CATEGORY_LABELS[c], b?.count ?? 0, b?.taxable ?? 0, b?.tax ?? 0, p?.count ?? 0, p?.taxable ?? 0, p?.tax ?? 0]).commit();
      }
      for (const [k, v] of Object.entries(run.itc)) summary.addRow([`ITC ${k}`, null, null, v.total]).commit();
    }
    summary.commit();

    const suppliers = workbook.addWorksheet('Suppliers');
    styleColumns(
      suppliers,
      ['text', 'text', 'money', 'money', 'money', 'money', 'money', 'money', 'money', 'money', 'number', 'date'],
      ['Supplier GSTIN', 'Supplier name', 'Books taxable', 'Books tax', '2B taxable', '2B tax', 'Difference', 'ITC at risk', 'ITC missed', 'ITC matched', 'Share matched', 'Last GSTR-1 filing'],
    );
    for (const s of supplierLines) {
      suppliers
        .addRow([s.supplierGstin, s.supplierName, rupees(s.booksTaxable), rupees(s.booksTax), rupees(s.portalTaxable), rupees(s.portalTax), rupees(s.taxDifference), rupees(s.itcAtRisk), rupees(s.itcMissed), rupees(s.itcMatched), s.shareMatched, excelDate(s.lastFilingDate)])
        .commit();
    }
    suppliers.commit();

    const kinds = COLUMNS.map((c) => c.kind);
    const headers = COLUMNS.map((c) => c.header);
    // One sheet per category that has rows, each written and committed before the next begins.
    const own = src.supplierGstin ? supplierLines[0] : undefined;
    for (const category of CATEGORIES) {
      const count = own ? own.booksCounts[category] + own.portalCounts[category] : (run.counts[category] ?? 0);
      if (!count) continue;
      const sheet = workbook.addWorksheet(CATEGORY_LABELS[category].slice(0, 31).replace(/[\\/?*[\]:]/g, ' '));
      styleColumns(sheet, kinds, headers);
      for await (const row of resultRows(src, category)) sheet.addRow(rowValues(flatten(row))).commit();
      sheet.commit();
    }

    // Mismatches with the two sides next to each other, one line per differing field.
    const detail = workbook.addWorksheet('Mismatch detail');
    styleColumns(detail, ['text', 'text', 'text', 'text', 'date', 'date', 'text', 'text', 'text', 'text'], ['Supplier GSTIN', 'Supplier name', 'Books invoice no.', '2B invoice no.', 'Books date', '2B date', 'Field', 'Books', '2B', 'Difference']);
    for await (const row of resultRows(src, 'mismatch')) {
      for (const d of row.differences) {
        const money = ['taxableValue', 'igst', 'cgst', 'sgst', 'cess'].includes(d.field);
        const value = (v: unknown) => (money && typeof v === 'number' ? rupees(v) : v === null || v === undefined ? null : String(v));
        detail
          .addRow([row.supplierGstin, row.supplierName, row.books?.invoiceNumberRaw ?? null, row.portal?.numberRaw ?? null, excelDate(row.books?.invoiceDate), excelDate(row.portal?.date), d.field, value(d.books), value(d.portal), d.delta === null ? null : money ? rupees(d.delta) : d.delta])
          .commit();
      }
    }
    detail.commit();
    await workbook.commit();
  }
  write().catch((error: Error) => out.destroy(error));
  return out;
}
