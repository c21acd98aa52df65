/**
 * A register document while it is read and the canonical BooksRow it becomes: positive
 * magnitudes, a purchase return recorded as negative numbers read as the supplier's credit note,
 * and the optional fields only when the register gave them.
 *
 * Most documents have one line, so a document's BooksRow is built once (`bookRow`), at its first
 * line, with signed amounts that `finishRow` turns into magnitudes in place; only a document that
 * a second line joins (its amounts summed in the row, fields perhaps added out of order) is built
 * again by `bookRow` at the end, so that its fields keep their order.
 */
import type { Keyed } from './register-keys';
import type { BooksRow, DocType } from './types';

/** A document's fields as a line gives them: an optional one empty ('', 0, null, false, absent) when not given. */
export interface RowFields {
  rowRef: string;
  supplierGstin: string;
  docType: DocType;
  invoiceNumberRaw: string;
  invoiceDate: string;
  taxableValue: number;
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
  reverseCharge: boolean;
  supplierName?: string | undefined;
  voucherNumber?: string | undefined;
  voucherDate?: string | undefined;
  invoiceValue?: number | undefined;
  placeOfSupply?: string | null | undefined;
  itcEligible?: boolean | null | undefined;
  portCode?: string | undefined;
  billOfEntryNumber?: string | undefined;
  derivedAmounts?: boolean | undefined;
  dateFallback?: boolean | undefined;
  sourceLines?: string[] | null | undefined;
}

/** The one place a register BooksRow's fields are set: in this order, the optional ones only when given. */
export function bookRow(f: RowFields): BooksRow {
  const row: BooksRow = {
    rowRef: f.rowRef,
    supplierGstin: f.supplierGstin,
    docType: f.docType,
    invoiceNumberRaw: f.invoiceNumberRaw,
    invoiceDate: f.invoiceDate,
    taxableValue: f.taxableValue,
    igst: f.igst,
    cgst: f.cgst,
    sgst: f.sgst,
    cess: f.cess,
    reverseCharge: f.reverseCharge,
  };
  if (f.supplierName) row.supplierName = f.supplierName;
  if (f.voucherNumber) row.voucherNumber = f.voucherNumber;
  if (f.voucherDate) row.voucherDate = f.voucherDate;
  if (f.invoiceValue) row.invoiceValue = f.invoiceValue;
  if (f.placeOfSupply) row.placeOfSupply = f.placeOfSupply;
  if (f.itcEligible !== null && f.itcEligible !== undefined) row.itcEligible = f.itcEligible;
  if (f.portCode) row.portCode = f.portCode;
  if (f.billOfEntryNumber) row.billOfEntryNumber = f.billOfEntryNumber;
  if (f.derivedAmounts) row.derivedAmounts = true;
  if (f.dateFallback) row.dateFallback = true;
  if (f.sourceLines) row.sourceLines = f.sourceLines;
  return row;
}

/** A document being read: its row (amounts signed until `finishRow`), and its key parts for the index. */
export class RegisterDoc implements Keyed {
  /** Every line's reference once a second line joins the first (null while there is one). */
  lines: string[] | null = null;
  /** Set when its heads carry both signs (the sink warns). */
  mixedSigns = false;
  /** Set by `finishRow`, whose work in place must happen once however often the result is asked for. */
  finished = false;
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
 * The document's final row: for a document of several lines its row built again in order, then
 * magnitudes and the type its signed total makes set in place; sets `mixedSigns` when its heads
 * carry both signs. Only the first call does this work; later ones return the same row.
 */
export function finishRow(d: RegisterDoc): BooksRow {
  if (d.finished) return d.row;
  d.finished = true;
  if (d.lines !== null) {
    d.row.sourceLines = d.lines;
    d.row = bookRow(d.row);
  }
  const r = d.row;
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
