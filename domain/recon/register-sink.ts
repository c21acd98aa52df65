/**
 * The register's row sink: every row after the header becomes a canonical BooksRow with positive
 * magnitudes and a docType (docs/reconciliation.md, "Normalisation"), or a row-level error. Amounts
 * and dates are read in Indian formats, split rows of one voucher are aggregated
 * (docs/reconciliation.md, "Inputs"), and title, blank, total and repeated-header rows are skipped
 * and counted. CSV and XLSX readers feed it the same cells.
 *
 * Cell text is never rewritten: a supplier called `=HYPERLINK(...)` stays exactly that; the export
 * layer neutralises formula-looking cells (docs/reconciliation.md, "The report"), because only it
 * knows the target.
 */
import { scanAmount } from './amount-scan';
import { parseAmount } from './amounts';
import { busyHeads } from './busy-tax-type';
import type { DateSystem } from './dates';
import { cleanKey, parsePlaceOfSupply, parseYesNo } from './normalise';
import { finishRow, firstLineRow, type JoinedLines } from './register-docs';
import { RegisterIssues } from './register-issues';
import { DocumentIndex } from './register-keys';
import { CellMemos, cellOf, cellText, type FieldColumns, fieldColumns, firstFilled, isTrimmed, ownText, textOf } from './register-cells';
import { ambiguousNumberColumns, docTypeFromColumn, docTypeFromVoucherType, type RegisterField } from './register-header';
import type { Cell, RegisterReadOptions, RegisterReadResult } from './register-read-types';
import { ambiguousMessage, headerColumns, headerFields, mappedColumns, skippedAs } from './register-header-rows';
import { TEXT_LIMITS, tooLongMessage } from './text-limits';
import type { BooksRow, DocType } from './types';

const { number: NUMBER_MAX, name: NAME_MAX, code: CODE_MAX } = TEXT_LIMITS;

export { type Cell, type RegisterReadOptions, type RegisterReadResult, TOO_LARGE_CODES } from './register-read-types';

export class RegisterSink extends RegisterIssues {
  readonly mapping: RegisterReadResult['mapping'] = [];
  readonly skipped = { blank: 0, totals: 0, repeatedHeaders: 0, titleRows: 0, nonPurchase: 0 };
  private readonly docs = new DocumentIndex();
  /** The documents' rows in file order (a document is its position here); amounts signed until `result`. */
  private readonly rows: BooksRow[] = [];
  /** The documents a second line joined, by position. */
  private readonly joined = new Map<number, JoinedLines>();
  private readonly badGstins = new Set<string>();
  mergedLines = 0;
  // per-sheet state
  private sheet = '';
  /** The text before a row reference's line number, made once per sheet: one concatenation per row, not two. */
  private refPrefix: string;
  private header: Array<RegisterField | null> | null = null;
  private headerRaw: string[] = [];
  private cols: FieldColumns = fieldColumns([]);
  private readonly memos = new CellMemos();
  private rowsSeen = 0;
  private readonly titleText: string[] = [];

  constructor(opts: RegisterReadOptions) {
    super(opts);
    this.refPrefix = refPrefixOf(opts.source, '');
  }

  /**
   * The row error for a text of `field` over its limit (text-limits.ts): the row is left out, so the
   * upload is refused with the row and field named. Called only when a length check failed.
   */
  private tooLong(list: readonly number[], field: RegisterField, length: number, max: number, rowRef: string, line: number): void {
    const i = firstFilled(list, this.rowTexts);
    this.error({ code: 'text_too_long', rowRef, line, column: this.headerRaw[i] ?? String(i), field, message: tooLongMessage(length, max) });
  }

  /** A date cell given as text over the code limit (a date is a few characters), before it is parsed or remembered. */
  private longDate(c: Cell): number {
    return typeof c === 'string' && c.length > CODE_MAX ? c.length : 0;
  }

