/**
 * A register document as the sink gathers it (the first line's values, amounts summed over the
 * voucher's later lines) and the canonical BooksRow it becomes: positive magnitudes, a purchase
 * return recorded as negative numbers read as the supplier's credit note, and the optional fields
 * only when the register gave them.
 *
 * Most documents have one line, so a document's BooksRow is built once, at its first line, with
 * signed amounts that `finishRow` turns into magnitudes in place; only a document that a second
 * line joins is built again at the end (`booksRowOf`), so that its fields keep their order.
 */
import type { Keyed } from './register-keys';
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

/** A document being read: its row (amounts signed until `finishRow`), and its key parts for the index. */
export class RegisterDoc implements Keyed {
  /** Every line's reference once a second line joins the first (null while there is one). */
  lines: string[] | null = null;
  /** Set when its heads carry both signs (the sink warns). */
  mixedSigns = false;
  keyPart = '';
  keyDate = '';
  constructor(public row: BooksRow, readonly typeHint: DocType | null) {}
}

/** The document type a document's signed total makes of its type (a negative purchase is a credit note). */
function signedDocType(typeHint: DocType | null, signed: number): DocType {
  const docType: DocType = typeHint ?? 'invoice';
  if (signed < 0) {
    // docs/reconciliation.md, "Normalisation": a purchase return recorded as negative numbers
    // is the supplier's credit note.
    if (docType === 'invoice' || docType === 'debit_note') return 'credit_note';
    if (docType === 'isd_invoice') return 'isd_credit_note';
  }
  return docType;
}

/**
 * The document's final row: the first line's row with magnitudes and its type set in place, or
 * for a document of several lines, its row built again (booksRowOf). Sets `mixedSigns` as
 * booksRowOf does.
 */
export function finishRow(d: RegisterDoc): BooksRow {
  const r = d.row;
  if (d.lines !== null) {
    const acc: Acc = {
      ref: r.rowRef, lines: d.lines, supplierGstin: r.supplierGstin, supplierName: r.supplierName ?? '', typeHint: d.typeHint,
      invoiceNumberRaw: r.invoiceNumberRaw, invoiceDate: r.invoiceDate, voucherNumber: r.voucherNumber ?? '', voucherDate: r.voucherDate ?? '',
      dateFallback: r.dateFallback === true, taxable: r.taxableValue, igst: r.igst, cgst: r.cgst, sgst: r.sgst, cess: r.cess,
      invoiceValue: r.invoiceValue ?? 0, pos: r.placeOfSupply ?? '', rcm: r.reverseCharge, itcEligible: r.itcEligible ?? null,
      portCode: r.portCode ?? '', boe: r.billOfEntryNumber ?? '', derived: r.derivedAmounts === true, mixedSigns: d.mixedSigns,
    };
    d.row = booksRowOf(acc);
    d.mixedSigns = acc.mixedSigns;
    return d.row;
  }
  const { taxableValue: t, igst, cgst, sgst, cess } = r;
  if (t < 0 || igst < 0 || cgst < 0 || sgst < 0 || cess < 0) {
    if (t > 0 || igst > 0 || cgst > 0 || sgst > 0 || cess > 0) d.mixedSigns = true;
    r.docType = signedDocType(d.typeHint, t + igst + cgst + sgst + cess);
  }
  r.taxableValue = Math.abs(t);
  r.igst = Math.abs(igst);
  r.cgst = Math.abs(cgst);
  r.sgst = Math.abs(sgst);
  r.cess = Math.abs(cess);
  return r;
}

/** The document's BooksRow; sets `mixedSigns` when its heads carry both signs (the sink warns). */
export function booksRowOf(a: Acc): BooksRow {
  const anyNegative = a.taxable < 0 || a.igst < 0 || a.cgst < 0 || a.sgst < 0 || a.cess < 0;
  if (anyNegative && (a.taxable > 0 || a.igst > 0 || a.cgst > 0 || a.sgst > 0 || a.cess > 0)) a.mixedSigns = true;
  const docType = signedDocType(a.typeHint, a.taxable + a.igst + a.cgst + a.sgst + a.cess);
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
