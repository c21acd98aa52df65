/**
 * Documents kept as columns instead of one object each (docs/performance.md, "Memory"): what a
 * worker holds of a run's two imports while it matches and writes them. A document is its shape
 * (its keys in order, and each value's kind) and one 32-bit slot per value that is not implied by
 * the shape: an integer itself, a repeated text's id in a shared table, or where a text kept as
 * UTF-8 bytes starts in one byte store. `at(i)` rebuilds the document as it was given, keys in the
 * same order, so `JSON.stringify` of the rebuilt document is the original's byte for byte.
 *
 * An object per document costs ~260 bytes at 10 lakh (its slots, and a string object for each
 * text it alone has); here a document is ~100. The engine reads documents through `DocSource`,
 * which a plain array is too (`arraySource`).
 */

/** What the engine reads documents through: a plain array, or columns rebuilt on demand. */
export interface DocSource<T> {
  readonly length: number;
  /** Document i (rebuilt each call from columns: callers keep it only as long as they need it). */
  at(i: number): T;
  /**
   * A reader of `keys` alone, for a loop that reads a few fields of every document once: what it
   * returns for i has document i's values of `keys` (undefined when absent) and is valid until its
   * next call (from columns it is one scratch object, filled without rebuilding the document).
   */
  fields(keys: readonly string[]): (i: number) => T;
}

/** A plain array as a `DocSource` (the documents are the array's own objects). */
export class ArraySource<T> implements DocSource<T> {
  constructor(private readonly docs: readonly T[]) {}

  get length(): number {
    return this.docs.length;
  }

  at(i: number): T {
    return this.docs[i]!;
  }

  fields(): (i: number) => T {
    return (i) => this.docs[i]!;
  }
}

/** `docs` as a `DocSource`: itself when it is one, else the array behind an `ArraySource`. */
export function docSource<T>(docs: readonly T[] | DocSource<T>): DocSource<T> {
  return Array.isArray(docs) ? new ArraySource<T>(docs as readonly T[]) : (docs as DocSource<T>);
}

/** Distinct texts a table keeps; past it a text goes to the byte store (a file of unique names gains nothing). */
const MAX_SHARED = 200_000;

/**
 * One copy of each repeated text (GSTINs, names, dates, periods, types), shared by both sides of
 * a run: the two files name the same suppliers on the same dates.
 */
export class TextTable {
  readonly texts: string[] = [];
  private ids: Map<string, number> | null = new Map();

  /** The text's id, or −1 when the table is full (or sealed) and does not have it. */
  idOf(v: string): number {
    const ids = this.ids;
    if (ids === null) return -1;
    const id = ids.get(v);
    if (id !== undefined) return id;
    if (this.texts.length >= MAX_SHARED) return -1;
    ids.set(v, this.texts.length);
    this.texts.push(v);
    return this.texts.length - 1;
  }

  /** No more texts: the look-up map goes (the texts stay, read by id). */
  seal(): void {
    this.ids = null;
  }
}

// Value kinds, part of a shape. The first three need no slot.
const K_TRUE = 0;
const K_FALSE = 1;
const K_NULL = 2;
/** A 32-bit integer (not −0): the slot is the value. */
const K_INT = 3;
/** Any other number: the slot indexes `numbers`. */
const K_NUMBER = 4;
/** A shared text: the slot is its id in the text table. */
const K_TEXT = 5;
/** An ASCII text: the slot is its offset in the byte store (a length, then the bytes). */
const K_ASCII = 6;
/** Any other text, as UTF-8 (same layout). */
const K_UTF8 = 7;
/** An object or array (amendments' originals, merged source lines): the slot indexes `others`. */
const K_OTHER = 8;

/** Rebuilds one document of a shape from its slots (from `s` on), the texts, numbers and others. */
type Rebuild = (sl: Int32Array, s: number, tx: readonly string[], nu: readonly number[], ot: readonly unknown[],
  rd: (at: number, ascii: boolean) => string) => object;

/** What a value of each kind is rebuilt from. */
const VALUE_OF = ['true', 'false', 'null', 'sl[s++]', 'nu[sl[s++]]', 'tx[sl[s++]]', 'rd(sl[s++], true)', 'rd(sl[s++], false)', 'ot[sl[s++]]'];

/**
 * A shape's rebuilder: one object literal with the shape's keys in order (so the rebuilt
 * documents share a hidden class and their keys keep their order), compiled once per shape,
 * rather than a keyed store per key: the engine reads every document once while it normalises
 * them, and each result row rebuilds its documents as its batch is written.
 */
