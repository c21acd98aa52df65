/**
 * Purchase-register reader (§5): CSV (csv-parse, streaming) and XLSX (exceljs streaming
 * WorkbookReader). The header row is found by content (Tally puts company name, address and date
 * range above it), columns are mapped by synonyms and Tally ledger names, amounts and dates are
 * read in Indian formats, split rows of one voucher are aggregated, and every row becomes a
 * canonical BooksRow with positive magnitudes and a docType (§7.4) — or a row-level error.
 *
 * Cell text is never rewritten: a supplier called `=HYPERLINK(...)` stays exactly that; the
 * export layer neutralises formula-looking cells (§12.4), because only it knows the target.
 */
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { parse as parseCsvSync } from 'csv-parse/sync';
import * as ExcelJS from 'exceljs';
import { parseAmount } from './amounts';
import { parseDate } from './dates';
import { checkGstin, cleanKey, parsePlaceOfSupply, parseYesNo } from './normalise';
import { sniffContent } from './sniff';
import type { BooksRow, DocType, Issue } from './types';

export type RegisterField =
  | 'voucherDate' | 'supplierName' | 'voucherType' | 'voucherNumber' | 'invoiceNumber' | 'invoiceDate'
  | 'gstin' | 'pan' | 'taxableValue' | 'invoiceValue' | 'igst' | 'cgst' | 'sgst' | 'cess'
  | 'placeOfSupply' | 'reverseCharge' | 'docType' | 'itcEligible' | 'portCode' | 'billOfEntryNumber'
  | 'busyTaxType' | 'purchaseLedger' | 'ignore';