  /**
   * The workbook's date system (an XLSX's `date1904`): only cells read as dates (serials, as numbers
   * or as digits) count in it; amounts and other numbers are read as they are. CSVs stay on 1900.
   */
  useDateSystem(system: DateSystem): void {
    this.memos.useDateSystem(system);
  }

  startSheet(name: string): void {
    this.finishSheet();
    this.sheet = name;
    this.refPrefix = refPrefixOf(this.opts.source, name);
    this.docs.startSheet(name);
    this.header = null;
    this.headerRaw = [];
    this.cols = fieldColumns([]);
    this.rowsSeen = 0;
  }

  finishSheet(): void {
    if (this.sheet !== '' || this.rowsSeen > 0) {
      if (!this.header && this.rowsSeen > 0) {
        this.warn({ code: 'no_header', message: `no register header found in ${this.sheet || 'the file'} (looked for invoice number, GSTIN and amount columns)` });
      }
    }
  }

  private ref(line: number): string {
    return `${this.refPrefix}${line}`;
  }

  /** Sum of one amount field's cells (paise; magnitudes when `magnitude`), `present` set when any was filled. */
  private amount(list: readonly number[], field: RegisterField, cells: Cell[], texts: readonly string[], rowRef: string, line: number, magnitude: boolean): number {
    let sum = 0;
    this.present = false;
    for (let k = 0; k < list.length; k += 1) {
      const i = list[k]!;
      const c = i < cells.length ? cells[i]! : null;
      const numeric = typeof c === 'number';
      const text = numeric || i >= texts.length ? '' : texts[i]!;
      if (!numeric && text === '') continue;
      this.present = true;
      if (text.length > CODE_MAX) {
        // No amount is this long: refused before it is scanned or matched against patterns.
        this.bad = true;
        this.error({ code: 'invalid_amount', rowRef, line, column: this.headerRaw[i] ?? String(i), field, message: `not an amount: ${tooLongMessage(text.length, CODE_MAX)}` });
        continue;
      }
      // The common shapes of text without parseAmount's regular expressions (amount-scan.ts).
      let paise = numeric ? Number.NaN : scanAmount(text);
      if (paise !== paise) {
        const a = parseAmount(numeric ? c : text);
        if (!a.ok) {
          this.bad = true;
          this.error({ code: 'invalid_amount', rowRef, line, column: this.headerRaw[i] ?? String(i), field, message: a.reason });
          continue;
        }
        paise = a.paise;
      }
      sum += magnitude ? Math.abs(paise) : paise;
    }
    return sum;
  }

  private present = false;
  private bad = false;
  /** The last voucher type, its lower case (for the voucher key) and its document type: a register has a handful. */
  private lastVType = '';
  private lastVTypeLower = '';
  private lastVTypeDoc: DocType | 'skip' | null = docTypeFromVoucherType('');
  /** The row's cell texts when its cells are not already their own texts, one array reused from row to row. */
  private readonly texts: string[] = [];
  /** The texts of the row being read (`texts`, or the cells themselves). */
  private rowTexts: readonly string[] = this.texts;

