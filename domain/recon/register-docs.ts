/**
 * A register document as the sink gathers it (the first line's values, amounts summed over the
 * voucher's later lines) and the canonical BooksRow it becomes: positive magnitudes, a purchase
 * return recorded as negative numbers read as the supplier's credit note, and the optional fields
 * only when the register gave them.
 */
import type { BooksRow, DocType } from './types';

/** One document being read: the first line's values, summed over the voucher's later lines. */
export interface Acc {
  ref: string;
  /** Every line's reference once a second line joins the first (null while there is one). */
  lines: string[] | null;
  supplierGstin: string;
  supplierName: string;
  typeHint: DocType | null;
  invoiceNumberRaw: string;
  invoiceDate: string;
  voucherNumber: string;
  voucherDate: string;
  dateFallback: boolean;
  taxable: number;
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
  invoiceValue: number;
  pos: string;
  rcm: boolean;
  itcEligible: boolean | null;
  portCode: string;
  boe: string;
  derived: boolean;
  mixedSigns: boolean;
}

/** The document's BooksRow; sets `mixedSigns` when its heads carry both signs (the sink warns). */
export function booksRowOf(a: Acc): BooksRow {
  const signed = a.taxable + a.igst + a.cgst + a.sgst + a.cess;
  let docType: DocType = a.typeHint ?? 'invoice';
  const anyNegative = a.taxable < 0 || a.igst < 0 || a.cgst < 0 || a.sgst < 0 || a.cess < 0;
  if (anyNegative && (a.taxable > 0 || a.igst > 0 || a.cgst > 0 || a.sgst > 0 || a.cess > 0)) a.mixedSigns = true;
  if (signed < 0) {
    // docs/reconciliation.md, "Normalisation": a purchase return recorded as negative numbers
    // is the supplier's credit note.
    if (docType === 'invoice' || docType === 'debit_note') docType = 'credit_note';
    else if (docType === 'isd_invoice') docType = 'isd_credit_note';
  }
  const row: BooksRow = {
    rowRef: a.ref,
    supplierGstin: a.supplierGstin,
    docType,
    invoiceNumberRaw: a.invoiceNumberRaw,
    invoiceDate: a.invoiceDate,
    taxableValue: Math.abs(a.taxable),
    igst: Math.abs(a.igst),
    cgst: Math.abs(a.cgst),
    sgst: Math.abs(a.sgst),
    cess: Math.abs(a.cess),
    reverseCharge: a.rcm,
  };
  if (a.supplierName) row.supplierName = a.supplierName;
  if (a.voucherNumber) row.voucherNumber = a.voucherNumber;
  if (a.voucherDate) row.voucherDate = a.voucherDate;
  if (a.invoiceValue) row.invoiceValue = a.invoiceValue;
  if (a.pos) row.placeOfSupply = a.pos;
  if (a.itcEligible !== null) row.itcEligible = a.itcEligible;
  if (a.portCode) row.portCode = a.portCode;
  if (a.boe) row.billOfEntryNumber = a.boe;
  if (a.derived) row.derivedAmounts = true;
  if (a.dateFallback) row.dateFallback = true;
  if (a.lines !== null) row.sourceLines = a.lines;
  return row;
}
