/**
 * The documents of a run as columns (`Docs`), and what reads them: a document's texts (clean and
 * canonical number, place of supply, port code), the "stable row order" (docs/reconciliation.md,
 * "Pools and pairing"), the amount checks the passes share, and the pairing of two documents.
 */
import { type CanonicalKey, canonicalKey } from '../normalise';
import { TableLease } from '../table-pool';
import type { BooksRow, Heads, PortalDoc } from '../types';
import {
  ANY_FY, BOE_BLOCK, CS, CG, IG, M_DAY, M_FY, M_PACK, MONEY_STRIDE, PACK_ID_BITS, PACK_OVERFLOW, PAIRED, SG, T_BOE,
  TX, WIDE, WIDE_SHARD_BITS,
} from './codes';

/**
 * Every document of a run as struct-of-arrays, indexed by document number: books rows
 * 0…nb−1, then the portal documents that are not IMS-rejected. Numbers that may be NaN (days and
 * FYs of unparseable dates, and what is derived from them) stay in Float64Arrays so every
 * comparison behaves as before; strings are arrays of references to strings that exist anyway.
 * Rare per-document data (hints, aggregated row refs, amendment deltas) live in sparse maps.
 */
export class Docs {
  readonly n: number;
  readonly nb: number;
  np = 0;
  readonly ref: string[];
  readonly gstinId: Int32Array;
  readonly type: Uint8Array;
  /**
   * Interned clean key (−1: the document has no number). Its text, and the canonical key's, are
   * read from the interner's `texts` (cleanText, canonText): no per-document string arrays, which
   * at 10 lakh documents were 100+ MB of old-generation allocation per run.
   */
  readonly cleanId: Int32Array;
  /** Canonical key: computed lazily (portal documents matched in P1 never need it); −1 until then. */
  readonly canonId: Int32Array;
  /** Tail and prefix of the canonical key, for the documents P4/P6 compare (fuzzyKeyOf). */
  readonly fuzzy = new Map<number, CanonicalKey>();
  /**
   * The run's earliest FY less one (assignFySlots): a document's FY slot is computed from it
   * (fySlotOf) rather than kept in a column, and its day and FY are read from its money record
   * (dayOf, fyOf): three 8-byte columns fewer per document (at 10 lakh a side ~48 MB).
   *
   * A one-element array, not a number field: a number field that starts as 0 and is then given
   * the base (a double, read from the FY column) has its representation generalised by V8 (small
   * integer to double, deprecating the object's hidden class), and from then on every full
   * collection threw away the optimised code of every function reading the documents (`--trace-deopt`:
   * "weak objects", some thirty distinct functions at each collection), so each run compiled the engine again: the
   * match took 1.3–1.5× the CPU time (docs/performance.md, Memory).
   */
  readonly fyBase = new Float64Array(1);
  readonly rcm: Uint8Array;
  readonly state: Uint8Array;
  readonly partner: Int32Array;
  readonly pass: Uint8Array;
  /**
   * A portal amendment's row in the amendment columns below (−1: not an amendment). Amendments are
   * few, so what they carry is kept per amendment, not in a column per document: five such
   * columns were 33 of a document's 150 bytes, at 10 lakh a side ~65 MB of mostly empty tables.
   */
  readonly orig: Int32Array;
  /** Per amendment: the original number's clean and canonical key ids (−1: none), its FY and day. */
  readonly oCleanId: number[] = [];
  readonly oCanonId: number[] = [];
  readonly oFy: number[] = [];
  readonly oDay: number[] = [];
  readonly flags: Uint16Array;
  readonly category: Uint8Array;
  readonly outReason: Uint8Array;
  /** 1 when the document has an entry in one of the sparse maps below (rows skip the look-ups otherwise). */
  readonly sparse: Uint8Array;
  /** The money record (codes.ts): read with `amountAt`, written with `putAmount` (but the packed slot, always 29 bits). */
  readonly money: Int32Array;
  /**
   * The values of the money record's WIDE slots, by slot index: amounts of ±2^31 paise or more, NaN
   * days and FYs. One map per 2^wideShift consecutive slots (slot k's is `wide[k >>> wideShift]`):
   * a V8 Map holds at most 2^24 entries ("Map maximum size exceeded"), which one map for the run
   * reached at 2^24 wide slots (some 17 lakh documents a side with all five amounts above
   * ₹2.1 crore). A shard of 2^23 slots holds at most 2^23 entries, so a map never grows past 2^24
   * even with deletions pending, and a run of up to 10.4 lakh documents (both sides) has one map,
   * as before. Always at least one map, so the array's element kind is the same in every run
   * (run.ts keeps the shapes).
   */
  readonly wide: Map<number, number>[] = [];
  /** log2 of the slots per `wide` map: WIDE_SHARD_BITS, smaller only where a test shows the sharding. */
  readonly wideShift: number;
  readonly books: BooksRow[];
  readonly portal: PortalDoc[];
  /**
   * Each portal document's `supfildt` (by portal index), beside `portal`: deciding the rows reads
   * it for every row with a portal side, and an array of references is far denser in cache than
   * the documents themselves (reading it from them cost a third more there at 1 lakh).
   */
  readonly filing: (string | undefined)[] = [];
  readonly hints = new Map<number, string[]>();
  readonly relatedRef = new Map<number, string>();
  readonly rowRefs = new Map<number, string[]>();
  readonly amendmentDelta = new Map<number, Heads>();
  readonly amendmentOfEarlierPeriod = new Map<number, boolean>();
  /**
   * A bill of entry's summed tax, for a head its lines were merged into (aggregateBillsOfEntry),
   * as the lines' own sums added up: every other document's tax is its heads' sum (taxOf).
   */
  readonly boeTax = new Map<number, number>();