  /** A row before the header: the header itself, or a title row (its texts kept as the file's title). */
  private findHeader(texts: readonly string[], line: number): void {
    const mapped = headerFields(texts, this.opts.columnMap);
    if (mapped) {
      // A column's header is kept in the mapping shown to the user and in its issues.
      const long = mapped.findIndex((f, i) => f !== null && texts[i]!.length > NAME_MAX);
      if (long >= 0) {
        this.error({ code: 'text_too_long', fatal: true, line, column: String(long + 1), message: `the header of column ${long + 1} has ${tooLongMessage(texts[long]!.length, NAME_MAX)}` });
        return;
      }
      this.header = mapped;
      this.headerRaw = texts.slice();
      this.cols = headerColumns(mapped, texts, this.opts.columnMap);
      this.mapping.push({ sheet: this.sheet, headerLine: line, columns: mappedColumns(mapped, texts) });
      if (!mapped.includes('invoiceNumber')) {
        this.warn({ code: 'no_invoice_number_column', message: 'no supplier invoice number column: only amount-based matching can pair these rows' });
      }
      const ambiguous = ambiguousNumberColumns(mapped, texts, this.opts.columnMap);
      if (ambiguous) this.warn({ code: 'ambiguous_invoice_number_column', line, message: ambiguousMessage(ambiguous) });
      return;
    }
    this.skipped.titleRows += 1;
    // A title is kept to tell what the file is (its first words are enough), never a giant cell whole.
    for (const t of texts) if (t !== '' && this.titleText.length < 300) this.titleText.push(ownText(t.length > NAME_MAX ? t.slice(0, NAME_MAX) : t));
    if (this.rowsSeen >= (this.opts.headerSearchRows ?? 60)) {
      this.error({ code: 'no_header', fatal: true, message: `no register header in the first ${this.rowsSeen} rows of ${this.sheet || 'the file'}` });
    }
  }