export interface RegisterReadOptions {
  /** File name (or any label) used in row references. */
  source?: string;
  /** User-confirmed mapping: header text (case/space-insensitive) → field. Wins over synonyms. */
  columnMap?: Readonly<Record<string, RegisterField>>;
  /** How many rows to search for the header (default 60). */
  headerSearchRows?: number;
  maxIssues?: number;
  /** Amount tolerance for "split rows" checks; unused by the reader beyond reporting. */
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

export interface ColumnMapping {
  column: number;
  header: string;
  field: RegisterField;
}

export interface RegisterReadResult {
  ok: boolean;
  rows: BooksRow[];
  /** Proposed mapping per sheet (show it to the user to confirm, §5.2). */
  mapping: Array<{ sheet: string; headerLine: number; columns: ColumnMapping[] }>;
  skipped: { blank: number; totals: number; repeatedHeaders: number; titleRows: number; nonPurchase: number };
  /** Number of source lines that were merged into a document with other lines (split item rows). */
  mergedLines: number;
  warnings: Issue[];
  errors: Issue[];
}

type Cell = string | number | Date | boolean | null;

// ---- header mapping ----------------------------------------------------------------------------

export function normaliseHeader(text: string): string {
  return text.toLowerCase().replace(/&/g, ' and ').replace(/₹|\(rs\.?\)|\(inr\)/g, ' ').replace(/[^a-z0-9%]+/g, ' ').trim();
}

const SYNONYMS: ReadonlyArray<[RegisterField, readonly string[]]> = [
  ['voucherDate', ['date', 'voucher date', 'vch date', 'posting date', 'entry date']],
  ['supplierName', ['particulars', 'party name', 'supplier name', 'party', 'vendor name', 'vendor', 'name of supplier',
    'supplier', 'trade legal name', 'account', 'party ledger', 'ledger name', 'party account name']],
  ['voucherType', ['voucher type', 'vch type']],
  ['voucherNumber', ['voucher no', 'vch no', 'voucher number', 'entry no', 'voucher no s']],
  ['invoiceNumber', ['voucher ref no', 'voucher ref', 'supplier invoice no', 'supplier invoice number', 'supplier inv no',
    'bill no', 'invoice no', 'invoice number', 'document number', 'document no', 'doc no', 'inv no', 'ref no',
    'reference no', 'vch bill no', 'note number', 'note no', 'supplier bill no']],
  ['invoiceDate', ['voucher ref date', 'supplier invoice date', 'bill date', 'invoice date', 'document date', 'doc date',
    'inv date', 'ref date', 'reference date', 'note date', 'supplier bill date']],
  ['gstin', ['gstin uin', 'gstin', 'gstin of supplier', 'party gstin', 'gst no', 'supplier gstin', 'gstin no', 'gst number',
    'gstin uin of supplier', 'gst in', 'party gstin uin', 'vendor gstin']],
  ['pan', ['pan no', 'pan', 'pan number', 'it pan']],
  ['taxableValue', ['value', 'taxable value', 'assessable value', 'taxable amount', 'taxable amt', 'taxable']],
  ['invoiceValue', ['gross total', 'invoice value', 'invoice amount', 'bill amount', 'total amount', 'total value', 'amount']],
  ['igst', ['integrated tax', 'igst amt', 'igst', 'igst amount', 'integrated tax amount']],
  ['cgst', ['central tax', 'cgst', 'cgst amt', 'cgst amount', 'central tax amount']],
  ['sgst', ['state ut tax', 'sgst', 'sgst amt', 'sgst amount', 'utgst', 'sgst utgst', 'state tax', 'state ut tax amount']],
  ['cess', ['cess', 'cess amt', 'cess amount']],
  ['placeOfSupply', ['place of supply', 'pos', 'place of supply pos']],
  ['reverseCharge', ['reverse charge', 'rcm', 'reverse charge applicable', 'supply attract reverse charge', 'is rcm']],
  ['docType', ['document type', 'doc type', 'note type']],
  ['itcEligible', ['itc eligible', 'eligible for itc', 'itc eligibility', 'eligibility for itc', 'itc availability']],
  ['portCode', ['port code']],
  ['billOfEntryNumber', ['bill of entry no', 'bill of entry number', 'boe no', 'boe number']],
  ['busyTaxType', ['type', 'tax type']],
  ['ignore', ['narration', 'quantity', 'rate', 'consignee party', 'address', 'sr no', 's no', 'sl no', 'unit', 'round off',
    'hsn', 'hsn sac', 'hsn code']],
];
const SYNONYM_MAP: ReadonlyMap<string, RegisterField> = new Map(
  SYNONYMS.flatMap(([field, names]) => names.map((n) => [n, field] as [string, RegisterField])),
);

/**
 * Map one header cell: user map, then synonyms, then Tally ledger classification (§5.1): a
 * ledger column is a tax head when its words name one (CGST/Central, SGST/UTGST/State,
 * IGST/Integrated, Cess) — word-based so "Purchase - Interstate" is not SGST — and a purchase
 * ledger (part of taxable value) when it names a purchase.
 */
export function mapHeader(header: string, userMap?: Readonly<Record<string, RegisterField>>): RegisterField | null {
  const norm = normaliseHeader(header);
  if (norm === '') return null;
  if (userMap) {
    for (const [k, v] of Object.entries(userMap)) if (normaliseHeader(k) === norm) return v;
  }
  const syn = SYNONYM_MAP.get(norm);
  if (syn) return syn;
  const words = new Set(norm.split(' '));
  if (words.has('round')) return 'ignore';
  const tax: RegisterField | null = words.has('cess') ? 'cess'
    : words.has('igst') || words.has('integrated') ? 'igst'
      : words.has('cgst') || words.has('central') ? 'cgst'
        : words.has('sgst') || words.has('utgst') || words.has('state') ? 'sgst' : null;
  const purchase = words.has('purchase') || words.has('purchases') || words.has('purch');
  if (tax && (!purchase || words.has('input'))) return tax;
  if (purchase) return 'purchaseLedger';
  return null;
}

const ABSENT: { sum: number; present: boolean } = Object.freeze({ sum: 0, present: false });

function cellText(c: Cell): string {
  if (c === null) return '';
  if (c instanceof Date) return c.toISOString().slice(0, 10);
  return String(c).trim();
}

const NUMBER_FIELDS: ReadonlySet<RegisterField> = new Set(['invoiceNumber', 'voucherNumber']);
const AMOUNT_FIELDS: ReadonlySet<RegisterField> = new Set(['taxableValue', 'igst', 'cgst', 'sgst', 'cess', 'purchaseLedger', 'invoiceValue']);

function looksLikeHeader(mapped: Array<RegisterField | null>): boolean {
  const fields = mapped.filter((f): f is RegisterField => f !== null && f !== 'ignore');
  const distinct = new Set(fields);
  const hasNumber = fields.some((f) => NUMBER_FIELDS.has(f));
  const hasAmount = fields.some((f) => AMOUNT_FIELDS.has(f));
  return distinct.size >= 4 && hasNumber && hasAmount;
}

const TOTAL_ROW = /^(grand\s*total|total|sub[\s-]*total|page\s*total|carried\s*over|brought\s*forward)\b/i;

// ---- row accumulation --------------------------------------------------------------------------

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

/** Tally voucher types are the client's view: a Debit Note voucher is the supplier's credit note. */
function docTypeFromVoucherType(v: string): DocType | 'skip' | null {
  const s = v.toLowerCase();
  if (s === '') return null;
  if (s.includes('debit note') || s.includes('purchase return')) return 'credit_note';
  if (s.includes('credit note')) return 'debit_note';
  if (s.includes('purchase') || s.includes('journal') || s.includes('import')) return 'invoice';
  if (s.includes('sales') || s.includes('receipt') || s.includes('payment') || s.includes('contra')) return 'skip';
  return null;
}

/** A document-type column describes the supplier's document. */
function docTypeFromColumn(v: string): DocType | null {
  const s = v.toLowerCase().replace(/[^a-z]/g, '');
  if (s === '') return null;
  if (['invoice', 'inv', 'taxinvoice', 'purchase', 'bill', 'i', 'r', 'regular'].includes(s)) return 'invoice';
  if (['creditnote', 'cn', 'c', 'cdn'].includes(s)) return 'credit_note';
  if (['debitnote', 'dn', 'd'].includes(s)) return 'debit_note';
  if (['billofentry', 'boe', 'import', 'impg'].includes(s)) return 'bill_of_entry';
  if (['isdinvoice', 'isdi'].includes(s)) return 'isd_invoice';
  if (['isdcreditnote', 'isdc'].includes(s)) return 'isd_credit_note';
  return null;
}

class RegisterSink {
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
    // Busy layout (§5.2): one total and a type such as L/GST-18% → back-compute the heads.
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
      // §5.4: lines of one voucher (item-wise export) are one document.
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
        // §7.4: a purchase return recorded as negative numbers is the supplier's credit note.
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
    return { ok, rows: ok ? rows : [], mapping: this.mapping, skipped: this.skipped, mergedLines: this.mergedLines, warnings: this.warnings, errors: this.errors };
  }
}