function rebuilder(keys: readonly string[], kinds: readonly number[]): Rebuild {
  // JSON.stringify quotes each key as a JavaScript string literal; `__proto__` written so would
  // set the prototype, so it is the one key defined as a computed name.
  const fields = keys.map((key, k) => `${key === '__proto__' ? '["__proto__"]' : JSON.stringify(key)}: ${VALUE_OF[kinds[k]!]!}`);
  return compiled(['sl', 's', 'tx', 'nu', 'ot', 'rd'], `return { ${fields.join(', ')} };`) as Rebuild;
}

/** Compiled rebuilders and readers by their code, kept for the process (bounded). */
const COMPILED = new Map<string, unknown>();
const MAX_COMPILED = 1024;

/**
 * The function of `params` and `body`, the one compiled for an earlier run when there is one: a
 * worker's runs see the same few shapes, and a function kept is one V8 has already optimised.
 */
function compiled(params: readonly string[], body: string): unknown {
  const key = `${params.join(',')}\n${body}`;
  let f = COMPILED.get(key);
  if (f === undefined) {
    f = new Function(...params, body);
    if (COMPILED.size < MAX_COMPILED) COMPILED.set(key, f);
  }
  return f;
}

/** Fills a scratch object with one shape's values of a reader's keys (slots from `s` on). */
type Fill = (sl: Int32Array, s: number, tx: readonly string[], nu: readonly number[], ot: readonly unknown[],
  rd: (at: number, ascii: boolean) => string, o: Record<string, unknown>) => void;

/** What a value of each kind is read from, its slot `off` slots after the document's first. */
function valueAt(kind: number, off: number): string {
  const slot = `sl[s + ${off}]`;
  return ['true', 'false', 'null', slot, `nu[${slot}]`, `tx[${slot}]`, `rd(${slot}, true)`, `rd(${slot}, false)`, `ot[${slot}]`][kind]!;
}

/** A shape's filler for `keys` (DocSource.fields), compiled once per shape and reader. */
function filler(keys: readonly string[], shape: ShapeNode): Fill {
  const body = keys.map((key) => {
    const k = shape.keys.indexOf(key);
    let off = 0;
    for (let j = 0; j < k; j += 1) if (shape.kinds[j]! >= K_INT) off += 1;
    return `o[${JSON.stringify(key)}] = ${k < 0 ? 'undefined' : valueAt(shape.kinds[k]!, off)};`;
  });
  return compiled(['sl', 's', 'tx', 'nu', 'ot', 'rd', 'o'], body.join('\n')) as Fill;
}

/** A node of the shape tree: the keys and kinds so far; `id` ≥ 0 when a shape ends here. */
class ShapeNode {
  readonly nextKey: string[] = [];
  readonly nextKind: number[] = [];
  readonly next: ShapeNode[] = [];
  id = -1;
  /** Compiled on the shape's first rebuilt document. */
  rebuild: Rebuild | null = null;

  constructor(readonly keys: readonly string[], readonly kinds: readonly number[], readonly slots: number) {}

  child(key: string, kind: number): ShapeNode {
    const { nextKey, nextKind } = this;
    for (let j = 0; j < nextKey.length; j += 1) if (nextKey[j] === key && nextKind[j] === kind) return this.next[j]!;
    const node = new ShapeNode([...this.keys, key], [...this.kinds, kind], this.slots + (kind >= K_INT ? 1 : 0));
    nextKey.push(key);
    nextKind.push(kind);
    this.next.push(node);
    return node;
  }
}

/** The longest text length a two-byte length prefix holds; longer ones take a five-byte prefix. */
const SHORT = 0x7fff;

/** Documents as columns, appended one at a time (`add`), then sealed and read by index (`at`). */
export class ColumnarDocs<T extends object> implements DocSource<T> {
  length = 0;
  private shapeOf = new Uint16Array(1024);
  private slotAt = new Int32Array(1024);
  private slots = new Int32Array(16 * 1024);
  private slotEnd = 0;
  private bytes = Buffer.allocUnsafe(64 * 1024);
  private byteEnd = 0;
  private readonly numbers: number[] = [];
  private readonly others: unknown[] = [];
  private readonly root = new ShapeNode([], [], 0);
  private readonly shapes: ShapeNode[] = [];
  private readonly sharedKey: Set<string>;

  /** `shared`: the keys whose texts recur from document to document (kept once in `table`). */
  constructor(private readonly table: TextTable, shared: readonly string[]) {
    this.sharedKey = new Set(shared);
  }

