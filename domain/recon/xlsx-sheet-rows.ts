/**
 * A worksheet's rows from its XML text, piece by piece as it is inflated, with `indexOf` instead of
 * an XML parser (ops/bench/register-xlsx-floor.ts measures it against exceljs and saxes): only a
 * row's text is ever held, never the sheet's. Each row's cells are the ones exceljs's streaming
 * reader handed over (with styles ignored, as the register reader always read them), rule for rule:
 * - `t="s"` is the shared string (null past the list, and null-but-present without a shared-strings
 *   part); `inlineStr` and `str` are the text decoded once more (exceljs's `xmlDecode`); `b` is
 *   `parseInt(v) !== 0`; `e` is present but null; anything else (numbers, `t="d"`) is `parseFloat`;
 *   dates stay serial numbers (exceljs only made Dates from a style's number format, and styles were
 *   ignored), in the workbook's own date system;
 * - a cell with a formula is its cached value (`parseFloat` unless `t="str"`) when that is truthy,
 *   else present but null (a shared formula's other cells, whose `<f>` is empty, keep any value);
 * - the row's cells run to the last column with a value (blank cells inside are null); a later cell
 *   of the same column replaces an earlier one when it has a value;
 * - in a cell, the value is the text from its last `<v>`, `<is>` or `<t>` on (CDATA ignored);
 * - the row number is the row's `r`; a cell's column is the letters of its `r`; a cell without a
 *   usable reference refuses the workbook (exceljs failed on it too).
 * Close tags are found with `indexOf`, so a `</row>` or `</c>` inside a CDATA section or a comment
 * ends the row or cell there, where exceljs read past it (docs/performance.md, the XLSX reader).
 * A row whose text passes 32 MB is refused (exceljs held any row): 16,384 real cells fit many times.
 */
import type { Cell } from './register-read-types';
import { XLSX_CELL_CHARS } from './text-limits';
import { attr, excelDecodeAgain, tagEnd, xmlSteps, xmlText } from './xlsx-xml';

export interface SheetRow {
  /** The row's `r` (NaN when it has none). */
  number: number;
  /** Column A first. */
  cells: Cell[];
}

/** A cell that counts for the row's length but reads as null (an error value, a formula without a result). */
const PRESENT_NULL = Symbol('present null');
type Slot = Cell | typeof PRESENT_NULL | undefined;

const MAX_COLUMN = 16_384;

function isNameEnd(c: string | undefined): boolean {
  return c === ' ' || c === '>' || c === '/' || c === '\t' || c === '\n' || c === '\r';
}

/** The column number of a cell reference, as exceljs reads it (leading capitals; `$` skipped). */
function columnOf(ref: string | undefined): number {
  if (ref === undefined) throw new Error('a cell of the workbook has no reference (r)');
  let col = 0;
  let hasCol = false;
  let hasRow = false;
  for (let i = 0; i < ref.length; i += 1) {
    const code = ref.charCodeAt(i);
    if (!hasRow && code >= 65 && code <= 90) {
      hasCol = true;
      col = col * 26 + code - 64;
    } else if (code >= 48 && code <= 57) hasRow = true;
    else if (hasRow && hasCol && code !== 36) break;
  }
  if (!hasCol || col > MAX_COLUMN) throw new Error(`a cell of the workbook has an invalid reference: ${ref.slice(0, 20)}`);
  return col;
}

/** The most text an unfinished row (or `<sheetData>` tag) may hold before the workbook is refused. */
export const MAX_ROW_CHARS = 32 * 1024 * 1024;

/**
 * A row (its `</row>` awaited) or a `<sheetData` tag (its `>` awaited) that has not ended yet, kept as
 * the pieces it came in. Each new piece is searched for the end from where the last search stopped,
 * by tagEnd's rules for the start tag (quoted values skipped), then for `</row>` (one cut between
 * two pieces too): joining the text and searching it again from the start with every piece would
 * cost a long row its length squared, on the thread that serves requests.
 */
class Unfinished {
  private readonly pieces: string[] = [];
  private length = 0;
  private phase: 'tag' | 'body' = 'tag';
  /** The quote (character code) open in the start tag, 0 when none. */
  private quote = 0;
  /** The start tag's last character so far: a `/` before its `>` ends the row there. */
  private last: number;
  /** The body's last characters (at most 5), for a `</row>` cut between pieces. */
  private tail = '';

  /** `text` starts with the tag's name, which ends at `nameEnd`. */
  constructor(private readonly isRow: boolean, text: string, nameEnd: number) {
    this.last = text.charCodeAt(nameEnd - 1);
    this.add(text, nameEnd);
  }

