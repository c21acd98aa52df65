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
import { parseAmount } from './amounts';
import { parseDate } from './dates';
import { checkGstin, cleanKey, parsePlaceOfSupply, parseYesNo } from './normalise';
import { type ColumnMapping, docTypeFromColumn, docTypeFromVoucherType, looksLikeHeader, mapHeader, type RegisterField } from './register-header';
import type { BooksRow, DocType, Issue } from './types';

export interface RegisterReadOptions {
  /** File name (or any label) used in row references. */
  source?: string;
  /** User-confirmed mapping: header text (case/space-insensitive) → field. Wins over synonyms. */
  columnMap?: Readonly<Record<string, RegisterField>>;
  /** How many rows to search for the header (default 60). */
  headerSearchRows?: number;
  maxIssues?: number;
  /** Field delimiter of a CSV (default: detected from its first lines). */
  csvDelimiter?: string;
  /**
   * Most source rows (every sheet together) and most cells read; past either the read stops with a
   * fatal `too_many_rows` / `too_many_cells` issue (a file of millions of rows is refused, not held).
   */
  maxRows?: number;
  maxCells?: number;
}

/** Codes of the fatal issues that mean "the file is too large", not "the file is wrong". */
export const TOO_LARGE_CODES: ReadonlySet<string> = new Set(['too_many_rows', 'too_many_cells']);

export interface RegisterReadResult {
  ok: boolean;
  rows: BooksRow[];
  /**
   * Proposed mapping per sheet (show it to the user to confirm; docs/reconciliation.md, "Inputs").
   */
  mapping: Array<{ sheet: string; headerLine: number; columns: ColumnMapping[] }>;
  skipped: { blank: number; totals: number; repeatedHeaders: number; titleRows: number; nonPurchase: number };
  /** Number of source lines that were merged into a document with other lines (split item rows). */
  mergedLines: number;
  /** The texts above the header (title block, group headings), a few hundred at most: what the file says it is. */
  titleText: string[];
  warnings: Issue[];
  errors: Issue[];
}

/** A cell as a reader gives it. */
export type Cell = string | number | Date | boolean | null;

const ABSENT: { sum: number; present: boolean } = Object.freeze({ sum: 0, present: false });

export function cellText(c: Cell): string {
  if (c === null) return '';
  if (c instanceof Date) return c.toISOString().slice(0, 10);
  return String(c).trim();
}

const TOTAL_ROW = /^(grand\s*total|total|sub[\s-]*total|page\s*total|carried\s*over|brought\s*forward)\b/i;

interface Acc {
  ref: string;
  lines: string[];
  sheet: string;
  line: number;
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

export class RegisterSink {
  readonly warnings: Issue[] = [];
  readonly errors: Issue[] = [];
  readonly mapping: RegisterReadResult['mapping'] = [];
  readonly skipped = { blank: 0, totals: 0, repeatedHeaders: 0, titleRows: 0, nonPurchase: 0 };
  private readonly accs = new Map<string, Acc>();
  private readonly order: Acc[] = [];
  private readonly counted = new Map<string, Issue>();
  private readonly badGstins = new Set<string>();
  private dropped = 0;
  fatal = false;
  mergedLines = 0;
  // per-sheet state
  private sheet = '';
  private header: Array<RegisterField | null> | null = null;
  private headerRaw: string[] = [];
  private cols = new Map<RegisterField, number[]>();
  private rowsSeen = 0;
  private readonly titleText: string[] = [];

  constructor(private readonly opts: RegisterReadOptions) {}

