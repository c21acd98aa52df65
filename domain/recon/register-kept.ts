/**
 * The documents a register read keeps while it reads, as columns: a document is a position in
 * typed arrays (its amounts, flags and line) and in arrays of texts, and its `BooksRow` is built
 * only when the read is done (`rows`), in file order, through `bookRow` and `finishRow`
 * (register-docs.ts) as before.
 *
 * Why: the reader's own work makes short-lived garbage, and every document it kept as objects (a
 * row, its reader-side record, their texts) survived the young generation among that garbage and
 * was copied by the scavenger on its way to the old one, which cost the reader more than reading
 * (docs/performance.md, "Readers"). Columns are a few large arrays that the scavenger does not
 * copy object by object; the rows built in one burst at the end are the same rows, made once.
 */
import { ownText } from './register-cells';
import { bookRow, finishRow, RegisterDoc, type RowFields } from './register-docs';
import type { Keyed } from './register-keys';
import type { BooksRow, DocType } from './types';

/** What the document index keeps of a document: its key parts and its position in the columns. */
export class KeptKey implements Keyed {
  keyPart = '';
  keyDate = '';
  constructor(readonly at: number) {}
}

/** A document's first line, as the sink reads it (the texts already its own: no slices of the file). */
export interface FirstLine {
  /** The text before the line number in its row reference (`file:` or `file:sheet:`). */
  refPrefix: string;
  line: number;
  typeHint: DocType | null;
  supplierGstin: string;
  invoiceNumberRaw: string;
  invoiceDate: string;
  taxableValue: number;
  igst: number;
  cgst: number;
  sgst: number;
  cess: number;
  reverseCharge: boolean;
  supplierName: string;
  voucherNumber: string;
  voucherDate: string;
  invoiceValue: number;
  placeOfSupply: string | null;
  itcEligible: boolean | null;
  portCode: string;
  billOfEntryNumber: string;
  derivedAmounts: boolean;
  dateFallback: boolean;
}

const REVERSE_CHARGE = 1;
const DERIVED = 2;
const DATE_FALLBACK = 4;
const MIXED_SIGNS = 8;

/** A typed array twice as long, its values copied. */
function grown<A extends Float64Array | Int32Array | Uint8Array | Int8Array>(a: A): A {
  const b = new (a.constructor as new (n: number) => A)(a.length * 2);
  b.set(a);
  return b;
}

export class KeptDocs {
  /** Documents kept so far. */
  count = 0;
  private capacity = 1024;
  // Signed sums until `rows` (finishRow makes them magnitudes).
  private taxable = new Float64Array(this.capacity);
  private igst = new Float64Array(this.capacity);
  private cgst = new Float64Array(this.capacity);
  private sgst = new Float64Array(this.capacity);
  private cess = new Float64Array(this.capacity);
  private value = new Float64Array(this.capacity);
  private lineNo = new Int32Array(this.capacity);
  private flags = new Uint8Array(this.capacity);
  /** -1 not given, 0 false, 1 true. */
  private itc = new Int8Array(this.capacity);
  // Texts: shared ones (GSTIN, dates, names, prefixes, types) are one pointer per document.
  private readonly refPrefix: string[] = [];
  private readonly typeHint: Array<DocType | null> = [];
  private readonly gstin: string[] = [];
  private readonly number: string[] = [];
  private readonly date: string[] = [];
  private readonly name: string[] = [];
  private readonly voucher: string[] = [];
  private readonly voucherDate: string[] = [];
  private readonly pos: string[] = [];
  private readonly port: string[] = [];
  private readonly boe: string[] = [];
  /** Every line's reference of a document a second line joined (most documents have one line). */
  private readonly lines = new Map<number, string[]>();

  /** Keeps a document's first line; returns its position. */
  add(f: FirstLine): number {
    const i = this.count;
    if (i === this.capacity) this.grow();
    this.count += 1;
    this.taxable[i] = f.taxableValue;
    this.igst[i] = f.igst;
    this.cgst[i] = f.cgst;
    this.sgst[i] = f.sgst;
    this.cess[i] = f.cess;
    this.value[i] = f.invoiceValue;
    this.lineNo[i] = f.line;
    this.flags[i] = (f.reverseCharge ? REVERSE_CHARGE : 0) | (f.derivedAmounts ? DERIVED : 0) | (f.dateFallback ? DATE_FALLBACK : 0);
    this.itc[i] = f.itcEligible === null ? -1 : f.itcEligible ? 1 : 0;
    this.refPrefix.push(f.refPrefix);
    this.typeHint.push(f.typeHint);
    this.gstin.push(f.supplierGstin);
    this.number.push(f.invoiceNumberRaw);
    this.date.push(f.invoiceDate);
    this.name.push(f.supplierName);
    this.voucher.push(f.voucherNumber);
    this.voucherDate.push(f.voucherDate);
    this.pos.push(f.placeOfSupply ?? '');
    this.port.push(f.portCode);
    this.boe.push(f.billOfEntryNumber);
    return i;
  }