/** Numbers typed into number columns come back from Excel as numbers: 1234 → "1234", not "1234.00". */
function numberCell(c: Cell): Cell {
  if (typeof c === 'number' && Number.isInteger(c)) return String(c);
  return c;
}

// ---- sources -------------------------------------------------------------------------------------

export type ByteSource = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** Pull the first chunk to sniff it, then give back a stream that still starts at byte 0. */
async function peek(src: ByteSource): Promise<{ head: Uint8Array; stream: Readable }> {
  if (typeof src === 'string') return { head: Buffer.from(src.slice(0, 4096)), stream: Readable.from([src]) };
  if (src instanceof Uint8Array) {
    // Zip readers want Buffers, not bare Uint8Arrays; this is a view, not a copy.
    const buf = Buffer.isBuffer(src) ? src : Buffer.from(src.buffer, src.byteOffset, src.byteLength);
    return { head: buf.subarray(0, 4096), stream: Readable.from([buf]) };
  }
  const it = (Symbol.asyncIterator in (src as object)
    ? (src as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator]()
    : (async function* () { yield* src as Iterable<string | Uint8Array>; })());
  const first = await it.next();
  const chunk = first.done ? Buffer.alloc(0) : typeof first.value === 'string' ? Buffer.from(first.value) : Buffer.from(first.value);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (chunk.length > 0) yield chunk;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    }
  }
  return { head: chunk.subarray(0, 4096), stream: Readable.from(rest()) };
}

