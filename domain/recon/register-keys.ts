/**
 * The documents a register read has begun, found again by the key that joins a voucher's lines
 * (docs/reconciliation.md, "Inputs"): sheet, voucher type and voucher number with the voucher
 * date; else sheet, supplier GSTIN and cleaned invoice number with the invoice date; else the
 * sheet and the line, which joins nothing.
 *
 * Two lines are one document exactly when the text `sheet|V|type|number|date` (or
 * `sheet|I|gstin|number|date`, `sheet|L|line`) of the one equals the other's. Building and hashing
 * that text for every row of a lakh cost more than the rest of the key's work, so the parts are
 * compared apart instead: each sheet has its own tables, looked up by the voucher (or invoice)
 * number alone, a plain number as a number, and a number's documents are told apart by their other
 * parts. That is the same equality while no part holds a `|`; a row with one in its sheet name,
 * voucher type, number or GSTIN is keyed by the joined text as before, in a table of its own. No
 * joined text of one kind equals one of the other: without a `|` in a part a key has five pieces
 * (three for a line), and its last is a date (or a line number), so with a `|` in a part it has
 * more.
 */
/** What the index keeps of a document: the key parts it was found by (set when it is added). */
export interface Keyed {
  /** The voucher type in lower case (voucher key) or the supplier GSTIN (invoice key). */
  keyPart: string;
  /** The voucher date (voucher key) or the invoice date (invoice key). */
  keyDate: string;
}

/**
 * Numbers below this are looked up in an array by their value: registers number vouchers 1, 2, 3…,
 * and an array index costs a fraction of a hash table's look-up (a sparse array V8 keeps as a
 * table of its own, so a few large numbers cost no more than a Map).
 */
const DENSE_LIMIT = 1 << 22;

/** The number's value when it is a plain decimal below DENSE_LIMIT without a leading zero (so the text is its only spelling), else -1. */
function plainNumber(s: string): number {
  const n = s.length;
  if (n === 0 || n > 7) return -1;
  let v = 0;
  for (let i = 0; i < n; i += 1) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9 || (c === 0 && i === 0 && n > 1)) return -1;
    v = v * 10 + c;
  }
  return v < DENSE_LIMIT ? v : -1;
}

type Entry<T> = T | Map<string, T>;

/**
 * One sheet's documents of one kind by number: the number's one document, or once a second with
 * other parts comes, a table of its documents by `part|date` (neither part holds a `|` here).
 */
class Table<T extends Keyed> {
  private readonly byValue: Array<Entry<T> | undefined> = [];
  private readonly byText = new Map<string, Entry<T>>();

  find(number: string, part: string, date: string): T | undefined {
    const v = plainNumber(number);
    const a = v >= 0 ? this.byValue[v] : this.byText.get(number);
    if (a === undefined) return undefined;
    if (a instanceof Map) return a.get(`${part}|${date}`);
    return a.keyPart === part && a.keyDate === date ? a : undefined;
  }

  /** Adds a document that `find` did not find (`number` is kept: not a slice of a cell's text). */
  add(number: string, acc: T): void {
    const v = plainNumber(number);
    const a = v >= 0 ? this.byValue[v] : this.byText.get(number);
    if (a instanceof Map) {
      a.set(`${acc.keyPart}|${acc.keyDate}`, acc);
      return;
    }
    const entry: Entry<T> = a === undefined ? acc : new Map([[`${a.keyPart}|${a.keyDate}`, a], [`${acc.keyPart}|${acc.keyDate}`, acc]]);
    if (v >= 0) this.byValue[v] = entry;
    else this.byText.set(number, entry);
  }
}

class SheetTables<T extends Keyed> {
  readonly vouchers = new Table<T>();
  readonly invoices = new Table<T>();
  readonly lines = new Map<number, T>();
  constructor(readonly joined: boolean) {}
}

/** The documents begun, of any type that carries its key parts (the sink's, register-docs.ts). */
export class DocumentIndex<T extends Keyed> {
  private readonly sheets = new Map<string, SheetTables<T>>();
  /** Keys with a `|` in a part, as the joined text. */
  private readonly joined = new Map<string, T>();
  private sheetName = '';
  private sheet: SheetTables<T> = this.tablesOf('');

  private tablesOf(name: string): SheetTables<T> {
    let t = this.sheets.get(name);
    if (t === undefined) {
      t = new SheetTables<T>(name.includes('|'));
      this.sheets.set(name, t);
    }
    return t;
  }

  startSheet(name: string): void {
    this.sheetName = name;
    this.sheet = this.tablesOf(name);
  }

  /** The document of voucher `number` of type `typeLower` dated `date`, if begun. */
  voucher(typeLower: string, number: string, date: string): T | undefined {
    const key = this.joinedKey('V', typeLower, number, date);
    return key === null ? this.sheet.vouchers.find(number, typeLower, date) : this.joined.get(key);
  }

  addVoucher(typeLower: string, number: string, date: string, acc: T): void {
    acc.keyPart = typeLower;
    acc.keyDate = date;
    const key = this.joinedKey('V', typeLower, number, date);
    if (key === null) this.sheet.vouchers.add(number, acc);
    else this.joined.set(key, acc);
  }

  /** The document of supplier `gstin`'s invoice `number` (cleaned) dated `date`, if begun. */
  invoice(gstin: string, number: string, date: string): T | undefined {
    const key = this.joinedKey('I', gstin, number, date);
    return key === null ? this.sheet.invoices.find(number, gstin, date) : this.joined.get(key);
  }

  addInvoice(gstin: string, number: string, date: string, acc: T): void {
    acc.keyPart = gstin;
    acc.keyDate = date;
    const key = this.joinedKey('I', gstin, number, date);
    if (key === null) this.sheet.invoices.add(number, acc);
    else this.joined.set(key, acc);
  }

  /**
   * The joined text key of a document the tables cannot tell apart by its parts (a `|` in one of
   * them, or a sheet already keyed by text), or null when the tables key it: the one rule for
   * which documents fall back to the joined key.
   */
  private joinedKey(kind: 'V' | 'I', part: string, number: string, date: string): string | null {
    if (!this.sheet.joined && !hasBar(part) && !hasBar(number)) return null;
    return `${this.sheetName}|${kind}|${part}|${number}|${date}`;
  }

  /** The document begun on `line` of the sheet (only a sheet read twice has one). */
  line(line: number): T | undefined {
    return this.sheet.joined ? this.joined.get(`${this.sheetName}|L|${line}`) : this.sheet.lines.get(line);
  }

  addLine(line: number, acc: T): void {
    if (this.sheet.joined) this.joined.set(`${this.sheetName}|L|${line}`, acc);
    else this.sheet.lines.set(line, acc);
  }
}

function hasBar(s: string): boolean {
  return s.includes('|');
}