  /** Reads one source row; `cells` is read during the call only (nothing keeps it), so a reader may hand the same array again or a new one per record (the CSV reader does the latter). */
  row(cells: Cell[], line: number): void {
    this.rowsSeen += 1;
    // A CSV's cells are texts, nearly always with nothing to trim: then they are the row's texts
    // as they are, with no second array written (each write into a long-lived array costs a
    // write barrier).
    let texts = cells as readonly string[];
    const n = cells.length;
    let filled = 0;
    let i = 0;
    for (; i < n; i += 1) {
      const c = cells[i];
      if (typeof c !== 'string' || !isTrimmed(c)) break;
      if (c.length > 0) filled += 1;
    }
    if (i < n) {
      const own = this.texts;
      own.length = n;
      for (let k = 0; k < i; k += 1) own[k] = cells[k] as string;
      for (; i < n; i += 1) {
        const t = cellText(cells[i]!);
        own[i] = t;
        if (t !== '') filled += 1;
      }
      texts = own;
    }
    this.rowTexts = texts;
    if (filled === 0) {
      this.skipped.blank += 1;
      return;
    }
    if (!this.header) {
      this.findHeader(texts, line);
      return;
    }
    const skip = skippedAs(texts, filled, this.headerRaw);
    if (skip !== null) {
      this.skipped[skip] += 1;
      return;
    }
    const rowRef = this.ref(line);
    const cols = this.cols;
    this.bad = false;
    const taxable = this.amount(cols.taxableValue, 'taxableValue', cells, texts, rowRef, line, false);
    const taxablePresent = this.present;
    const ledgers = this.amount(cols.purchaseLedger, 'purchaseLedger', cells, texts, rowRef, line, false);
    let anyAmount = taxablePresent || this.present;
    const igst = this.amount(cols.igst, 'igst', cells, texts, rowRef, line, false);
    anyAmount ||= this.present;
    const cgst = this.amount(cols.cgst, 'cgst', cells, texts, rowRef, line, false);
    anyAmount ||= this.present;
    const sgst = this.amount(cols.sgst, 'sgst', cells, texts, rowRef, line, false);
    anyAmount ||= this.present;
    const cess = this.amount(cols.cess, 'cess', cells, texts, rowRef, line, false);
    anyAmount ||= this.present;
    const value = this.amount(cols.invoiceValue, 'invoiceValue', cells, texts, rowRef, line, true);
    const valuePresent = this.present;
    anyAmount ||= valuePresent;
    // A number typed into a number column reads as "1234" either way (cellText of the number).
    const invoiceNumberRaw = textOf(cols.invoiceNumber, texts);
    const voucherNumber = textOf(cols.voucherNumber, texts);
    // A row with nothing to reconcile: a separator, unit row under the header or a note line.
    if (!anyAmount && invoiceNumberRaw === '' && voucherNumber === '') {
      this.skipped.blank += 1;
      return;
    }
    if (this.bad) return;
    // Texts the document keeps or reads word by word, each within its limit (text-limits.ts): one
    // comparison per text, made before the text is parsed, remembered or copied.
    if (invoiceNumberRaw.length > NUMBER_MAX) return this.tooLong(cols.invoiceNumber, 'invoiceNumber', invoiceNumberRaw.length, NUMBER_MAX, rowRef, line);
    if (voucherNumber.length > NUMBER_MAX) return this.tooLong(cols.voucherNumber, 'voucherNumber', voucherNumber.length, NUMBER_MAX, rowRef, line);
    const vType = textOf(cols.voucherType, texts);
    if (vType.length > CODE_MAX) return this.tooLong(cols.voucherType, 'voucherType', vType.length, CODE_MAX, rowRef, line);
    if (vType !== this.lastVType) {
      this.lastVType = vType;
      this.lastVTypeLower = ownText(vType.toLowerCase()); // documents keep it in their key
      this.lastVTypeDoc = docTypeFromVoucherType(vType);
    }
    const vt = this.lastVTypeDoc;
    if (vt === 'skip') {
      this.skipped.nonPurchase += 1;
      this.countWarn('non_purchase_voucher', 'sales/receipt/payment vouchers in a purchase register were skipped', rowRef);
      return;
    }
    const dtCol = textOf(cols.docType, texts);
    if (dtCol.length > CODE_MAX) return this.tooLong(cols.docType, 'docType', dtCol.length, CODE_MAX, rowRef, line);
    let typeHint: DocType | null = dtCol ? docTypeFromColumn(dtCol) : vt;
    if (dtCol && !typeHint) this.warn({ code: 'unknown_doc_type', rowRef, line, field: 'docType', message: `document type "${dtCol}" not understood; read as invoice` });
    const boe = textOf(cols.billOfEntryNumber, texts);
    if (boe.length > NUMBER_MAX) return this.tooLong(cols.billOfEntryNumber, 'billOfEntryNumber', boe.length, NUMBER_MAX, rowRef, line);
    if (!typeHint && boe) typeHint = 'bill_of_entry';

    let voucherDate = '';
    const vDateCell = cellOf(cols.voucherDate, cells, texts);
    if (vDateCell !== null) {
      const long = this.longDate(vDateCell);
      if (long > 0) return this.tooLong(cols.voucherDate, 'voucherDate', long, CODE_MAX, rowRef, line);
      const d = this.memos.date(vDateCell);
      if (d.ok) voucherDate = d.iso;
      else this.warn({ code: 'invalid_date', rowRef, line, field: 'voucherDate', message: d.reason });
    }
    let invoiceDate = '';
    let dateFallback = false;
    const iDateCell = cellOf(cols.invoiceDate, cells, texts);
    if (iDateCell !== null) {
      const long = this.longDate(iDateCell);
      if (long > 0) return this.tooLong(cols.invoiceDate, 'invoiceDate', long, CODE_MAX, rowRef, line);
      const d = this.memos.date(iDateCell);
      if (d.ok) invoiceDate = d.iso;
      else this.warn({ code: 'invalid_date', rowRef, line, field: 'invoiceDate', message: `${d.reason}; voucher date used` });
    }
    if (!invoiceDate) {
      if (!voucherDate) {
        this.error({ code: 'missing_date', rowRef, line, field: 'invoiceDate', message: 'neither a supplier invoice date nor a voucher date: row skipped' });
        return;
      }
      invoiceDate = voucherDate;
      dateFallback = true;
    }
    const gstinText = textOf(cols.gstin, texts);
    if (gstinText.length > CODE_MAX) return this.tooLong(cols.gstin, 'gstin', gstinText.length, CODE_MAX, rowRef, line);
    const g = this.memos.gstin(gstinText);
    if (g.gstin && g.problem && !this.badGstins.has(g.gstin)) {
      this.badGstins.add(g.gstin);
      this.warn({ code: 'invalid_gstin', rowRef, line, field: 'gstin', message: `GSTIN ${g.gstin} fails validation (${g.problem}); row kept` });
    }
    let txSum = taxablePresent ? taxable : ledgers;
    let ig = igst;
    let cg = cgst;
    let sg = sgst;
    const cs = cess;
    let derived = false;
    // Busy layout (docs/reconciliation.md, "Inputs"): one total and a type such as L/GST-18% →
    // back-compute the heads.
    const busyText = textOf(cols.busyTaxType, texts);
    if (busyText.length > CODE_MAX) return this.tooLong(cols.busyTaxType, 'busyTaxType', busyText.length, CODE_MAX, rowRef, line);
    const busy = busyText !== '' && ig === 0 && cg === 0 && sg === 0 && valuePresent ? busyHeads(busyText, value) : null;
    if (busy) {
      ({ taxable: txSum, igst: ig, cgst: cg, sgst: sg } = busy);
      derived = true;
    }
    const posText = textOf(cols.placeOfSupply, texts);
    if (posText.length > CODE_MAX) return this.tooLong(cols.placeOfSupply, 'placeOfSupply', posText.length, CODE_MAX, rowRef, line);
    const pos = posText ? parsePlaceOfSupply(posText) : null;
    if (posText && !pos) this.warn({ code: 'invalid_pos', rowRef, line, field: 'placeOfSupply', message: `place of supply "${posText}" not understood` });
    const rcmCell = cellOf(cols.reverseCharge, cells, texts);
    if (typeof rcmCell === 'string' && rcmCell.length > CODE_MAX) return this.tooLong(cols.reverseCharge, 'reverseCharge', rcmCell.length, CODE_MAX, rowRef, line);
    const rcm = parseYesNo(rcmCell) ?? false;
    const eligRaw = textOf(cols.itcEligible, texts);
    if (eligRaw.length > CODE_MAX) return this.tooLong(cols.itcEligible, 'itcEligible', eligRaw.length, CODE_MAX, rowRef, line);
    const eligText = eligRaw.toLowerCase();
    const itcEligible = eligText === '' ? null
      : /inelig|block|not|^n$|^no$/.test(eligText) ? false : parseYesNo(eligText) ?? true;

    // The document this line belongs to (register-keys.ts).
    const invoiceKey = voucherNumber || !invoiceNumberRaw ? '' : cleanKey(invoiceNumberRaw);
    const existing = voucherNumber ? this.docs.voucher(this.lastVTypeLower, voucherNumber, voucherDate)
      : invoiceNumberRaw ? this.docs.invoice(g.gstin, invoiceKey, invoiceDate)
        : this.docs.line(line);
    if (existing >= 0) {
      // docs/reconciliation.md, "Inputs": lines of one voucher (item-wise export) are one document.
      const r = this.rows[existing]!; // amounts still signed (register-docs.ts)
      let joined = this.joined.get(existing);
      if (joined === undefined) {
        joined = { lines: [r.rowRef], mixedSigns: false };
        this.joined.set(existing, joined);
      }
      if ((r.taxableValue + r.igst + r.cgst + r.sgst + r.cess < 0) !== (txSum + ig + cg + sg + cs < 0)) joined.mixedSigns = true;
      joined.lines.push(rowRef);
      r.taxableValue += txSum;
      r.igst += ig;
      r.cgst += cg;
      r.sgst += sg;
      r.cess += cs;
      // Fields may be added here out of order: finishRow builds a document of several lines again.
      if (value !== 0) r.invoiceValue = (r.invoiceValue ?? 0) + value;
      if (derived) r.derivedAmounts = true;
      if (!r.supplierGstin && g.gstin) r.supplierGstin = g.gstin;
      if (!r.invoiceNumberRaw && invoiceNumberRaw) r.invoiceNumberRaw = ownText(invoiceNumberRaw);
      this.mergedLines += 1;
      return;
    }
    // Kept by a document's first line only.
    const nameText = textOf(cols.supplierName, texts);
    if (nameText.length > NAME_MAX) return this.tooLong(cols.supplierName, 'supplierName', nameText.length, NAME_MAX, rowRef, line);
    const portText = textOf(cols.portCode, texts);
    if (portText.length > CODE_MAX) return this.tooLong(cols.portCode, 'portCode', portText.length, CODE_MAX, rowRef, line);
    const ownInvoiceNumber = ownText(invoiceNumberRaw);
    const ownVoucherNumber = ownText(voucherNumber);
    // The document's row, built once (register-docs.ts): amounts signed and the type the hint's until finishRow.
    // Positional: the arguments' order must be firstLineRow's (many share a type, so a swap would
    // typecheck; register-docs.test.ts checks firstLineRow against bookRow).
    const row = firstLineRow(
      rowRef, g.gstin, typeHint ?? 'invoice', ownInvoiceNumber, invoiceDate, txSum, ig, cg, sg, cs, rcm,
      this.memos.supplierName(g, nameText), ownVoucherNumber, voucherDate, value, pos, itcEligible,
      ownText(portText), ownText(boe), derived, dateFallback,
    );
    const id = this.rows.length;
    if (!invoiceNumberRaw) this.countWarn('blank_invoice_number', 'rows without a supplier invoice number can only be matched on amounts', rowRef);
    // The key's texts as the document holds them, or a copy of the cleaned number: a cell's own
    // text, or cleanKey's result when it is a slice of it, would keep its piece of the file.
    if (voucherNumber) this.docs.addVoucher(this.lastVTypeLower, ownVoucherNumber, voucherDate, id);
    else if (invoiceNumberRaw) this.docs.addInvoice(g.gstin, invoiceKey === invoiceNumberRaw ? ownInvoiceNumber : ownText(invoiceKey), invoiceDate, id);
    else this.docs.addLine(line, id);
    this.rows.push(row);
  }