  private grow(): void {
    this.capacity *= 2;
    this.taxable = grown(this.taxable);
    this.igst = grown(this.igst);
    this.cgst = grown(this.cgst);
    this.sgst = grown(this.sgst);
    this.cess = grown(this.cess);
    this.value = grown(this.value);
    this.lineNo = grown(this.lineNo);
    this.flags = grown(this.flags);
    this.itc = grown(this.itc);
  }

  /**
   * Adds a later line of document `i` (docs/reconciliation.md, "Inputs": the lines of one voucher
   * are one document): its amounts summed into the signed sums, its reference listed, the GSTIN
   * and number (copied: it may be a slice of the file) taken when the document had none, and `mixedSigns` set when the line's total and
   * the document's so far differ in sign.
   */
  join(i: number, rowRef: string, l: { taxableValue: number; igst: number; cgst: number; sgst: number; cess: number; invoiceValue: number; derivedAmounts: boolean; supplierGstin: string; invoiceNumberRaw: string }): void {
    const so = this.taxable[i]! + this.igst[i]! + this.cgst[i]! + this.sgst[i]! + this.cess[i]!;
    if ((so < 0) !== (l.taxableValue + l.igst + l.cgst + l.sgst + l.cess < 0)) this.flags[i]! |= MIXED_SIGNS;
    let refs = this.lines.get(i);
    if (refs === undefined) {
      refs = [this.refPrefix[i]! + this.lineNo[i]!];
      this.lines.set(i, refs);
    }
    refs.push(rowRef);
    this.taxable[i]! += l.taxableValue;
    this.igst[i]! += l.igst;
    this.cgst[i]! += l.cgst;
    this.sgst[i]! += l.sgst;
    this.cess[i]! += l.cess;
    this.value[i]! += l.invoiceValue;
    if (l.derivedAmounts) this.flags[i]! |= DERIVED;
    if (!this.gstin[i] && l.supplierGstin) this.gstin[i] = l.supplierGstin;
    if (!this.number[i] && l.invoiceNumberRaw) this.number[i] = ownText(l.invoiceNumberRaw);
  }

  /**
   * Every document's finished row, in the order they were begun, and `mixed(row)` called for each
   * document whose heads carry both signs (the sink's warning), in that order.
   */
  rows(mixed: (row: BooksRow) => void): BooksRow[] {
    const rows: BooksRow[] = new Array<BooksRow>(this.count);
    for (let i = 0; i < this.count; i += 1) {
      const flags = this.flags[i]!;
      const itc = this.itc[i]!;
      const fields: RowFields = {
        rowRef: this.refPrefix[i]! + this.lineNo[i]!,
        supplierGstin: this.gstin[i]!,
        docType: this.typeHint[i] ?? 'invoice',
        invoiceNumberRaw: this.number[i]!,
        invoiceDate: this.date[i]!,
        taxableValue: this.taxable[i]!,
        igst: this.igst[i]!,
        cgst: this.cgst[i]!,
        sgst: this.sgst[i]!,
        cess: this.cess[i]!,
        reverseCharge: (flags & REVERSE_CHARGE) !== 0,
        supplierName: this.name[i],
        voucherNumber: this.voucher[i],
        voucherDate: this.voucherDate[i],
        invoiceValue: this.value[i],
        placeOfSupply: this.pos[i],
        itcEligible: itc < 0 ? null : itc === 1,
        portCode: this.port[i],
        billOfEntryNumber: this.boe[i],
        derivedAmounts: (flags & DERIVED) !== 0,
        dateFallback: (flags & DATE_FALLBACK) !== 0,
        sourceLines: this.lines.get(i) ?? null,
      };
      const doc = new RegisterDoc(bookRow(fields), this.typeHint[i]!);
      doc.mixedSigns = (flags & MIXED_SIGNS) !== 0;
      const row = finishRow(doc);
      if (doc.mixedSigns) mixed(row);
      rows[i] = row;
    }
    return rows;
  }
}
