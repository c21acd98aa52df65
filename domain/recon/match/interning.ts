/**
 * Interning and grouping: a run's strings, GSTINs, places of supply and port codes as small
 * integers (`Interner`), each document's canonical key computed once and cached per clean key and
 * FY (`ensureCanon`), and hash groups of documents chained in typed arrays (`Groups`).
 */
import { CanonicalScratch, canonicalOnly, checkGstin, panOf } from '../normalise';
import { NumIndex } from '../num-index';
import { TableLease } from '../table-pool';
import { KEY_SPACE, MAX_BLOCKS, PACK_OVERFLOW, T_BOE } from './codes';
import { dayOf, type Docs, fyOf } from './docs';

/** FY argument of a document without a date (canonicalOnly gets null), in the canonical-key cache. */
const NO_FY = -1;
/** Cache entry valid for every FY (the clean key is already canonical). */
const ANY_FY_ARG = Infinity;

/** Per-run interning of strings and GSTINs. */
export class Interner {
  constructor(private readonly tables: TableLease = new TableLease()) {}
  private readonly keys = new Map<string, number>();
  /** Interned strings by id. */
  readonly texts: string[] = [];
  /** canonicalOnly's work arrays, for this run's keys. */
  readonly canonScratch = new CanonicalScratch();
  /** Per clean-key id: the FY its canonical key was computed for (NaN: none yet) and that key's id. */
  private canonFy: Float64Array = new Float64Array(0);
  private canonIds: Int32Array = new Int32Array(0);
  /**
   * Per raw GSTIN as written: its block × 2, + 1 when it fails validation. A small integer, not an
   * object: at 10 lakh documents, the extra read of a per-GSTIN object was a cache miss per document.
   */
  private readonly gstins = new Map<string, number>();
  private readonly blocks = new Map<string, number>();
  /** Cleaned GSTIN by id (index 0 is unused: it is BOE_BLOCK). */
  readonly gstinById: string[] = [''];
  /** PAN of each cleaned GSTIN by id ('' when it carries none). */
  readonly panById: string[] = [''];
  private readonly posIds = new Map<string, number>([['', 0]]);
  private readonly portIds = new Map<string, number>([['', 0]]);

  /** Small id of a place of supply ('' → 0; PACK_OVERFLOW for all beyond the first 4,094). */
  posId(pos: string): number {
    return smallId(this.posIds, pos);
  }

  /** Small id of a port code, as posId. */
  portId(port: string): number {
    return smallId(this.portIds, port);
  }

  key(s: string): number {
    let id = this.keys.get(s);
    if (id === undefined) {
      id = this.keys.size;
      if (id >= KEY_SPACE) throw new Error('too many distinct document numbers for one run');
      this.keys.set(s, id);
      this.texts.push(s);
    }
    return id;
  }

  /** The string of an interned id. */
  text(id: number): string {
    return this.texts[id]!;
  }

  /** Id of the canonical key cached for a clean key id and FY, or −1. */
  canonOf(cleanId: number, fy: number): number {
    if (cleanId >= this.canonFy.length) return -1;
    const f = this.canonFy[cleanId]!;
    return f === fy || f === ANY_FY_ARG ? this.canonIds[cleanId]! : -1;
  }

  setCanon(cleanId: number, fy: number, canonId: number): void {
    // NaN FYs (unparseable dates) never equal anything, so they are simply never found again.
    if (cleanId >= this.canonFy.length) {
      const size = Math.max(this.texts.length, cleanId + 1, this.canonFy.length * 2);
      const f = this.tables.f64(size, NaN);
      f.set(this.canonFy);
      const c = this.tables.i32(size);
      c.set(this.canonIds);
      this.tables.give(this.canonFy);
      this.tables.give(this.canonIds);
      this.canonFy = f;
      this.canonIds = c;
    }
    this.canonFy[cleanId] = fy;
    this.canonIds[cleanId] = canonId;
  }

  /** The block of a raw GSTIN × 2, + 1 when it fails validation (`>> 1` gives the block, `& 1` the bit). */
  gstin(raw: string): number {
    let g = this.gstins.get(raw);
    if (g === undefined) {
      const c = checkGstin(raw);
      let block = this.blocks.get(c.gstin);
      if (block === undefined) {
        block = this.blocks.size + 1;
        if (block >= MAX_BLOCKS) throw new Error('too many distinct supplier GSTINs for one run');
        this.blocks.set(c.gstin, block);
        this.gstinById.push(c.gstin);
        this.panById.push(panOf(c.gstin));
      }
      g = 2 * block + (c.gstin !== '' && c.problem !== null ? 1 : 0);
      this.gstins.set(raw, g);
    }
    return g;
  }
}