  add(doc: T): void {
    const i = this.length;
    if (i === this.shapeOf.length) {
      this.shapeOf = grow(this.shapeOf, new Uint16Array(i * 2));
      this.slotAt = grow(this.slotAt, new Int32Array(i * 2));
    }
    const start = this.slotEnd;
    let node = this.root;
    const rec = doc as Record<string, unknown>;
    for (const key in rec) {
      const v = rec[key];
      let kind: number;
      let slot = 0;
      if (typeof v === 'string') {
        const id = this.sharedKey.has(key) ? this.table.idOf(v) : -1;
        if (id >= 0) {
          kind = K_TEXT;
          slot = id;
        } else {
          slot = this.byteEnd;
          kind = this.writeText(v) ? K_ASCII : K_UTF8;
        }
      } else if (typeof v === 'number') {
        if ((v | 0) === v && !(v === 0 && 1 / v < 0)) {
          kind = K_INT;
          slot = v;
        } else {
          kind = K_NUMBER;
          slot = this.numbers.length;
          this.numbers.push(v);
        }
      } else if (v === true) kind = K_TRUE;
      else if (v === false) kind = K_FALSE;
      else if (v === null) kind = K_NULL;
      else {
        kind = K_OTHER;
        slot = this.others.length;
        this.others.push(v);
      }
      if (kind >= K_INT) this.pushSlot(slot);
      node = node.child(key, kind);
    }
    if (node.id < 0) {
      if (this.shapes.length === 0xffff) throw new Error('too many document shapes for the columnar store');
      node.id = this.shapes.length;
      this.shapes.push(node);
    }
    this.shapeOf[i] = node.id;
    this.slotAt[i] = start;
    this.length = i + 1;
  }

  /** Releases the growth room (the columns at their final size); no `add` after it. */
  seal(): void {
    this.shapeOf = this.shapeOf.slice(0, this.length);
    this.slotAt = this.slotAt.slice(0, this.length);
    this.slots = this.slots.slice(0, this.slotEnd);
    this.bytes = Buffer.from(this.bytes.subarray(0, this.byteEnd));
  }

  at(i: number): T {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`document ${i} of ${this.length}`);
    const shape = this.shapes[this.shapeOf[i]!]!;
    const rebuild = shape.rebuild ?? (shape.rebuild = rebuilder(shape.keys, shape.kinds));
    return rebuild(this.slots, this.slotAt[i]!, this.table.texts, this.numbers, this.others, this.read) as T;
  }

  fields(keys: readonly string[]): (i: number) => T {
    // The engine's own field names: `__proto__` as an assignment would set the prototype.
    if (keys.includes('__proto__')) throw new Error('__proto__ is not a field a reader can read');
    const o: Record<string, unknown> = {};
    for (const key of keys) o[key] = undefined;
    const fills: Array<Fill | undefined> = [];
    return (i) => {
      if (!(i >= 0 && i < this.length)) throw new RangeError(`document ${i} of ${this.length}`);
      const id = this.shapeOf[i]!;
      const fill = fills[id] ?? (fills[id] = filler(keys, this.shapes[id]!));
      fill(this.slots, this.slotAt[i]!, this.table.texts, this.numbers, this.others, this.read, o);
      return o as T;
    };
  }

  /** Every document rebuilt, in order. */
  toArray(): T[] {
    const out = new Array<T>(this.length);
    for (let i = 0; i < this.length; i += 1) out[i] = this.at(i);
    return out;
  }

  /** Bytes the columns hold (what the benchmark reports beside the heap). */
  get byteLength(): number {
    return this.shapeOf.byteLength + this.slotAt.byteLength + this.slots.byteLength + this.bytes.length;
  }

  /** readText for the rebuilders. */
  private readonly read = (at: number, ascii: boolean): string => this.readText(at, ascii);

  private pushSlot(v: number): void {
    if (this.slotEnd === this.slots.length) this.slots = grow(this.slots, new Int32Array(this.slots.length * 2));
    this.slots[this.slotEnd++] = v;
  }

  /** Appends the text (length prefix, UTF-8 bytes); true when it is all ASCII. */
  private writeText(v: string): boolean {
    const most = 5 + 3 * v.length;
    if (this.byteEnd + most > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.byteEnd + most));
      this.bytes.copy(bigger, 0, 0, this.byteEnd);
      this.bytes = bigger;
    }
    const b = this.bytes;
    const at = this.byteEnd;
    const head = v.length <= SHORT / 3 ? 2 : 5;
    const n = b.write(v, at + head, 'utf8');
    if (head === 2) {
      b[at] = n >> 8;
      b[at + 1] = n & 0xff;
    } else {
      b[at] = 0x80;
      b.writeUInt32BE(n, at + 1);
    }
    this.byteEnd = at + head + n;
    // A string's UTF-8 is as long as the string only when every character is ASCII.
    return n === v.length;
  }

  private readText(at: number, ascii: boolean): string {
    const b = this.bytes;
    let n: number;
    let from: number;
    if ((b[at]! & 0x80) === 0) {
      n = (b[at]! << 8) | b[at + 1]!;
      from = at + 2;
    } else {
      n = b.readUInt32BE(at + 1);
      from = at + 5;
    }
    return b.toString(ascii ? 'latin1' : 'utf8', from, from + n);
  }
}

function grow<A extends Uint16Array | Int32Array>(from: A, to: A): A {
  to.set(from);
  return to;
}
