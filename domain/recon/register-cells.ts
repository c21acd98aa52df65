/**
 * What the register sink reads from one row's cells, with as little work per row as it can: column
 * lists fixed at header time in an object of one shape (no map look-up per field per row), and memos
 * for the cells a register repeats on every row (dates: a few hundred distinct a year; supplier
 * GSTINs: one per supplier). Every answer is the one parseDate and checkGstin give: the memos only
 * remember them.
 */
import { type DateResult, type DateSystem, parseDate } from './dates';
import { checkGstin, type GstinCheck } from './normalise';
import type { RegisterField } from './register-header';
import type { Cell } from './register-read-types';

/** A cell as text: trimmed, a date as its ISO day. */
export function cellText(c: Cell): string {
  if (typeof c === 'string') return c.trim(); // a CSV's every cell: first, before the instanceof
  if (c === null) return '';
  if (c instanceof Date) return c.toISOString().slice(0, 10);
  return String(c).trim();
}

/**
 * Whether a text is its own trimmed text without calling `trim`: empty, or beginning and ending
 * with a printable ASCII character other than a space (trim removes only white space and line
 * terminators, none of which is one).
 */
export function isTrimmed(t: string): boolean {
  const n = t.length;
  if (n === 0) return true;
  const a = t.charCodeAt(0);
  const z = t.charCodeAt(n - 1);
  return a > 0x20 && a < 0x7f && z > 0x20 && z < 0x7f;
}

/** Each field's columns, in header order (empty when the register has none). */
export type FieldColumns = Readonly<Record<RegisterField, readonly number[]>>;

const NONE: readonly number[] = Object.freeze([]);

export function fieldColumns(mapped: ReadonlyArray<RegisterField | null>): FieldColumns {
  // Every field in one fixed order, so that every object built here has the same shape.
  const cols: Record<RegisterField, number[] | readonly number[]> = {
    voucherDate: NONE, supplierName: NONE, voucherType: NONE, voucherNumber: NONE, invoiceNumber: NONE, invoiceDate: NONE,
    gstin: NONE, pan: NONE, taxableValue: NONE, invoiceValue: NONE, igst: NONE, cgst: NONE, sgst: NONE, cess: NONE,
    placeOfSupply: NONE, reverseCharge: NONE, docType: NONE, itcEligible: NONE, portCode: NONE, billOfEntryNumber: NONE,
    busyTaxType: NONE, purchaseLedger: NONE, ignore: NONE,
  };
  mapped.forEach((f, i) => {
    if (!f || f === 'ignore') return;
    cols[f] = cols[f] === NONE ? [i] : [...cols[f], i];
  });
  return cols;
}

/** Index of the first of `list`'s columns whose text is not blank, or -1. */
export function firstFilled(list: readonly number[], texts: readonly string[]): number {
  for (let k = 0; k < list.length; k += 1) {
    const i = list[k]!;
    if (i < texts.length && texts[i] !== '') return i;
  }
  return -1;
}

/** The text of the field's first filled cell ('' when none). */
export function textOf(list: readonly number[], texts: readonly string[]): string {
  const i = firstFilled(list, texts);
  return i < 0 ? '' : texts[i]!;
}

/** The field's first filled cell as read (numbers, Dates and flags kept), or null. */
export function cellOf(list: readonly number[], cells: readonly Cell[], texts: readonly string[]): Cell {
  const i = firstFilled(list, texts);
  return i < 0 ? null : cells[i]!;
}

export const TOTAL_ROW = /^(grand\s*total|total|sub[\s-]*total|page\s*total|carried\s*over|brought\s*forward)\b/i;

/**
 * Whether a (non-blank) cell starts with a total word. The pattern runs only on cells whose first
 * three letters begin one of its words (gra-, tot-, sub-, pag-, car-, bro-), in either case: an /i
 * pattern without the u flag matches an ASCII letter only with its ASCII other case, so no other
 * cell can match. (A register's supplier names and voucher types begin with the words' first
 * letters on every row: "Supplier…", "Purchase".)
 */
export function isTotalWord(t: string): boolean {
  if (t.length < 3) return false; // every total word has three letters or more
  // `| 0x20` is a letter's lower case, and equals a lower-case letter for no other character.
  const c1 = t.charCodeAt(1) | 0x20;
  const c2 = t.charCodeAt(2) | 0x20;
  let starts: boolean;
  switch (t.charCodeAt(0) | 0x20) {
    case 0x67: starts = c1 === 0x72 && c2 === 0x61; break; // gra
    case 0x74: starts = c1 === 0x6f && c2 === 0x74; break; // tot
    case 0x73: starts = c1 === 0x75 && c2 === 0x62; break; // sub
    case 0x70: starts = c1 === 0x61 && c2 === 0x67; break; // pag
    case 0x63: starts = c1 === 0x61 && c2 === 0x72; break; // car
    case 0x62: starts = c1 === 0x72 && c2 === 0x6f; break; // bro
    default: starts = false;
  }
  return starts && TOTAL_ROW.test(t);
}