  constructor(
    nb: number, n: number, readonly texts: readonly string[], tables: TableLease = new TableLease(), wideShift = WIDE_SHARD_BITS,
  ) {
    this.nb = nb;
    this.n = n;
    this.wideShift = wideShift;
    const shards = Math.max(1, Math.ceil((n * MONEY_STRIDE) / 2 ** wideShift));
    for (let j = 0; j < shards; j += 1) this.wide.push(new Map<number, number>());
    // All numeric columns are views into one ArrayBuffer: every large ArrayBuffer counts as
    // external memory, and on 10-lakh runs thirty separate allocations set off several full
    // garbage collections of the (input-sized) heap before matching even began. The buffer comes
    // from the table pool (table-pool.ts), kept from one run to the next.
    // (No FY column, it is in the money record; no block column, blockOf derives it: 93 bytes a
    // document where the record was 105, docs/performance.md, Memory.)
    // (And a 32-byte money record where it was 64: 61 bytes a document.)
    const buf = tables.buffer(n * (4 * MONEY_STRIDE + 4 * 5 + 2 + 7));
    // (money first: its 32-byte records start on the buffer's own alignment.)
    let off = 0;
    const i32 = (): Int32Array => {
      const a = new Int32Array(buf, off, n);
      off += 4 * n;
      return a;
    };
    const u8 = (): Uint8Array => {
      const a = new Uint8Array(buf, off, n);
      off += n;
      return a;
    };
    this.money = new Int32Array(buf, 0, n * MONEY_STRIDE);
    off = 4 * MONEY_STRIDE * n;
    this.gstinId = i32();
    this.cleanId = i32();
    this.canonId = i32().fill(-1);
    this.partner = i32().fill(-1);
    this.orig = i32().fill(-1);
    this.flags = new Uint16Array(buf, off, n);
    off += 2 * n;
    this.type = u8();
    this.rcm = u8();
    this.state = u8();
    this.pass = u8();
    this.category = u8();
    this.outReason = u8();
    this.sparse = u8();
    this.ref = new Array<string>(n);
    this.books = new Array<BooksRow>(nb);
    this.portal = [];
  }
}

/**
 * The number in slot k of the money record (k = document × MONEY_STRIDE + field): the slot itself,
 * or for a WIDE slot the exact number kept in its `wide` map (a larger amount, a NaN date), so every reader
 * sees the very number that was put, as with the 64-bit record.
 */
export function amountAt(s: Docs, k: number): number {
  const v = s.money[k]!;
  return v !== WIDE ? v : s.wide[k >>> s.wideShift]!.get(k)!;
}

/**
 * Puts v in slot k: in the slot when it is a 32-bit integer other than WIDE and −0 (every amount
 * below ₹2.1 crore, every day and FY that parsed), else in its `wide` map with the slot marked WIDE. No
 * number is rounded or wraps: a slot gives back what was put, whatever it is.
 */
export function putAmount(s: Docs, k: number, v: number): void {
  if ((v | 0) === v && v !== WIDE && (v !== 0 || 1 / v > 0)) {
    if (s.money[k] === WIDE) s.wide[k >>> s.wideShift]!.delete(k);
    s.money[k] = v;
  } else {
    s.money[k] = WIDE;
    s.wide[k >>> s.wideShift]!.set(k, v);
  }
}

/** The document's day number (0: no date; NaN: a date that does not parse), from its money record. */
export function dayOf(s: Docs, i: number): number {
  return amountAt(s, i * MONEY_STRIDE + M_DAY);
}

/** The document's FY (its start year; 0: no date; NaN: a date that does not parse), from its money record. */
export function fyOf(s: Docs, i: number): number {
  return amountAt(s, i * MONEY_STRIDE + M_FY);
}

/**
 * The block a document is keyed in: its GSTIN's id, or BOE_BLOCK for a bill of entry (blocked by
 * its number, docs/reconciliation.md, "Pools and pairing"). Derived rather than a column of its
 * own: four bytes a document less, and neither the type nor the GSTIN id changes after normalising.
 */
export function blockOf(s: Docs, i: number): number {
  return s.type[i] === T_BOE ? BOE_BLOCK : s.gstinId[i]!;
}

/**
 * The document's FY relative to the run's earliest (the key packing needs < 63; an undated document,
 * fy 0, gets slot 0; NaN only for a date that does not parse).
 */