function smallId(ids: Map<string, number>, text: string): number {
  let id = ids.get(text);
  if (id === undefined) {
    id = Math.min(ids.size, PACK_OVERFLOW);
    if (id < PACK_OVERFLOW) ids.set(text, id);
  }
  return id;
}

/** True when canonicalKey would return the clean key unchanged: A–Z0–9 only, no leading zeros, not an FY token. */
function canonicalIsClean(clean: string): boolean {
  let prevDigit = false;
  let digitsOnly = true;
  for (let i = 0; i < clean.length; i += 1) {
    const c = clean.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    if (!digit && !(c >= 65 && c <= 90)) return false;
    if (digit && !prevDigit && c === 48 && i + 1 < clean.length && isDigitCode(clean.charCodeAt(i + 1))) return false;
    if (!digit) digitsOnly = false;
    prevDigit = digit;
  }
  // An all-digit key of 4, 6 or 8 characters may be an FY token: take the slow path.
  return !(digitsOnly && (clean.length === 4 || clean.length === 6 || clean.length === 8));
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Compute (once) the canonical key of a document and intern it. */
export function ensureCanon(s: Docs, i: number, it: Interner): void {
  if (s.canonId[i]! >= 0) return;
  const cleanId = s.cleanId[i]!;
  if (cleanId < 0) return;
  // A bill of entry's number is its own canonical key.
  if (s.type[i] === T_BOE) {
    s.canonId[i] = cleanId;
    return;
  }
  // The canonical key depends on the clean key and the FY only: documents sharing both (invoice
  // numbers recur across suppliers and between books and portal) reuse it.
  const fy = dayOf(s, i) === 0 ? NO_FY : fyOf(s, i);
  const known = it.canonOf(cleanId, fy);
  if (known >= 0) {
    s.canonId[i] = known;
    return;
  }
  const clean = it.text(cleanId);
  if (canonicalIsClean(clean)) {
    // Already canonical whatever the FY: the tail/prefix are only needed by P4/P6, computed there on demand.
    s.canonId[i] = cleanId;
    it.setCanon(cleanId, ANY_FY_ARG, cleanId);
    return;
  }
  // Only the canonical key: tail/prefix are computed by fuzzyKeyOf when P4/P6 need them.
  const canonId = it.key(canonicalOnly(clean, fy === NO_FY ? null : fy, it.canonScratch));
  s.canonId[i] = canonId;
  it.setCanon(cleanId, fy, canonId);
}

/**
 * Chained hash groups: keys interned to dense group ids (first-seen order), the first document per
 * group in `head`, then a `next` chain per document — no per-group arrays, no boxed Map keys.
 */
export class Groups {
  readonly index: NumIndex;
  /** First document of each group, by group id. */
  head: Int32Array;
  /** Last document of each group, by group id. */
  private last: Int32Array;
  readonly next: Int32Array;
  /** `size`: documents are numbered 0…size−1; `expected`: how many will be added (tables grow beyond it). */
  constructor(size: number, expected = size, private readonly tables: TableLease = new TableLease()) {
    this.index = new NumIndex(expected, tables);
    this.head = tables.i32(Math.max(8, expected));
    this.last = tables.i32(Math.max(8, expected));
    this.next = tables.i32(size, -1);
  }
  get groupCount(): number {
    return this.index.size;
  }
  add(key: number, i: number): void {
    const before = this.index.size;
    const g = this.index.add(key);
    if (g === before) {
      if (g === this.head.length) this.growGroups();
      this.head[g] = i;
    } else {
      this.next[this.last[g]!] = i;
    }
    this.last[g] = i;
  }
  /** First document of the group of `key`, or -1. */
  headOf(key: number): number {
    const g = this.index.find(key);
    return g < 0 ? -1 : this.head[g]!;
  }
  list(head: number, out: number[]): number[] {
    out.length = 0;
    for (let i = head; i !== -1; i = this.next[i]!) out.push(i);
    return out;
  }
  /**
   * Gives the tables back to the run's lease when the phase that built the groups is done, so
   * the next phase reuses them: a run's peak of table memory is then its largest phase, not the
   * sum of them all. The groups must not be used after this.
   */
  release(): void {
    this.index.release();
    this.tables.give(this.head);
    this.tables.give(this.last);
    this.tables.give(this.next);
  }

  private growGroups(): void {
    const h = this.tables.i32(this.head.length * 2);
    h.set(this.head);
    this.tables.give(this.head);
    this.head = h;
    const l = this.tables.i32(this.last.length * 2);
    l.set(this.last);
    this.tables.give(this.last);
    this.last = l;
  }
}