  private push(list: Issue[], i: Issue): void {
    if (list.length >= (this.opts.maxIssues ?? 1000)) this.dropped += 1;
    else list.push(i);
  }
  error(i: Issue): void {
    if (i.fatal) this.fatal = true;
    this.push(this.errors, i);
  }
  private rowsRead = 0;
  private cellsRead = 0;
  /** Counts a source row against the caps; false (with a fatal issue) once one is passed. */
  admit(cells: number): boolean {
    this.rowsRead += 1;
    this.cellsRead += cells;
    const { maxRows, maxCells } = this.opts;
    if (maxRows !== undefined && this.rowsRead > maxRows) {
      this.error({ code: 'too_many_rows', fatal: true, message: `the file has more than ${maxRows} rows, the limit for one import` });
      return false;
    }
    if (maxCells !== undefined && this.cellsRead > maxCells) {
      this.error({ code: 'too_many_cells', fatal: true, message: `the file has more than ${maxCells} cells, the limit for one import` });
      return false;
    }
    return true;
  }
  warn(i: Issue): void {
    this.push(this.warnings, i);
  }
  private countWarn(code: string, message: string, rowRef: string): void {
    const w = this.counted.get(code);
    if (w) w.count = (w.count ?? 1) + 1;
    else {
      const issue: Issue = { code, message, rowRef, count: 1 };
      this.counted.set(code, issue);
      this.warn(issue);
    }
  }

  startSheet(name: string): void {
    this.finishSheet();
    this.sheet = name;
    this.header = null;
    this.headerRaw = [];
    this.cols = new Map();
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
    const src = this.opts.source ?? 'register';
    return this.sheet ? `${src}:${this.sheet}:${line}` : `${src}:${line}`;
  }

