/**
 * The document view of an export (docs/reconciliation.md, "The workbook"): one line per result
 * row, in rupees, with the labels of labels.ts. The CSV carries every column; a workbook sheet
 * carries the reader's columns of the sides its category has, with the reference columns (voucher,
 * the row's position in the source file, the 2B section and filing details) at the end.
 *
 * Amounts are signed as the summary signs them: a credit note's taxable value and tax are
 * negative, so a column's sum is what the documents add to.
 */
import { CATEGORY_SIDES, type Category } from './categories';
import { categoryLabel, docTypeLabel, fieldLabel, flagLabels, reasonLabel, reviewLabel, sectionLabel } from './labels';
import type { ResultRow } from './matcher';
import { signOf } from './normalise';
import { MONEY_FIELDS, rupees } from './present';
import { formatRupeesText, indianDate } from './report-format';
import { shownRisk } from './risk-shown';

export type ColumnKind = 'text' | 'date' | 'money' | 'yesno';
/** Which side's document a column shows (null: the row itself). */
type Side = 'books' | 'portal' | null;

/** `reference`: where a document came from (voucher, source row, 2B section…), kept at the end. */
export type ReportColumn = { header: string; key: string; kind: ColumnKind; side: Side; reference: boolean; width: number };

const col = (header: string, key: string, kind: ColumnKind, side: Side | 'reference-books' | 'reference-portal', width = kind === 'money' ? 15 : kind === 'date' ? 12 : 14): ReportColumn => ({
  header,
  key,
  kind,
  side: side === 'reference-books' ? 'books' : side === 'reference-portal' ? 'portal' : side,
  reference: side === 'reference-books' || side === 'reference-portal',
  width,
});

export const REPORT_COLUMNS: readonly ReportColumn[] = [
  col('Status', 'category', 'text', null, 18),
  col('Reason', 'reason', 'text', null, 30),
  col('Supplier GSTIN', 'supplierGstin', 'text', null, 19),
  col('Supplier name', 'supplierName', 'text', null, 30),
  col('Invoice no. (books)', 'booksNumber', 'text', 'books', 18),
  col('Date (books)', 'booksDate', 'date', 'books'),
  col('Type (books)', 'booksType', 'text', 'books', 12),
  col('Taxable value (books)', 'booksTaxable', 'money', 'books', 17),
  col('IGST (books)', 'booksIgst', 'money', 'books'),
  col('CGST (books)', 'booksCgst', 'money', 'books'),
  col('SGST (books)', 'booksSgst', 'money', 'books'),
  col('Cess (books)', 'booksCess', 'money', 'books', 12),
  col('Invoice no. (2B)', 'portalNumber', 'text', 'portal', 18),
  col('Date (2B)', 'portalDate', 'date', 'portal'),
  col('Type (2B)', 'portalType', 'text', 'portal', 12),
  col('Taxable value (2B)', 'portalTaxable', 'money', 'portal', 17),
  col('IGST (2B)', 'portalIgst', 'money', 'portal'),
  col('CGST (2B)', 'portalCgst', 'money', 'portal'),
  col('SGST (2B)', 'portalSgst', 'money', 'portal'),
  col('Cess (2B)', 'portalCess', 'money', 'portal', 12),
  col('ITC available (2B)', 'itcAvailable', 'yesno', 'portal', 10),
  col('Differences', 'differences', 'text', null, 45),
  col('ITC at risk', 'itcAtRisk', 'money', null),
  col('ITC set aside', 'itcSetAside', 'money', null),
  col('ITC missed', 'itcMissed', 'money', null),
  col('Remarks', 'flags', 'text', null, 30),
  col('Review', 'userStatus', 'text', null, 14),
  col('Review note', 'decisionNote', 'text', null, 30),
  // References: where each document came from, for whoever checks the working.
  col('Voucher no. (books)', 'booksVoucher', 'text', 'reference-books', 16),
  col('Source row (books)', 'booksRowRef', 'text', 'reference-books', 20),
  col('Supplier name (books)', 'booksSupplierName', 'text', 'reference-books', 24),
  col('Place of supply (books)', 'booksPos', 'text', 'reference-books', 10),
  col('Reverse charge (books)', 'booksRcm', 'yesno', 'reference-books', 10),
  col('2B section', 'portalSection', 'text', 'reference-portal', 14),
  col('Place of supply (2B)', 'portalPos', 'text', 'reference-portal', 10),
  col('Reverse charge (2B)', 'portalRcm', 'yesno', 'reference-portal', 10),
  col('Invoice value (2B)', 'portalValue', 'money', 'reference-portal', 16),
  col('Supplier return period', 'supplierPeriod', 'text', 'reference-portal', 12),
  col('Supplier filed on', 'supplierFiled', 'date', 'reference-portal'),
  col('IRN', 'irn', 'text', 'reference-portal', 20),
];