  private made: RegisterReadResult | null = null;

  /**
   * Finishes the read, adding the issues only the whole file shows (mixed signs, no header, issues
   * left out). A second call answers the same object: made again, it would add them twice.
   */
  result(): RegisterReadResult {
    if (this.made) return this.made;
    this.finishSheet();
    const rows = this.rows;
    const joined = this.joined.size > 0 ? this.joined : null;
    for (let i = 0; i < rows.length; i += 1) {
      if (finishRow(rows, i, joined === null ? undefined : joined.get(i))) {
        this.warn({ code: 'mixed_signs', rowRef: rows[i]!.rowRef, message: 'positive and negative amounts in one document; magnitudes used' });
      }
    }
    if (this.mapping.length === 0 && !this.fatal) {
      this.error({ code: 'no_header', fatal: true, message: 'no purchase-register header found' });
    }
    if (this.dropped > 0) this.warnings.push({ code: 'issues_truncated', message: `${this.dropped} further issues not listed`, count: this.dropped });
    const ok = !this.fatal;
    this.made = { ok, rows: ok ? rows : [], mapping: this.mapping, skipped: this.skipped, mergedLines: this.mergedLines, titleText: this.titleText, warnings: this.warnings, errors: this.errors };
    return this.made;
  }
}

/** `source:sheet:` (or `source:` without a sheet name): a row reference up to its line number. */
function refPrefixOf(source: string | undefined, sheet: string): string {
  const src = source ?? 'register';
  return sheet ? `${src}:${sheet}:` : `${src}:`;
}

/** A result that refuses the whole file (fatal error, no rows). */
export function refuse(reason: string, code: string): RegisterReadResult {
  const sink = new RegisterSink({});
  sink.error({ code, fatal: true, message: reason });
  return sink.result();
}