  row(cells: Cell[], line: number): void {
    this.rowsSeen += 1;
    const texts = cells.map(cellText);
    if (texts.every((t) => t === '')) {
      this.skipped.blank += 1;
      return;
    }
    if (!this.header) {
      const mapped = texts.map((t) => mapHeader(t, this.opts.columnMap));
      if (looksLikeHeader(mapped)) {
        this.header = mapped;
        this.headerRaw = texts;
        this.cols = new Map();
        mapped.forEach((f, i) => {
          if (!f || f === 'ignore') return;
          const list = this.cols.get(f);
          if (list) list.push(i);
          else this.cols.set(f, [i]);
        });
        this.mapping.push({
          sheet: this.sheet,
          headerLine: line,
          columns: mapped.flatMap((f, column) => (f ? [{ column, header: texts[column]!, field: f }] : [])),
        });
        if (!mapped.includes('invoiceNumber')) {
          this.warn({ code: 'no_invoice_number_column', message: 'no supplier invoice number column: only amount-based matching can pair these rows' });
        }
        return;
      }
      this.skipped.titleRows += 1;
      for (const t of texts) if (t !== '' && this.titleText.length < 300) this.titleText.push(t);
      if (this.rowsSeen >= (this.opts.headerSearchRows ?? 60)) {
        this.error({ code: 'no_header', fatal: true, message: `no register header in the first ${this.rowsSeen} rows of ${this.sheet || 'the file'}` });
      }
      return;
    }
    // Page-break repeats of the header (verbatim repeats: compare raw text, no normalising per row).
    let same = 0;
    let nonEmpty = 0;
    for (let i = 0; i < texts.length; i += 1) {
      const t = texts[i]!;
      if (t === '') continue;
      nonEmpty += 1;
      if (t === this.headerRaw[i]) same += 1;
    }
    if (nonEmpty > 0 && same / nonEmpty >= 0.6) {
      this.skipped.repeatedHeaders += 1;
      return;
    }
    const firstTexts = texts.filter((t) => t !== '').slice(0, 3);
    if (firstTexts.some((t) => TOTAL_ROW.test(t))) {
      this.skipped.totals += 1;
      return;
    }
    const rowRef = this.ref(line);
    const cols = this.cols;
    // Column lists per field are fixed at header time; no per-row closures or scans of the header.
    const first = (field: RegisterField): Cell => {
      const list = cols.get(field);
      if (!list) return null;
      for (const i of list) {
        const c = cells[i] ?? null;
        if (c !== null && cellText(c) !== '') return c;
      }
      return null;
    };
    let bad = false;
    const amount = (field: RegisterField, magnitude = false): { sum: number; present: boolean } => {
      let sum = 0;
      let present = false;
      const list = cols.get(field);
      if (!list) return ABSENT;
      for (const i of list) {
        const c = cells[i] ?? null;
        const text = typeof c === 'number' ? '' : cellText(c);
        if (typeof c !== 'number' && text === '') continue;
        present = true;
        const a = parseAmount(typeof c === 'number' ? c : text);
        if (!a.ok) {
          bad = true;
          this.error({ code: 'invalid_amount', rowRef, line, column: this.headerRaw[i] ?? String(i), field, message: a.reason });
          continue;
        }
        sum += magnitude ? Math.abs(a.paise) : a.paise;
      }
      return { sum, present };
    };
    const taxable = amount('taxableValue');
    const ledgers = amount('purchaseLedger');
    const igst = amount('igst');
    const cgst = amount('cgst');
    const sgst = amount('sgst');
    const cess = amount('cess');
    const value = amount('invoiceValue', true);
    const invoiceNumberRaw = cellText(numberCell(first('invoiceNumber')));
    const voucherNumber = cellText(numberCell(first('voucherNumber')));
    const vDateCell = first('voucherDate');
    const iDateCell = first('invoiceDate');
    // A row with nothing to reconcile: a separator, unit row under the header or a note line.
    const anyAmount = taxable.present || ledgers.present || igst.present || cgst.present || sgst.present || cess.present || value.present;
    if (!anyAmount && invoiceNumberRaw === '' && voucherNumber === '') {
      this.skipped.blank += 1;
      return;
    }
    if (bad) return;
    const vType = cellText(first('voucherType'));
    const vt = docTypeFromVoucherType(vType);
    if (vt === 'skip') {
      this.skipped.nonPurchase += 1;
      this.countWarn('non_purchase_voucher', 'sales/receipt/payment vouchers in a purchase register were skipped', rowRef);
      return;
    }
    const dtCol = cellText(first('docType'));
    let typeHint: DocType | null = dtCol ? docTypeFromColumn(dtCol) : vt;
    if (dtCol && !typeHint) this.warn({ code: 'unknown_doc_type', rowRef, line, field: 'docType', message: `document type "${dtCol}" not understood; read as invoice` });
    const boe = cellText(first('billOfEntryNumber'));
    if (!typeHint && boe) typeHint = 'bill_of_entry';

    let voucherDate = '';
    if (cellText(vDateCell) !== '') {
      const d = parseDate(vDateCell);
      if (d.ok) voucherDate = d.iso;
      else this.warn({ code: 'invalid_date', rowRef, line, field: 'voucherDate', message: d.reason });
    }
    let invoiceDate = '';
    let dateFallback = false;
    if (cellText(iDateCell) !== '') {
      const d = parseDate(iDateCell);
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
    const gstinRaw = cellText(first('gstin'));
    const g = checkGstin(gstinRaw);
    if (g.gstin && g.problem && !this.badGstins.has(g.gstin)) {
      this.badGstins.add(g.gstin);
      this.warn({ code: 'invalid_gstin', rowRef, line, field: 'gstin', message: `GSTIN ${g.gstin} fails validation (${g.problem}); row kept` });
    }
    let txSum = taxable.present ? taxable.sum : ledgers.sum;
    let ig = igst.sum;
    let cg = cgst.sum;
    let sg = sgst.sum;
    const cs = cess.sum;
    let derived = false;
    // Busy layout (docs/reconciliation.md, "Inputs"): one total and a type such as L/GST-18% →
    // back-compute the heads.
    const busy = /^([LI])\s*\/\s*GST\s*-\s*(\d+(?:\.\d+)?)\s*%$/i.exec(cellText(first('busyTaxType')));
    if (busy && ig === 0 && cg === 0 && sg === 0 && value.present) {
      const rate = Number(busy[2]);
      const total = value.sum;
      txSum = Math.round((total * 100) / (100 + rate));
      const tax = total - txSum;
      if (busy[1]!.toUpperCase() === 'L') {
        cg = Math.round(tax / 2);
        sg = tax - cg;
      } else ig = tax;
      derived = true;
    }
    const posText = cellText(first('placeOfSupply'));
    const pos = posText ? parsePlaceOfSupply(posText) : null;
    if (posText && !pos) this.warn({ code: 'invalid_pos', rowRef, line, field: 'placeOfSupply', message: `place of supply "${posText}" not understood` });
    const rcm = parseYesNo(first('reverseCharge')) ?? false;
    const eligText = cellText(first('itcEligible')).toLowerCase();
    const itcEligible = eligText === '' ? null
      : /inelig|block|not|^n$|^no$/.test(eligText) ? false : parseYesNo(eligText) ?? true;

    const key = voucherNumber
      ? `${this.sheet}|V|${vType.toLowerCase()}|${voucherNumber}|${voucherDate}`
      : invoiceNumberRaw
        ? `${this.sheet}|I|${g.gstin}|${cleanKey(invoiceNumberRaw)}|${invoiceDate}`
        : `${this.sheet}|L|${line}`;
    const existing = this.accs.get(key);
    if (existing) {
      // docs/reconciliation.md, "Inputs": lines of one voucher (item-wise export) are one document.
      if ((existing.taxable + existing.igst + existing.cgst + existing.sgst + existing.cess < 0) !== (txSum + ig + cg + sg + cs < 0)) existing.mixedSigns = true;
      existing.lines.push(rowRef);
      existing.taxable += txSum;
      existing.igst += ig;
      existing.cgst += cg;
      existing.sgst += sg;
      existing.cess += cs;
      existing.invoiceValue += value.sum;
      existing.derived ||= derived;
      if (!existing.supplierGstin && g.gstin) existing.supplierGstin = g.gstin;
      if (!existing.invoiceNumberRaw && invoiceNumberRaw) existing.invoiceNumberRaw = invoiceNumberRaw;
      this.mergedLines += 1;
      return;
    }
    const acc: Acc = {
      ref: rowRef, lines: [rowRef], sheet: this.sheet, line,
      supplierGstin: g.gstin, supplierName: cellText(first('supplierName')),
      typeHint, invoiceNumberRaw, invoiceDate, voucherNumber, voucherDate, dateFallback,
      taxable: txSum, igst: ig, cgst: cg, sgst: sg, cess: cs, invoiceValue: value.sum,
      pos: pos ?? '', rcm, itcEligible, portCode: cellText(first('portCode')), boe, derived, mixedSigns: false,
    };
    if (!invoiceNumberRaw) this.countWarn('blank_invoice_number', 'rows without a supplier invoice number can only be matched on amounts', rowRef);
    this.accs.set(key, acc);
    this.order.push(acc);
  }

  result(): RegisterReadResult {
    this.finishSheet();
    const rows: BooksRow[] = [];
    for (const a of this.order) {
      const signed = a.taxable + a.igst + a.cgst + a.sgst + a.cess;
      let docType: DocType = a.typeHint ?? 'invoice';
      const heads = [a.taxable, a.igst, a.cgst, a.sgst, a.cess];
      if (heads.some((h) => h < 0) && heads.some((h) => h > 0)) a.mixedSigns = true;
      if (a.mixedSigns) {
        this.warn({ code: 'mixed_signs', rowRef: a.ref, message: 'positive and negative amounts in one document; magnitudes used' });
      }
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
      if (a.lines.length > 1) row.sourceLines = a.lines;
      rows.push(row);
    }
    if (this.mapping.length === 0 && !this.fatal) {
      this.error({ code: 'no_header', fatal: true, message: 'no purchase-register header found' });
    }
    if (this.dropped > 0) this.warnings.push({ code: 'issues_truncated', message: `${this.dropped} further issues not listed`, count: this.dropped });
    const ok = !this.fatal;
    return { ok, rows: ok ? rows : [], mapping: this.mapping, skipped: this.skipped, mergedLines: this.mergedLines, titleText: this.titleText, warnings: this.warnings, errors: this.errors };
  }
}

/** Numbers typed into number columns come back from Excel as numbers: 1234 → "1234", not "1234.00". */
function numberCell(c: Cell): Cell {
  if (typeof c === 'number' && Number.isInteger(c)) return String(c);
  return c;
}

/** A result that refuses the whole file (fatal error, no rows). */
export function refuse(reason: string, code: string): RegisterReadResult {
  const sink = new RegisterSink({});
  sink.error({ code, fatal: true, message: reason });
  return sink.result();
}
