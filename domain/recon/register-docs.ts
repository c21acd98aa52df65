/**
 * A register document while it is read and the canonical BooksRow it becomes: positive
 * magnitudes, a purchase return recorded as negative numbers read as the supplier's credit note,
 * and the optional fields only when the register gave them.
 *
 * Most documents have one line, so a document's BooksRow is built once (`bookRow`), at its first
 * line, with signed amounts and the type it was read with, which `finishRow` turns into magnitudes
 * and the final type in place; only a document that a second line joins (its amounts summed in the
 * row, fields perhaps added out of order) is built again by `bookRow` at the end, so that its
 * fields keep their order.
 */
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

/**
 * A register document's row as an instance of one class: V8 sizes a class's objects for the
 * fields its first instances ended up with (in-object slack tracking), so the optional fields
 * set after the required ones sit in the object itself. A literal's object holds only the fields
 * written in it, and each row's optional fields (most rows have a name, a voucher number and
 * date, an invoice value) went to a property array of their own, allocated and then grown. Only
 * the fields given are set, in the same order, so the row's keys, JSON and equality are the
 * literal's.
 */
class RegisterRow implements BooksRow {
  declare rowRef: string;
  declare supplierGstin: string;
  declare docType: DocType;
  declare invoiceNumberRaw: string;
  declare invoiceDate: string;
  declare taxableValue: number;
  declare igst: number;
  declare cgst: number;
  declare sgst: number;
  declare cess: number;
  declare reverseCharge: boolean;
  declare supplierName?: string;
  declare voucherNumber?: string;
  declare voucherDate?: string;
  declare invoiceValue?: number;
  declare placeOfSupply?: string;
  declare itcEligible?: boolean;
  declare portCode?: string;
  declare billOfEntryNumber?: string;
  declare derivedAmounts?: boolean;
  declare dateFallback?: boolean;
  declare sourceLines?: string[];

  // Positional, so that the sink builds a row without a RowFields object per document first.
  constructor(
    rowRef: string, supplierGstin: string, docType: DocType, invoiceNumberRaw: string, invoiceDate: string,
    taxableValue: number, igst: number, cgst: number, sgst: number, cess: number, reverseCharge: boolean,
    supplierName: string | undefined, voucherNumber: string | undefined, voucherDate: string | undefined,
    invoiceValue: number | undefined, placeOfSupply: string | null | undefined, itcEligible: boolean | null | undefined,
    portCode: string | undefined, billOfEntryNumber: string | undefined, derivedAmounts: boolean | undefined,
    dateFallback: boolean | undefined, sourceLines: string[] | null | undefined,
  ) {
    this.rowRef = rowRef;
    this.supplierGstin = supplierGstin;
    this.docType = docType;
    this.invoiceNumberRaw = invoiceNumberRaw;
    this.invoiceDate = invoiceDate;
    this.taxableValue = taxableValue;
    this.igst = igst;
    this.cgst = cgst;
    this.sgst = sgst;
    this.cess = cess;
    this.reverseCharge = reverseCharge;
    if (supplierName) this.supplierName = supplierName;
    if (voucherNumber) this.voucherNumber = voucherNumber;
    if (voucherDate) this.voucherDate = voucherDate;
    if (invoiceValue) this.invoiceValue = invoiceValue;
    if (placeOfSupply) this.placeOfSupply = placeOfSupply;
    if (itcEligible !== null && itcEligible !== undefined) this.itcEligible = itcEligible;
    if (portCode) this.portCode = portCode;
    if (billOfEntryNumber) this.billOfEntryNumber = billOfEntryNumber;
    if (derivedAmounts) this.derivedAmounts = true;
    if (dateFallback) this.dateFallback = true;
    if (sourceLines) this.sourceLines = sourceLines;
  }
}

/** The one place a register BooksRow's fields are set: in this order, the optional ones only when given. */
export function bookRow(f: RowFields): BooksRow {
  return new RegisterRow(
    f.rowRef, f.supplierGstin, f.docType, f.invoiceNumberRaw, f.invoiceDate, f.taxableValue, f.igst, f.cgst, f.sgst, f.cess,
    f.reverseCharge, f.supplierName, f.voucherNumber, f.voucherDate, f.invoiceValue, f.placeOfSupply, f.itcEligible, f.portCode,
    f.billOfEntryNumber, f.derivedAmounts, f.dateFallback, f.sourceLines,
  );
}

/**
 * `bookRow` of a document's first line, its fields as arguments (no RowFields object per
 * document): the sink's one call per document.
 */
export function firstLineRow(
  rowRef: string, supplierGstin: string, docType: DocType, invoiceNumberRaw: string, invoiceDate: string,
  taxableValue: number, igst: number, cgst: number, sgst: number, cess: number, reverseCharge: boolean,
  supplierName: string, voucherNumber: string, voucherDate: string, invoiceValue: number, placeOfSupply: string | null,
  itcEligible: boolean | null, portCode: string, billOfEntryNumber: string, derivedAmounts: boolean, dateFallback: boolean,
): BooksRow {
  return new RegisterRow(
    rowRef, supplierGstin, docType, invoiceNumberRaw, invoiceDate, taxableValue, igst, cgst, sgst, cess, reverseCharge,
    supplierName, voucherNumber, voucherDate, invoiceValue, placeOfSupply, itcEligible, portCode, billOfEntryNumber,
    derivedAmounts, dateFallback, undefined,
  );
}

/**
 * What a document that a second line joins keeps besides its row: every line's reference, and
 * whether its lines' totals carried both signs. A document of one line needs neither, and has no
 * object besides its row (docs/performance.md, "Readers").
 */
export interface JoinedLines {
  lines: string[];
  mixedSigns: boolean;
}

/** The document type a document's signed total makes of its type (a negative purchase is a credit note). */
function signedDocType(docType: DocType, signed: number): DocType {
  if (signed < 0) {
    // docs/reconciliation.md, "Normalisation": a purchase return recorded as negative numbers
    // is the supplier's credit note.
    if (docType === 'invoice' || docType === 'debit_note') return 'credit_note';
    if (docType === 'isd_invoice') return 'isd_credit_note';
  }
  return docType;
}

/**
 * Makes `rows[i]` the document's final row, once per document: for a document of several lines
 * its row built again in order, then magnitudes, and the type its signed total makes of the type
 * it was read with, set in place. Returns whether its heads (or its lines' totals) carry both signs.
 */
export function finishRow(rows: BooksRow[], i: number, joined: JoinedLines | undefined): boolean {
  let r = rows[i]!;
  let mixedSigns = false;
  if (joined !== undefined) {
    r.sourceLines = joined.lines;
    r = bookRow(r);
    rows[i] = r;
    mixedSigns = joined.mixedSigns;
  }
  const { taxableValue: t, igst, cgst, sgst, cess } = r;
  if (t < 0 || igst < 0 || cgst < 0 || sgst < 0 || cess < 0) {
    if (t > 0 || igst > 0 || cgst > 0 || sgst > 0 || cess > 0) mixedSigns = true;
    r.docType = signedDocType(r.docType, t + igst + cgst + sgst + cess);
  }
  r.taxableValue = Math.abs(t);
  r.igst = Math.abs(igst);
  r.cgst = Math.abs(cgst);
  r.sgst = Math.abs(sgst);
  r.cess = Math.abs(cess);
  return mixedSigns;
}