/** The columns of a category's sheet: the sides it has, references last. */
export function columnsFor(category: Category): ReportColumn[] {
  const sides = CATEGORY_SIDES[category];
  return REPORT_COLUMNS.filter((c) => c.side === null || sides === 'both' || sides === c.side);
}

export type ReportValue = string | number | boolean | null;
export type ReportLine = Record<string, ReportValue>;

function differenceText(row: ResultRow): string {
  return row.differences
    .map((d) => {
      const show = (v: ReportValue): string => {
        if (v === null) return '—';
        if (typeof v === 'boolean') return v ? 'Yes' : 'No';
        if (MONEY_FIELDS.has(d.field) && typeof v === 'number') return formatRupeesText(rupees(v));
        if (d.field === 'invoiceDate' && typeof v === 'string') return indianDate(v);
        if (d.field === 'docType' && typeof v === 'string') return docTypeLabel(v);
        return String(v);
      };
      const delta = d.delta === null ? '' : MONEY_FIELDS.has(d.field) ? ` (difference ${formatRupeesText(rupees(d.delta))})` : d.field === 'invoiceDate' ? ` (${Math.abs(d.delta)} days apart)` : '';
      return `${fieldLabel(d.field)}: books ${show(d.books)}, 2B ${show(d.portal)}${delta}${d.material ? '' : ', within tolerance'}`;
    })
    .join('; ');
}

/**
 * One result row as a report line: labels for codes, signed rupees for paise, ISO dates kept (the writer decides their form).
 * `setAside`: a reviewer's mark sets the row aside (db/reconciliation-set-aside.ts decides): its ITC
 * at risk moves to the "ITC set aside" column, so each column sums to the run's figure of that name.
 */
export function reportLine(row: ResultRow, setAside = false): ReportLine {
  // A credit note not in 2B is no risk (risk-shown.ts).
  const risk = shownRisk(row.itc.atRisk);
  const atRisk = rupees(risk.igst + risk.cgst + risk.sgst + risk.cess);
  const b = row.books;
  const p = row.portal;
  const bs = b ? signOf(b.docType) : 1;
  const ps = p ? signOf(p.docType) : 1;
  return {
    category: categoryLabel(row.category),
    reason: reasonLabel(row.reason),
    supplierGstin: row.supplierGstin,
    supplierName: row.supplierName,
    booksNumber: b?.invoiceNumberRaw ?? null,
    booksDate: b?.invoiceDate ?? null,
    booksType: b ? docTypeLabel(b.docType) : null,
    booksTaxable: b ? rupees(bs * b.taxableValue) : null,
    booksIgst: b ? rupees(bs * b.igst) : null,
    booksCgst: b ? rupees(bs * b.cgst) : null,
    booksSgst: b ? rupees(bs * b.sgst) : null,
    booksCess: b ? rupees(bs * b.cess) : null,
    portalNumber: p?.numberRaw ?? null,
    portalDate: p?.date ?? null,
    portalType: p ? docTypeLabel(p.docType) : null,
    portalTaxable: p ? rupees(ps * p.taxableValue) : null,
    portalIgst: p ? rupees(ps * p.igst) : null,
    portalCgst: p ? rupees(ps * p.cgst) : null,
    portalSgst: p ? rupees(ps * p.sgst) : null,
    portalCess: p ? rupees(ps * p.cess) : null,
    itcAvailable: p ? p.itcAvailable : null,
    differences: differenceText(row),
    itcAtRisk: setAside ? 0 : atRisk,
    itcSetAside: setAside ? atRisk : null,
    itcMissed: rupees(row.itc.missed.igst + row.itc.missed.cgst + row.itc.missed.sgst + row.itc.missed.cess),
    flags: [flagLabels(row.flags), ...row.hints].filter(Boolean).join('; '),
    userStatus: reviewLabel(row),
    decisionNote: row.decisions?.at(-1)?.note ?? null,
    booksVoucher: b?.voucherNumber ?? null,
    booksRowRef: b?.rowRef ?? null,
    booksSupplierName: b?.supplierName ?? null,
    booksPos: b?.placeOfSupply ?? null,
    booksRcm: b ? b.reverseCharge : null,
    portalSection: p ? sectionLabel(p.section) : null,
    portalPos: p?.placeOfSupply ?? null,
    portalRcm: p ? p.reverseCharge : null,
    portalValue: p ? rupees(ps * p.invoiceValue) : null,
    supplierPeriod: p?.supplierPeriod ?? null,
    supplierFiled: p?.supplierFilingDate ?? null,
    irn: p?.irn ?? null,
  };
}