export function fySlotOf(s: Docs, i: number): number {
  return Math.min(ANY_FY - 1, Math.max(0, fyOf(s, i) - s.fyBase[0]!));
}

/** The document's clean number ('' when it has none). */
export function cleanText(s: Docs, i: number): string {
  const id = s.cleanId[i]!;
  return id < 0 ? '' : s.texts[id]!;
}

/** The document's canonical number once computed (ensureCanon), else its clean number. */
export function canonText(s: Docs, i: number): string {
  const id = s.canonId[i]!;
  return id >= 0 ? s.texts[id]! : cleanText(s, i);
}

/** The place of supply as the document gives it ('' when none). */
export function posText(s: Docs, i: number): string {
  return (i < s.nb ? s.books[i]!.placeOfSupply : s.portal[i - s.nb]!.placeOfSupply) ?? '';
}

/** The port code as compared (cleanPort), '' when none. */
export function portText(s: Docs, i: number): string {
  return cleanPort(i < s.nb ? s.books[i]!.portCode : s.portal[i - s.nb]!.portCode);
}

export function cleanPort(portCode: string | undefined): string {
  return portCode ? portCode.trim().toUpperCase() : '';
}

/** The key isFuzzyNumberMatch compares (tail/prefix computed on first use). */
export function fuzzyKeyOf(s: Docs, i: number): CanonicalKey {
  const clean = cleanText(s, i);
  // A bill of entry's number is its own tail; a document without a number has neither.
  if (s.type[i] === T_BOE || clean === '') return { canonical: canonText(s, i), tail: clean, prefix: '' };
  // Cached with the canonical key as it stands (P4/P6 compare a document with many others; a new
  // object per comparison was most of what the fuzzy passes allocated).
  const canonical = canonText(s, i);
  let c = s.fuzzy.get(i);
  if (c === undefined || c.canonical !== canonical) {
    const k = canonicalKey(clean, dayOf(s, i) === 0 ? null : fyOf(s, i));
    c = { canonical, tail: k.tail, prefix: k.prefix };
    s.fuzzy.set(i, c);
  }
  return c;
}

export function addHint(s: Docs, i: number, h: string): void {
  const list = s.hints.get(i);
  s.sparse[i] = 1;
  if (!list) s.hints.set(i, [h]);
  else if (!list.includes(h)) list.push(h);
}

export function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The "stable row order" (docs/reconciliation.md, "Pools and pairing"): date, then the unique
 * reference. Independent of input order.
 */
export function cmpDoc(s: Docs, x: number, y: number): number {
  return dayOf(s, x) - dayOf(s, y) || cmpStr(s.ref[x]!, s.ref[y]!);
}

export function withinTol(s: Docs, b: number, p: number, tol: number): boolean {
  const x = b * MONEY_STRIDE;
  const y = p * MONEY_STRIDE;
  return Math.abs(amountAt(s, x + TX) - amountAt(s, y + TX)) <= tol && Math.abs(amountAt(s, x + IG) - amountAt(s, y + IG)) <= tol
    && Math.abs(amountAt(s, x + CG) - amountAt(s, y + CG)) <= tol && Math.abs(amountAt(s, x + SG) - amountAt(s, y + SG)) <= tol
    && Math.abs(amountAt(s, x + CS) - amountAt(s, y + CS)) <= tol;
}

/**
 * igst + cgst + sgst + cess, added in that order as the document's own figures were (so the very
 * same number), or a merged bill of entry's lines' sums added up (boeTax).
 */
export function taxOf(s: Docs, i: number): number {
  if (s.sparse[i] === 1) {
    const merged = s.boeTax.get(i);
    if (merged !== undefined) return merged;
  }
  const m = i * MONEY_STRIDE;
  return amountAt(s, m + IG) + amountAt(s, m + CG) + amountAt(s, m + SG) + amountAt(s, m + CS);
}

export function taxDiff(s: Docs, b: number, p: number): number {
  return Math.abs(taxOf(s, b) - taxOf(s, p));
}

export function posRcmEqual(s: Docs, b: number, p: number): boolean {
  if (s.rcm[b] !== s.rcm[p]) return false;
  // Place-of-supply ids from the packed slot: equal ids, equal text (0: none), but for the overflow id.
  const bPos = (s.money[b * MONEY_STRIDE + M_PACK]! >>> 5) & PACK_ID_BITS;
  const pPos = (s.money[p * MONEY_STRIDE + M_PACK]! >>> 5) & PACK_ID_BITS;
  if (bPos === 0 || pPos === 0) return true;
  return bPos === PACK_OVERFLOW || pPos === PACK_OVERFLOW ? posText(s, b) === posText(s, p) : bPos === pPos;
}

export function pair(s: Docs, b: number, p: number, pass: number): void {
  s.state[b] = PAIRED;
  s.state[p] = PAIRED;
  s.partner[b] = p;
  s.partner[p] = b;
  s.pass[b] = pass;
  s.pass[p] = pass;
}