function detectDelimiter(head: Uint8Array): string {
  const text = new TextDecoder().decode(head);
  const firstLines = text.split(/\r?\n/).slice(0, 15).join('\n');
  const counts: Array<[string, number]> = [',', ';', '\t', '|'].map((d) => [d, firstLines.split(d).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

function refuse(reason: string, code: string): RegisterReadResult {
  const sink = new RegisterSink({});
  sink.error({ code, fatal: true, message: reason });
  return sink.result();
}

/** How much of the file we buffer to find the header line (title blocks are a few lines). */
const HEADER_PREFIX_BYTES = 1 << 20;

/**
 * Read a CSV register from a string, bytes or a stream of chunks.
 *
 * csv-parse fixes the expected record width from the first record and, when a record differs,
 * constructs a full CsvError (with a stack trace) even under `relax_column_count` — and the first
 * record of a Tally export is the one-cell company name. So we buffer a small prefix, find the
 * header line there, feed the title rows to the sink from that prefix, and start the streaming
 * parse at the header line (`from_line`), which makes the header fix the width.
 */
export async function readRegisterCsv(src: ByteSource, options: RegisterReadOptions = {}): Promise<RegisterReadResult> {
  const { head, stream } = await peek(src);
  const kind = sniffContent(head);
  if (kind.kind === 'empty') return refuse('empty file', 'empty_file');
  if (kind.kind !== 'csv') {
    stream.destroy();
    return refuse(kind.kind === 'binary' ? `not a CSV file: ${kind.reason}` : `not a CSV file: looks like ${kind.kind}`, 'not_csv');
  }
  const sink = new RegisterSink(options);
  const delimiter = options.csvDelimiter ?? detectDelimiter(head);
  const searchRows = options.headerSearchRows ?? 60;
  // 1. Buffer a prefix: enough lines to contain the header.
  const iter = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const prefixParts: Buffer[] = [];
  let prefixLen = 0;
  let newlines = 0;
  let exhausted = false;
  while (prefixLen < HEADER_PREFIX_BYTES && newlines <= searchRows + 1) {
    const n = await iter.next();
    if (n.done) {
      exhausted = true;
      break;
    }
    const b = typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    prefixParts.push(b);
    prefixLen += b.length;
    for (let i = 0; i < b.length; i += 1) if (b[i] === 10) newlines += 1;
  }
  const prefix = Buffer.concat(prefixParts);
  // 2. Find the header among the complete lines of the prefix.
  let headerLine = 0;
  const titleRecords: Array<{ record: string[]; line: number }> = [];
  {
    const text = prefix.toString('utf8');
    const cut = exhausted ? text.length : text.lastIndexOf('\n') + 1;
    try {
      const recs = parseCsvSync(text.slice(0, cut), {
        bom: true, delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true,
      }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
      for (const r of recs) {
        if (looksLikeHeader(r.record.map((t) => mapHeader(t.trim(), options.columnMap)))) {
          headerLine = r.info.lines;
          break;
        }
        titleRecords.push({ record: r.record, line: r.info.lines });
      }
    } catch {
      // A malformed prefix: let the streaming parse below report the error with its line.
      headerLine = 0;
    }
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield prefix;
    for (;;) {
      const n = await iter.next();
      if (n.done) return;
      yield typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    }
  }
  if (headerLine > 0) for (const t of titleRecords) sink.row(t.record, t.line);
  // 3. Stream the rest from the header line (or from the top when no header was seen).
  const parser = parseCsv({
    bom: true,
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    info: true,
    ...(headerLine > 0 ? { from_line: headerLine } : {}),
  });
  try {
    for await (const rec of Readable.from(replay()).pipe(parser) as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!sink.admit(rec.record.length)) break;
      sink.row(rec.record, rec.info.lines);
      if (sink.fatal) break;
    }
  } catch (e) {
    sink.error({ code: 'invalid_csv', fatal: true, message: (e as Error).message });
  }
  return sink.result();
}

type ExcelValue = ExcelJS.CellValue;

function excelCell(v: ExcelValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('richText' in v && Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return excelCell(v.result as ExcelValue);
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('error' in v) return null;
  }
  return null;
}

/** Read an XLSX register (every sheet that carries a register header) without loading the workbook. */
export async function readRegisterXlsx(src: ByteSource, options: RegisterReadOptions = {}): Promise<RegisterReadResult> {
  const { head, stream } = await peek(src);
  const kind = sniffContent(head);
  if (kind.kind !== 'xlsx') {
    stream.destroy();
    return refuse(kind.kind === 'empty' ? 'empty file' : `not an XLSX workbook${kind.reason ? `: ${kind.reason}` : ''}`, kind.kind === 'empty' ? 'empty_file' : 'not_xlsx');
  }
  const sink = new RegisterSink(options);
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
      worksheets: 'emit', sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore', entries: 'ignore',
    });
    sheets: for await (const ws of reader) {
      sink.startSheet((ws as unknown as { name?: string }).name ?? 'Sheet');
      for await (const row of ws) {
        const values = row.values as ExcelValue[];
        if (!sink.admit(Math.max(0, values.length - 1))) break sheets;
        const cells: Cell[] = [];
        for (let i = 1; i < values.length; i += 1) cells.push(excelCell(values[i]));
        sink.row(cells, row.number);
      }
    }
    if (sink.fatal) stream.destroy();
  } catch (e) {
    sink.error({ code: 'invalid_xlsx', fatal: true, message: `workbook could not be read: ${(e as Error).message}` });
  }
  return sink.result();
}

/** Sniff and dispatch: CSV or XLSX; JSON and binary files are refused with a clear error. */
export async function readRegister(src: ByteSource, options: RegisterReadOptions = {}): Promise<RegisterReadResult> {
  const { head, stream } = await peek(src);
  const kind = sniffContent(head);
  const again = async function* (): AsyncGenerator<Uint8Array> {
    for await (const c of stream) yield c as Uint8Array;
  };
  switch (kind.kind) {
    case 'csv':
      return readRegisterCsv(again(), options);
    case 'xlsx':
      return readRegisterXlsx(again(), options);
    case 'json':
      stream.destroy();
      return refuse('this is a JSON file (a GSTR-2B?), not a purchase register', 'unexpected_json');
    case 'empty':
      return refuse('empty file', 'empty_file');
    default:
      stream.destroy();
      return refuse(`file refused: ${kind.reason ?? 'binary content'}`, 'binary_content');
  }
}