  /** Keeps the next piece of text; true when the awaited end is in the text kept. */
  add(piece: string, from = 0): boolean {
    this.pieces.push(piece);
    this.length += piece.length;
    if (this.ends(piece, from)) return true;
    if (this.length > MAX_ROW_CHARS) throw new Error(this.isRow ? 'a row of the workbook is larger than 32 MB' : 'the <sheetData> tag of the workbook is larger than 32 MB');
    return false;
  }

  /** All the text kept, joined once. */
  text(): string {
    return this.pieces.length === 1 ? this.pieces[0]! : this.pieces.join('');
  }

  private ends(piece: string, from: number): boolean {
    let k = from;
    if (this.phase === 'tag') {
      let quote = this.quote;
      let last = this.last;
      for (; k < piece.length; k += 1) {
        const c = piece.charCodeAt(k);
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === 62) break; // >
        else if (c === 34 || c === 39) quote = c; // " or '
        last = c;
      }
      this.quote = quote;
      this.last = last;
      if (k === piece.length) return false;
      if (!this.isRow || last === 47) return true; // the <sheetData> tag's end, or <row .../>
      this.phase = 'body';
      k += 1;
    }
    if (k === 0 && this.tail !== '' && (this.tail + piece.slice(0, 5)).includes('</row>')) return true;
    if (piece.indexOf('</row>', k) >= 0) return true;
    this.tail = piece.length - k >= 5 ? piece.slice(piece.length - 5) : (this.tail + piece.slice(k)).slice(-5);
    return false;
  }
}

export class SheetRows {
  /** Text not yet read, at most 16 characters: where a tag's name may have been cut between pieces. */
  private carry = '';
  /** The start of a row (or of `<sheetData>`) whose end has not come yet. */
  private unfinished: Unfinished | null = null;
  private where: 'before' | 'rows' | 'after' = 'before';

  /** `shared`: the workbook's shared strings, or null when it has none. */
  constructor(private readonly shared: ReadonlyArray<string | null> | null) {}

  /** Reads the next piece of the sheet's text, adding the rows it completes to `out`. */
  push(piece: string, out: SheetRow[]): void {
    if (this.where === 'after') return;
    let s: string;
    if (this.unfinished !== null) {
      // Read only once the row has ended: its text then starts `s`, and what follows is this piece's.
      if (!this.unfinished.add(piece)) return;
      s = this.unfinished.text();
      this.unfinished = null;
    } else s = this.carry === '' ? piece : this.carry + piece;
    this.carry = '';
    let i = 0;
    if (this.where === 'before') {
      const at = findTag(s, '<sheetData', 0);
      if (at < 0) {
        this.carry = s.slice(Math.max(0, s.length - 16));
        return;
      }
      const gt = tagEnd(s, at + 10);
      if (gt < 0) {
        this.unfinished = new Unfinished(false, s.slice(at), 10);
        return;
      }
      if (s[gt - 1] === '/') {
        this.where = 'after';
        return;
      }
      this.where = 'rows';
      i = gt + 1;
    }
    // The end of the rows in this piece, if it is in it (searched once: rows only come before it).
    const done = s.indexOf('</sheetData', i);
    for (;;) {
      const row = findTag(s, '<row', i);
      if (done >= 0 && (row < 0 || done < row)) {
        this.where = 'after';
        return;
      }
      if (row < 0) {
        this.carry = s.slice(Math.max(i, s.length - 16));
        return;
      }
      const gt = tagEnd(s, row + 4);
      if (gt < 0) {
        this.unfinished = new Unfinished(true, s.slice(row), 4);
        return;
      }
      const selfClosing = s[gt - 1] === '/';
      const number = Number.parseInt(attr(s.slice(row + 4, selfClosing ? gt - 1 : gt), 'r') ?? '', 10);
      if (selfClosing) {
        out.push({ number, cells: [] });
        i = gt + 1;
        continue;
      }
      const close = s.indexOf('</row>', gt + 1);
      if (close < 0) {
        this.unfinished = new Unfinished(true, s.slice(row), 4);
        return;
      }
      out.push({ number, cells: this.cellsOf(s, gt + 1, close, number) });
      i = close + 6;
    }
  }

