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
/**
 * Documents are numbers (the sink's positions in its list of rows), and their key parts sit in two
 * arrays of the index: an entry of the tables is then a small integer, no object per document, and
 * the scavenger has no pointer to follow in the tables (docs/performance.md, "Readers").
 */
class KeyParts {
  /** The voucher type in lower case (voucher key) or the supplier GSTIN (invoice key), by document. */
  readonly part: string[] = [];
  /** The voucher date (voucher key) or the invoice date (invoice key), by document. */
  readonly date: string[] = [];

  set(id: number, part: string, date: string): void {
    this.part[id] = part;
    this.date[id] = date;
  }

  /** The `part|date` text that tells documents of one number apart (neither part holds a `|` here). */
  text(id: number): string {
    return `${this.part[id]!}|${this.date[id]!}`;
  }
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

/** A number's one document, or once a second with other parts comes, a table of its documents by `part|date`. */
type Entry = number | Map<string, number>;

/** One sheet's documents of one kind by number. */
class Table {
  private readonly byValue: Array<Entry | undefined> = [];
  private readonly byText = new Map<string, Entry>();

  constructor(private readonly keys: KeyParts) {}

  /** The document of that number (`v` its plainNumber) and parts, or -1. */
  find(number: string, v: number, part: string, date: string): number {
    const a = v >= 0 ? this.byValue[v] : this.byText.get(number);
    if (a === undefined) return -1;
    if (typeof a !== 'number') return a.get(`${part}|${date}`) ?? -1;
    return this.keys.part[a] === part && this.keys.date[a] === date ? a : -1;
  }

  /** Adds a document that `find` did not find, its parts set (`number` is kept: not a slice of a cell's text). */
  add(number: string, v: number, id: number): void {
    const a = v >= 0 ? this.byValue[v] : this.byText.get(number);
    if (a !== undefined && typeof a !== 'number') {
      a.set(this.keys.text(id), id);
      return;
    }
    const entry: Entry = a === undefined ? id : new Map([[this.keys.text(a), a], [this.keys.text(id), id]]);
    if (v >= 0) this.byValue[v] = entry;
    else this.byText.set(number, entry);
  }
}

class SheetTables {
  readonly vouchers: Table;
  readonly invoices: Table;
  readonly lines = new Map<number, number>();
  constructor(readonly joined: boolean, keys: KeyParts) {
    this.vouchers = new Table(keys);
    this.invoices = new Table(keys);
  }
}

/**
 * The documents begun, each a number given by the caller (a position in its list of documents,
 * each given once); the lookups answer that number, or -1 when the document was not begun.
 */
export class DocumentIndex {
  private readonly keys = new KeyParts();
  private readonly sheets = new Map<string, SheetTables>();
  /** Keys with a `|` in a part, as the joined text. */
  private readonly joined = new Map<string, number>();
  private sheetName = '';
  private sheet: SheetTables = this.tablesOf('');
  /** The last key part asked about and whether it holds a `|`: a register's rows repeat a handful of voucher types (and a supplier's GSTIN). */
  private lastPart = '';
  private lastPartBar = false;
  /**
   * The number the last look-up read and its plainNumber: the sink adds a document just after a
   * look-up that did not find it, with the same text (the same string, or its own copy of it), and
   * the addition takes the value from here instead of reading the number again
   * (docs/performance.md, "Readers").
   */
  private lastNumber = '';
  private lastValue = -1;

  /** The number's plainNumber, remembered for the addition that may follow. */
  private lookedUp(number: string): number {
    this.lastNumber = number;
    this.lastValue = plainNumber(number);
    return this.lastValue;
  }

  /** The number's plainNumber: the last look-up's when it was for this text. */
  private added(number: string): number {
    return number === this.lastNumber ? this.lastValue : plainNumber(number);
  }

  private partHasBar(part: string): boolean {
    if (part !== this.lastPart) {
      this.lastPart = part;
      this.lastPartBar = hasBar(part);
    }
    return this.lastPartBar;
  }

  private tablesOf(name: string): SheetTables {
    let t = this.sheets.get(name);
    if (t === undefined) {
      t = new SheetTables(name.includes('|'), this.keys);
      this.sheets.set(name, t);
    }
    return t;
  }

  startSheet(name: string): void {
    this.sheetName = name;
    this.sheet = this.tablesOf(name);
  }

  /** The document of voucher `number` of type `typeLower` dated `date`, if begun. */
  voucher(typeLower: string, number: string, date: string): number {
    const v = this.lookedUp(number);
    const key = this.joinedKey('V', typeLower, number, v, date);
    return key === null ? this.sheet.vouchers.find(number, v, typeLower, date) : this.joined.get(key) ?? -1;
  }

  addVoucher(typeLower: string, number: string, date: string, id: number): void {
    this.keys.set(id, typeLower, date);
    const v = this.added(number);
    const key = this.joinedKey('V', typeLower, number, v, date);
    if (key === null) this.sheet.vouchers.add(number, v, id);
    else this.joined.set(key, id);
  }

  /** The document of supplier `gstin`'s invoice `number` (cleaned) dated `date`, if begun. */
  invoice(gstin: string, number: string, date: string): number {
    const v = this.lookedUp(number);
    const key = this.joinedKey('I', gstin, number, v, date);
    return key === null ? this.sheet.invoices.find(number, v, gstin, date) : this.joined.get(key) ?? -1;
  }

  addInvoice(gstin: string, number: string, date: string, id: number): void {
    this.keys.set(id, gstin, date);
    const v = this.added(number);
    const key = this.joinedKey('I', gstin, number, v, date);
    if (key === null) this.sheet.invoices.add(number, v, id);
    else this.joined.set(key, id);
  }

  /**
   * The joined text key of a document the tables cannot tell apart by its parts (a `|` in one of
   * them, or a sheet already keyed by text), or null when the tables key it: the one rule for
   * which documents fall back to the joined key.
   */
  private joinedKey(kind: 'V' | 'I', part: string, number: string, v: number, date: string): string | null {
    if (!this.sheet.joined && !this.partHasBar(part) && (v >= 0 || !hasBar(number))) return null;
    return `${this.sheetName}|${kind}|${part}|${number}|${date}`;
  }

  /** The document begun on `line` of the sheet (only a sheet read twice has one). */
  line(line: number): number {
    return (this.sheet.joined ? this.joined.get(`${this.sheetName}|L|${line}`) : this.sheet.lines.get(line)) ?? -1;
  }

  addLine(line: number, id: number): void {
    this.keys.set(id, '', ''); // no parts; set so that the arrays stay without holes
    if (this.sheet.joined) this.joined.set(`${this.sheetName}|L|${line}`, id);
    else this.sheet.lines.set(line, id);
  }
}

function hasBar(s: string): boolean {
  return s.includes('|');
}