/**
 * A copy of `text` that shares no memory with the text it was cut from. The CSV tokenizer's cells
 * are slices of a 64 KB piece of the file (csv-records.ts), and in V8 a slice of 13 characters or
 * more keeps the whole piece alive (shorter ones are copied): so every text the reader keeps past
 * the row (a document's fields, a header, an issue's message) goes through here, or the parsed
 * documents would hold the file's text. Cheaper than copying every cell: most cells are dropped.
 */
export function ownText(text: string): string {
  // Joining two pieces writes their characters into a new string (a concatenation, a slice, a
  // template or a one-piece join would point at the old one); the cheapest such copy measured,
  // several times cheaper than a JSON round trip.
  return text.length < 13 ? text : [text.slice(0, 1), text.slice(1)].join('');
}

/**
 * The eight digits of a text that is exactly `dd-mm-yyyy` (ASCII digits, dashes), as one number:
 * it tells such texts apart exactly, so it can stand for the text as a memo's key. -1 for any other
 * text.
 */
export function dashedDateKey(t: string): number {
  if (t.length !== 10 || t.charCodeAt(2) !== 0x2d || t.charCodeAt(5) !== 0x2d) return -1;
  let key = 0;
  for (let i = 0; i < 10; i += 1) {
    if (i === 2 || i === 5) continue;
    const d = t.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    key = key * 10 + d;
  }
  return key;
}

/** A GSTIN cell's check, and the name its supplier's last row gave (a text of its own). */
export interface SupplierCheck extends GstinCheck {
  name: string;
}

/** Past this many distinct keys a memo starts again (a register of unique dates is not held). */
const MEMO_LIMIT = 20_000;

export class CellMemos {
  private readonly dates = new Map<string, DateResult>();
  /** Dates written `dd-mm-yyyy`, by dashedDateKey. */
  private readonly dashedDates = new Map<number, DateResult>();
  private readonly gstins = new Map<string, SupplierCheck>();

  /** The last date text and its answer: a register sorted by date repeats it row after row, and comparing texts needs no hash. */
  private lastDateText = '';
  private lastDate: DateResult = parseDate('');
  /** How a serial date (a number, or digits as text) of this register counts: its workbook's date system. */
  private system: DateSystem = '1900';

  /** Serial dates from here on count in `system`; the remembered answers are forgotten if it changes. */
  useDateSystem(system: DateSystem): void {
    if (system === this.system) return;
    this.system = system;
    this.dates.clear();
    this.dashedDates.clear();
    this.lastDateText = '';
    this.lastDate = parseDate('');
  }

  date(c: unknown): DateResult {
    if (typeof c !== 'string') return parseDate(c, this.system);
    const key = dashedDateKey(c);
    if (key >= 0) {
      // The commonest shape, remembered by its digits: no hash of a fresh text, no text compared.
      let d = this.dashedDates.get(key);
      if (d === undefined) {
        if (this.dashedDates.size >= MEMO_LIMIT) this.dashedDates.clear();
        d = parseDate(c, this.system);
        this.dashedDates.set(key, d);
      }
      return d;
    }
    if (c === this.lastDateText) return this.lastDate;
    let d = this.dates.get(c);
    if (d === undefined) {
      if (this.dates.size >= MEMO_LIMIT) this.dates.clear();
      d = parseDate(c, this.system);
      this.dates.set(ownText(c), d);
    }
    this.lastDateText = c;
    this.lastDate = d;
    return d;
  }

  gstin(raw: string): SupplierCheck {
    let g = this.gstins.get(raw);
    if (g === undefined) {
      if (this.gstins.size >= MEMO_LIMIT) this.gstins.clear();
      const own = ownText(raw); // kept as the key too: a cell's text would keep its piece of the file
      const { gstin, problem } = checkGstin(own);
      g = { gstin, problem, name: '' };
      this.gstins.set(own, g);
    }
    return g;
  }

  /**
   * `text` (a supplier name cell) as a text of its own (ownText), the same one while the supplier's
   * rows give the same name, as they mostly do: no copy per row, and one copy held by all its documents.
   */
  supplierName(g: SupplierCheck, text: string): string {
    if (text !== g.name) g.name = ownText(text);
    return g.name;
  }
}