  private cellsOf(s: string, from: number, to: number, rowNumber: number): Cell[] {
    const slots: Slot[] = [];
    let i = from;
    for (;;) {
      const at = s.indexOf('<c', i);
      if (at < 0 || at >= to) break;
      if (!isNameEnd(s[at + 2])) {
        i = at + 2;
        continue;
      }
      const gt = tagEnd(s, at + 2);
      if (gt < 0 || gt >= to) throw new Error("unclosed cell in the workbook's XML");
      const selfClosing = s[gt - 1] === '/';
      const attrs = s.slice(at + 2, selfClosing ? gt - 1 : gt);
      const col = columnOf(attr(attrs, 'r'));
      if (!(rowNumber >= 0)) throw new Error('a row of the workbook has no usable row number (r)');
      if (selfClosing) {
        i = gt + 1;
        continue;
      }
      const end = s.indexOf('</c>', gt + 1);
      if (end < 0 || end > to) throw new Error("unclosed cell in the workbook's XML");
      const t = attr(attrs, 't');
      // The shape nearly every writer uses: <v>text</v> and nothing else.
      if (end - gt - 1 >= 7 && s.startsWith('<v>', gt + 1) && s.startsWith('</v>', end - 4) && s.indexOf('<', gt + 4) === end - 4) {
        const raw = s.slice(gt + 4, end - 4);
        this.assign(slots, col, t, raw.includes('&') || raw.includes('\r') ? xmlText(raw) : raw);
      } else this.unusual(slots, col, t, s, gt + 1, end);
      i = end + 4;
    }
    let len = slots.length - 1;
    while (len > 0 && slots[len] === undefined) len -= 1;
    const cells: Cell[] = new Array<Cell>(Math.max(0, len));
    for (let c = 1; c <= len; c += 1) {
      const v = slots[c];
      cells[c - 1] = v === undefined || v === PRESENT_NULL ? null : v;
    }
    return cells;
  }

  /** A cell's value from its `<v>` (or inline string) text, by its type. */
  private assign(slots: Slot[], col: number, t: string | undefined, text: string): void {
    let v: Slot;
    switch (t) {
      case 's': {
        if (this.shared === null) v = PRESENT_NULL;
        else v = this.shared[Number.parseInt(text, 10)] ?? undefined;
        break;
      }
      case 'inlineStr':
      case 'str':
        v = cellString(excelDecodeAgain(text));
        break;
      case 'e':
        v = PRESENT_NULL;
        break;
      case 'b':
        v = Number.parseInt(text, 10) !== 0;
        break;
      default:
        v = Number.parseFloat(text);
    }
    slots[col] = v;
  }

  /** Any other cell content (formulas, inline strings, whitespace, entities), walked tag by tag. */
  private unusual(slots: Slot[], col: number, t: string | undefined, s: string, from: number, to: number): void {
    let formula: string | undefined;
    let value: string | undefined;
    let current: 'f' | 'v' | null = null;
    for (const step of xmlSteps(s, from, to)) {
      if (step.kind === 'open') {
        if (step.name === 'f') {
          formula = '';
          current = 'f';
        } else if (step.name === 'v' || step.name === 'is' || step.name === 't') {
          value = '';
          current = 'v';
        }
      } else if (step.kind === 'text') {
        if (current === 'v') value += step.text;
        else if (current === 'f') formula += step.text;
      }
    }
    if (formula !== undefined) {
      const result = value === undefined ? undefined : t === 'str' ? cellString(excelDecodeAgain(value)) : Number.parseFloat(value);
      // exceljs keeps a formula's cached result only when it is truthy (0, NaN and '' read as no
      // result); a formula with no text (a shared formula's other cells) keeps any result.
      if (formula !== '') slots[col] = result ? result : PRESENT_NULL;
      else slots[col] = result === undefined ? PRESENT_NULL : result;
    } else if (value !== undefined) this.assign(slots, col, t, value);
  }
}

/**
 * An inline or formula string as read, refused past Excel's limit for a cell (text-limits.ts): a
 * longer one was not written by Excel, and every row that reads it would pay for its length.
 */
function cellString(text: string): string {
  if (text.length > XLSX_CELL_CHARS) throw new Error(`a cell of the workbook has ${text.length} characters, more than Excel's ${XLSX_CELL_CHARS}`);
  return text;
}

/** The next `<name` that is a whole tag name (not `<rowBreaks` for `<row`), or -1. */
function findTag(s: string, open: string, from: number): number {
  let i = from;
  for (;;) {
    const at = s.indexOf(open, i);
    if (at < 0) return -1;
    const c = s[at + open.length];
    if (c === undefined) return -1; // the name may go on in the next piece: read it again then
    if (isNameEnd(c)) return at;
    i = at + open.length;
  }
}
