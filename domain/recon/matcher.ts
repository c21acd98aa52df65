/**
 * The matcher of §8: one-to-one, greedy, ordered passes P1–P6 inside GSTIN blocks (PAN blocks
 * for P6), deterministic whatever the input order.
 *
 * Determinism: both sides are first sorted by a total order that does not depend on input
 * position (GSTIN, date, then rowRef / ref, which are unique), and every map is iterated in
 * insertion order of that sorted sequence. "Stable row order" in the tie-breaks means that order.
 *
 * Performance: P1–P3 are hash joins on precomputed string keys; a key group with one document on
 * each side (the usual case) is paired without building candidate lists. Greedy pairing over a
 * globally sorted candidate list equals greedy pairing per key group, because candidates of
 * different groups never share a document — so we sort only inside groups. P4/P5 are quadratic
 * only inside one supplier's leftovers and are skipped (with a warning) above `fuzzyBlockCap`.
 * Documents are numbers into struct-of-arrays (`Docs`: typed arrays for amounts, days, key ids,
 * states and flag bitmasks). The result rows are decided in those columns (category, pair,
 * summaries summed from them) and built as objects only when asked for, a batch at a time.
 */
import type { Category, DifferenceField, Flag, MatchReason, OutOfScopeReason, Pass } from './categories';
import { CATEGORIES, CATEGORY_INDEX, FLAGS, INFORMATIONAL_FIELDS, NEVER_AUTO_ACCEPTED } from './categories';
import { dayOfIso, fyStartYear } from './dates';
import { type RowItc, rowItc, headsOf, newSide, SIDE } from './itc';
import {
  type CanonicalKey, billOfEntryKey, canonicalKey, canonicalOnly, checkGstin, cleanKey, isFuzzyNumberMatch, osaDistance, panOf, signOf,
} from './normalise';
import { keepShape } from './kept-shapes';
import { NumIndex } from './num-index';
import { TableLease } from './table-pool';
import type { BooksRow, DocType, Heads, Issue, PortalDoc } from './types';

export interface MatchOptions {
  /** Per-field tolerance in paise (§8.5 default ₹1.00 = 100). */
  amountTolerance: number;
  /** Maximum date gap in days for fuzzy/amount pairs and for a same-number pair to stay non-material. */
  dateWindowDays: number;
  /** Allow P2 across adjacent financial years (dates still inside the window). */
  adjacentFyMatching: boolean;
  /** Auto-accept probable matches whose reasons are all "safe" (canonical number, rounding, date). */
  autoAcceptProbable: boolean;
  /** Skip P4/P5 (and P6) for a block with more leftovers than this on either side. */
  fuzzyBlockCap: number;
  /** 2A-derived supplier signals, keyed by GSTIN. */
  supplierSignals?: Readonly<Record<string, SupplierSignal>>;
}

export interface SupplierSignal {
  gstr1Filed?: boolean;
  gstr3bFiled?: boolean;
  /** ISO date the registration was cancelled. */
  cancelledOn?: string;
}

export const DEFAULT_MATCH_OPTIONS: Readonly<MatchOptions> = Object.freeze({
  amountTolerance: 100,
  dateWindowDays: 10,
  adjacentFyMatching: true,
  autoAcceptProbable: true,
  fuzzyBlockCap: 2000,
});

export interface Difference {
  field: DifferenceField;
  books: string | number | boolean | null;
  portal: string | number | boolean | null;
  /** books − portal for money (paise) and dates (days); null otherwise. */
  delta: number | null;
  /** Beyond tolerance / window: makes the pair a mismatch. */
  material: boolean;
}

export interface ResultRow {
  /** Deterministic id: `<rowRef>|<portal ref>`. */
  id: string;
  category: Category;
  /** Main reason: the probable-match reason, the first material field of a mismatch, or the out-of-scope reason. */
  reason: MatchReason | OutOfScopeReason | DifferenceField | 'rejected_in_ims' | null;
  /** All probable-match reasons that applied. */
  reasons: readonly MatchReason[];
  pass: Pass | null;
  /** Probable matches: auto-accepted under §8.5; exact/manual: true; everything else false. */
  accepted: boolean;
  flags: readonly Flag[];
  /** From the portal side; null for books-only rows. */
  itcAvailable: boolean | null;
  supplierGstin: string;
  supplierName: string;
  books: BooksRow | null;
  /** Every source row this result stands for (several when bills of entry were aggregated). */
  booksRowRefs: readonly string[];
  portal: PortalDoc | null;
  differences: readonly Difference[];
  itc: RowItc;
  /** For duplicates: the row it duplicates. For superseded: the amendment's ref. */
  relatedRef?: string;
  /** Amendments whose original is known: amended − original per head (signed). */
  amendmentDelta?: Heads;
  amendmentOfEarlierPeriod?: boolean;
  /** Plain-language hints for the reviewer (e.g. same number, opposite sign). */
  hints: readonly string[];
  /** A user's mark on the row (§8.7): follow up next period, or ignored with a reason. Never set by the passes. */
  userStatus?: 'pending' | 'ignored';
  /** The user decisions (§8.7) that shaped this row, oldest first. Never set by the passes. */
  decisions?: readonly RowDecision[];
}

/** One manual action (§8.7) as a result row remembers it. */
export interface RowDecision {
  id: string;
  action: 'link' | 'unlink' | 'accept' | 'pending' | 'ignore' | 'clear';
  note: string | null;
  /** E-mail of the user who decided. */
  by: string;
  /** ISO timestamp. */
  at: string;
}

export interface MatchOutput {
  results: ResultRow[];
  /** IMS-rejected portal documents, kept aside (§9.6); not part of `results`. */
  rejected: PortalDoc[];
  warnings: Issue[];
}

/** Family of compatible types: documents of different families never meet. */
const FAMILY: Readonly<Record<DocType, number>> = {
  invoice: 0, debit_note: 0, credit_note: 1, isd_invoice: 2, isd_credit_note: 3, bill_of_entry: 4,
};
/** The family with the opposite sign (for the "same number, opposite sign" hint). */
const OPPOSITE_FAMILY: readonly number[] = [1, 0, 3, 2, -1];
const DOC_TYPE_CODE: Readonly<Record<DocType, number>> = {
  invoice: 0, debit_note: 1, credit_note: 2, isd_invoice: 3, isd_credit_note: 4, bill_of_entry: 5,
};

/** Block id 0: bills of entry, blocked by their number rather than by GSTIN (§8.1). */
const BOE_BLOCK = 0;

/**
 * Composite hash keys are plain numbers: (block, family, interned key string, FY slot) packed
 * into 50 bits. Numeric Map keys avoid building and hashing a concatenated string per document
 * per pass, which dominated the run time on 1-lakh inputs.
 */
const FAM_SPACE = 8;
const KEY_SPACE = 2 ** 23;
const FY_SPACE = 64;
const ANY_FY = FY_SPACE - 1;
const MAX_BLOCKS = 2 ** 18;
/** Day numbers in the result order's packed key (see sortResultsPacked). */
const DAY_SPACE = 2 ** 20;

/** Document type by code (DOC_TYPE_CODE order). */
const DOC_TYPE_BY_CODE: readonly DocType[] = ['invoice', 'debit_note', 'credit_note', 'isd_invoice', 'isd_credit_note', 'bill_of_entry'];
const T_INVOICE = 0;
const T_DEBIT_NOTE = 1;
const T_BOE = 5;
/** Family by type code. */
const FAMILY_OF_CODE: readonly number[] = DOC_TYPE_BY_CODE.map((t) => FAMILY[t]);
const SIGN_OF_CODE: readonly number[] = DOC_TYPE_BY_CODE.map(signOf);

/** §8.2 compatibility on type codes, books type first. A books debit note meets only a portal debit note. */
function compatible(books: number, portal: number): boolean {
  return books === portal || (books === T_INVOICE && portal === T_DEBIT_NOTE);
}

/*
 * Flags as bits of a per-document bitmask. Bits follow the flags' string order, so reading the
 * bits low to high gives the sorted flag list a result row carries; the list for each distinct
 * mask is built once per run and shared by every row with that mask (rows are read-only).
 */
const FLAG_BY_BIT: readonly Flag[] = [...FLAGS].sort();
const FLAG_BIT = new Map<Flag, number>(FLAG_BY_BIT.map((f, i) => [f, 1 << i]));
function bit(f: Flag): number {
  return FLAG_BIT.get(f)!;
}
const F_REJECTED_IN_IMS = bit('rejected_in_ims');
const F_AMENDED = bit('amended');
const F_ORIGINAL_NUMBER = bit('matched_on_original_number');
const F_PERIOD_SHIFT = bit('period_shift');
const F_INVALID_GSTIN = bit('invalid_gstin');
const F_NOT_FILED_3B = bit('supplier_not_filed_3b');
const F_NOT_FILED_GSTR1 = bit('supplier_not_filed_gstr1');
const F_CANCELLED = bit('supplier_cancelled');
const F_DERIVED = bit('derived_amounts');
const F_DATE_FALLBACK = bit('books_date_fallback');
const F_NOT_ELIGIBLE = bit('itc_not_eligible');
const F_POSSIBLE_DUP = bit('possible_duplicate');
const F_DIFFERENT_AMOUNTS = bit('same_number_different_amounts');
const F_OPPOSITE_SIGN = bit('same_number_opposite_sign');

/** Document states. */
const FREE = 0;
const PAIRED = 1;
/** Duplicate, out of scope, superseded. */
const EXCLUDED = 2;
/** Merged into another books row (bills of entry). */
const MERGED = 3;

/** Passes by code (0: none). */
const PASS_BY_CODE: readonly (Pass | null)[] = [null, 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'manual'];
const P1 = 1;
const P2 = 2;
const P3 = 3;
const P4 = 4;
const P5 = 5;
const P6 = 6;
/** A pair a user linked (§8.7): never made by the passes. */
const MANUAL = 7;

/** Categories the passes set in the `category` column (0: none; see singleCode). */
const C_OUT_OF_SCOPE = 1;
const C_DUPLICATE = 2;
const C_SUPERSEDED = 3;
const OUT_REASON_BY_CODE: readonly (OutOfScopeReason | null)[] = [null, 'import_of_services', 'no_supplier_gstin', 'zero_tax'];

/*
 * Amounts live in one Float64Array per run, eight slots (64 bytes) per document: paise often
 * exceed V8's small-integer range, and as object fields every one would be a separately allocated
 * box. The last two slots repeat the day and pack what deciding a pair compares (type, reverse
 * charge, ITC available, place of supply, port code, GSTIN block): deciding the result rows reads
 * each partner's figures from this one cache line instead of a dozen columns (`pairClass`).
 */
const MONEY_STRIDE = 8;
const TX = 0;
const IG = 1;
const CG = 2;
const SG = 3;
const CS = 4;
/** igst + cgst + sgst + cess. */
const TAX = 5;
/** The amounts (TX…TAX): what aggregating bills of entry sums. */
const MONEY_FIELDS = 6;
/** The day number again (as the `day` column). */
const M_DAY = 6;
/**
 * Packed: type code (bits 0–2), reverse charge (3), ITC available (4), place-of-supply id
 * (5–16), port-code id (17–28), then the GSTIN block × 2^29. Ids are the interner's (0: blank);
 * PACK_OVERFLOW means "one of many; compare the strings".
 */
const M_PACK = 7;
const PACK_LOW = 2 ** 29;
const PACK_ID_BITS = 4095;
const PACK_OVERFLOW = PACK_ID_BITS;
const PACK_AVAIL = 16;

/**
 * Every document of a run as struct-of-arrays, indexed by document number: books rows
 * 0…nb−1, then the portal documents that are not IMS-rejected. Numbers that may be NaN (days and
 * FYs of unparseable dates, and what is derived from them) stay in Float64Arrays so every
 * comparison behaves as before; strings are arrays of references to strings that exist anyway.
 * Rare per-document data (hints, aggregated row refs, amendment deltas) live in sparse maps.
 */
class Docs {
  readonly n: number;
  readonly nb: number;
  np = 0;
  readonly ref: string[];
  readonly gstinId: Int32Array;
  readonly block: Int32Array;
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
  readonly fy: Float64Array;
  readonly fySlot: Float64Array;
  readonly day: Float64Array;
  readonly rcm: Uint8Array;
  readonly state: Uint8Array;
  readonly partner: Int32Array;
  readonly pass: Uint8Array;
  /** Portal amendments: original number's keys (oCleanId −1: none). */
  readonly hasOrig: Uint8Array;
  readonly oCleanId: Int32Array;
  readonly oCanonId: Int32Array;
  readonly oFy: Float64Array;
  readonly oFySlot: Float64Array;
  readonly oDay: Float64Array;
  readonly flags: Uint16Array;
  readonly category: Uint8Array;
  readonly outReason: Uint8Array;
  /** 1 when the document has an entry in one of the sparse maps below (rows skip the look-ups otherwise). */
  readonly sparse: Uint8Array;
  readonly money: Float64Array;
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

  constructor(nb: number, n: number, readonly texts: readonly string[], tables: TableLease = new TableLease()) {
    this.nb = nb;
    this.n = n;
    // All numeric columns are views into one ArrayBuffer: every large ArrayBuffer counts as
    // external memory, and on 10-lakh runs thirty separate allocations set off several full
    // garbage collections of the (input-sized) heap before matching even began. The buffer comes
    // from the table pool (table-pool.ts), kept from one run to the next.
    const buf = tables.buffer(n * (8 * (6 + MONEY_STRIDE) + 4 * 7 + 2 + 8));
    // (money first: its 64-byte records start on the buffer's own alignment.)
    let off = 0;
    const f64 = (k = 1): Float64Array => {
      const a = new Float64Array(buf, off, n * k);
      off += 8 * n * k;
      return a;
    };
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
    this.money = f64(MONEY_STRIDE);
    this.fy = f64();
    this.fySlot = f64();
    this.day = f64();
    this.oFy = f64();
    this.oFySlot = f64();
    this.oDay = f64();
    this.gstinId = i32();
    this.block = i32();
    this.cleanId = i32();
    this.canonId = i32().fill(-1);
    this.partner = i32().fill(-1);
    this.oCleanId = i32().fill(-1);
    this.oCanonId = i32().fill(-1);
    this.flags = new Uint16Array(buf, off, n);
    off += 2 * n;
    this.type = u8();
    this.rcm = u8();
    this.state = u8();
    this.pass = u8();
    this.hasOrig = u8();
    this.category = u8();
    this.outReason = u8();
    this.sparse = u8();
    this.ref = new Array<string>(n);
    this.books = new Array<BooksRow>(nb);
    this.portal = [];
  }
}

let isoDay = 0;
let isoFy = 0;
/** Day number and FY start year straight from `YYYY-MM-DD` character codes into isoDay/isoFy (hot path). */
function isoParts(iso: string): void {
  const y = (iso.charCodeAt(0) - 48) * 1000 + (iso.charCodeAt(1) - 48) * 100 + (iso.charCodeAt(2) - 48) * 10 + (iso.charCodeAt(3) - 48);
  const m = (iso.charCodeAt(5) - 48) * 10 + (iso.charCodeAt(6) - 48);
  const d = (iso.charCodeAt(8) - 48) * 10 + (iso.charCodeAt(9) - 48);
  if (!(y > 1000 && m >= 1 && m <= 12 && d >= 1 && d <= 31) || iso.length < 10) {
    isoDay = dayOfIso(iso);
    isoFy = fyStartYear(iso);
    return;
  }
  // days-from-civil (H. Hinnant), exact for the proleptic Gregorian calendar.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  isoDay = era * 146097 + doe - 719468;
  isoFy = m >= 4 ? y : y - 1;
}

/** Fill document i's fields (shared by both sides). */
function initDoc(s: Docs, i: number, ref: string, docType: DocType, gstinRaw: string, numberRaw: string, iso: string,
  pos: string | undefined, rcm: boolean, boe: string | undefined, portCode: string | undefined, it: Interner): void {
  const g = it.gstin(gstinRaw ?? '');
  const block = g >> 1;
  const isBoe = docType === 'bill_of_entry';
  const clean = isBoe ? billOfEntryKey(boe || numberRaw) : cleanKey(numberRaw);
  s.ref[i] = ref;
  s.gstinId[i] = block;
  if ((g & 1) === 1) s.flags[i] = F_INVALID_GSTIN;
  s.block[i] = isBoe ? BOE_BLOCK : block;
  s.type[i] = DOC_TYPE_CODE[docType];
  s.cleanId[i] = clean === '' ? -1 : it.key(clean);
  const m = i * MONEY_STRIDE;
  if (iso) {
    isoParts(iso);
    s.fy[i] = isoFy;
    s.day[i] = isoDay;
    s.money[m + M_DAY] = isoDay;
  }
  s.rcm[i] = rcm ? 1 : 0;
  s.money[m + M_PACK] = s.type[i]! + (rcm ? 8 : 0) + 32 * (it.posId(pos ?? '') + (PACK_ID_BITS + 1) * it.portId(cleanPort(portCode))) + PACK_LOW * block;
}

function setMoney(money: Float64Array, m: number, a: { taxableValue: number; igst: number; cgst: number; sgst: number; cess: number }): void {
  money[m + TX] = a.taxableValue;
  money[m + IG] = a.igst;
  money[m + CG] = a.cgst;
  money[m + SG] = a.sgst;
  money[m + CS] = a.cess;
  money[m + TAX] = a.igst + a.cgst + a.sgst + a.cess;
}

/** Compute (once) the canonical key of a document and intern it. */
function ensureCanon(s: Docs, i: number, it: Interner): void {
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
  const fy = s.day[i] === 0 ? NO_FY : s.fy[i]!;
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
  const canonId = it.key(canonicalOnly(clean, fy === NO_FY ? null : fy));
  s.canonId[i] = canonId;
  it.setCanon(cleanId, fy, canonId);
}

/** The document's clean number ('' when it has none). */
function cleanText(s: Docs, i: number): string {
  const id = s.cleanId[i]!;
  return id < 0 ? '' : s.texts[id]!;
}

/** The document's canonical number once computed (ensureCanon), else its clean number. */
function canonText(s: Docs, i: number): string {
  const id = s.canonId[i]!;
  return id >= 0 ? s.texts[id]! : cleanText(s, i);
}

/** The place of supply as the document gives it ('' when none). */
function posText(s: Docs, i: number): string {
  return (i < s.nb ? s.books[i]!.placeOfSupply : s.portal[i - s.nb]!.placeOfSupply) ?? '';
}

/** The port code as compared (cleanPort), '' when none. */
function portText(s: Docs, i: number): string {
  return cleanPort(i < s.nb ? s.books[i]!.portCode : s.portal[i - s.nb]!.portCode);
}

function cleanPort(portCode: string | undefined): string {
  return portCode ? portCode.trim().toUpperCase() : '';
}

/** The key isFuzzyNumberMatch compares (tail/prefix computed on first use). */
function fuzzyKeyOf(s: Docs, i: number): CanonicalKey {
  const clean = cleanText(s, i);
  // A bill of entry's number is its own tail; a document without a number has neither.
  if (s.type[i] === T_BOE || clean === '') return { canonical: canonText(s, i), tail: clean, prefix: '' };
  // Cached with the canonical key as it stands (P4/P6 compare a document with many others; a new
  // object per comparison was most of what the fuzzy passes allocated).
  const canonical = canonText(s, i);
  let c = s.fuzzy.get(i);
  if (c === undefined || c.canonical !== canonical) {
    const k = canonicalKey(clean, s.day[i] === 0 ? null : s.fy[i]!);
    c = { canonical, tail: k.tail, prefix: k.prefix };
    s.fuzzy.set(i, c);
  }
  return c;
}

function addHint(s: Docs, i: number, h: string): void {
  const list = s.hints.get(i);
  s.sparse[i] = 1;
  if (!list) s.hints.set(i, [h]);
  else if (!list.includes(h)) list.push(h);
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The "stable row order" of §8.2: date, then the unique reference. Independent of input order. */
function cmpDoc(s: Docs, x: number, y: number): number {
  return s.day[x]! - s.day[y]! || cmpStr(s.ref[x]!, s.ref[y]!);
}

function withinTol(a: Float64Array, b: number, p: number, tol: number): boolean {
  const x = b * MONEY_STRIDE;
  const y = p * MONEY_STRIDE;
  return Math.abs(a[x + TX]! - a[y + TX]!) <= tol && Math.abs(a[x + IG]! - a[y + IG]!) <= tol
    && Math.abs(a[x + CG]! - a[y + CG]!) <= tol && Math.abs(a[x + SG]! - a[y + SG]!) <= tol
    && Math.abs(a[x + CS]! - a[y + CS]!) <= tol;
}

function taxDiff(a: Float64Array, b: number, p: number): number {
  return Math.abs(a[b * MONEY_STRIDE + TAX]! - a[p * MONEY_STRIDE + TAX]!);
}

function posRcmEqual(s: Docs, b: number, p: number): boolean {
  if (s.rcm[b] !== s.rcm[p]) return false;
  // Place-of-supply ids from the packed slot: equal ids, equal text (0: none), but for the overflow id.
  const bPos = ((s.money[b * MONEY_STRIDE + M_PACK]! % PACK_LOW) >>> 5) & PACK_ID_BITS;
  const pPos = ((s.money[p * MONEY_STRIDE + M_PACK]! % PACK_LOW) >>> 5) & PACK_ID_BITS;
  if (bPos === 0 || pPos === 0) return true;
  return bPos === PACK_OVERFLOW || pPos === PACK_OVERFLOW ? posText(s, b) === posText(s, p) : bPos === pPos;
}

/** A candidate pair (document numbers), for groups with more than one document on a side. */
interface Cand {
  b: number;
  p: number;
  taxDiff: number;
  gap: number;
  dist: number;
}

function pair(s: Docs, b: number, p: number, pass: number): void {
  s.state[b] = PAIRED;
  s.state[p] = PAIRED;
  s.partner[b] = p;
  s.partner[p] = b;
  s.pass[b] = pass;
  s.pass[p] = pass;
}

/**
 * The documents the sort comparators below compare: set by each sort's caller just before it
 * sorts (sorts run to completion, one at a time). Comparators made per run as closures over the
 * run's documents lost their compiled code with each run, and every run compiled them again.
 */
let sortDocs: Docs | null = null;

function byDoc(x: number, y: number): number {
  return cmpDoc(sortDocs!, x, y);
}

function byCand(x: Cand, y: Cand): number {
  return x.taxDiff - y.taxDiff || x.gap - y.gap || x.dist - y.dist || cmpDoc(sortDocs!, x.b, y.b) || cmpDoc(sortDocs!, x.p, y.p);
}

/** Sorts document numbers in document order (cmpDoc). */
function sortByDoc(s: Docs, docs: number[]): number[] {
  sortDocs = s;
  try {
    return docs.sort(byDoc);
  } finally {
    sortDocs = null;
  }
}

function greedy(s: Docs, cands: Cand[], pass: number): void {
  sortDocs = s;
  try {
    cands.sort(byCand);
  } finally {
    sortDocs = null;
  }
  for (let k = 0; k < cands.length; k += 1) {
    const c = cands[k]!;
    if (s.state[c.b] === FREE && s.state[c.p] === FREE) pair(s, c.b, c.p, pass);
  }
}

/** FY argument of a document without a date (canonicalOnly gets null), in the canonical-key cache. */
const NO_FY = -1;
/** Cache entry valid for every FY (the clean key is already canonical). */
const ANY_FY_ARG = Infinity;

/** Per-run interning of strings and GSTINs. */
class Interner {
  constructor(private readonly tables: TableLease = new TableLease()) {}
  private readonly keys = new Map<string, number>();
  /** Interned strings by id. */
  readonly texts: string[] = [];
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
  fyBase = 0;
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

function ck(block: number, fam: number, keyId: number, fySlot: number): number {
  return ((block * FAM_SPACE + fam) * KEY_SPACE + keyId) * FY_SPACE + fySlot;
}

/**
 * Chained hash groups: keys interned to dense group ids (first-seen order), the first document per
 * group in `head`, then a `next` chain per document — no per-group arrays, no boxed Map keys.
 */
class Groups {
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

/**
 * Receives each result row's parts as the matcher decides it (in decision order, not result
 * order), so run and supplier summaries are summed without the rows being built.
 */
export interface RowSink {
  /**
   * `category`: the row's category as its index in CATEGORIES; `books`, `portal`: the row's two
   * sides as numbers (itc.ts `SIDE` layout; not present when the row has no such side), read
   * from the matcher's columns and valid only during the call;
   * `booksRows`: the source rows the books side stands for (several for aggregated bills of
   * entry); `filingDate`: the portal document's `supfildt`; `amendment`: amended − original when
   * the original was in an earlier period; `supplier`: the run's id of `supplierGstin` (a small
   * integer, one per distinct GSTIN).
   */
  add(category: number, accepted: boolean, books: Float64Array, booksRows: number, portal: Float64Array,
    filingDate: string | undefined, amendment: Readonly<Heads> | null, supplier: number, supplierGstin: string): void;
}

/** A run's result rows in result order (§12.2), built when asked for: decided, not yet objects. */
export interface MatchedRows {
  readonly count: number;
  /** Rows [from, to) in result order, built now (each call builds new objects). */
  between(from: number, to: number): ResultRow[];
  /** Gives the tables the rows are built from back to the pool; `between` refuses after this. */
  release(): void;
}

/**
 * The run's options with every field present, in one order: one hidden class for every run, where
 * `{ ...DEFAULT_MATCH_OPTIONS, ...opts }` would give the shape of whatever the caller passed (a
 * stored run's JSON options, say) and de-optimise the phases that read it.
 */
export function matchOptions(opts: Partial<MatchOptions>): MatchOptions {
  const d = DEFAULT_MATCH_OPTIONS;
  return {
    amountTolerance: opts.amountTolerance ?? d.amountTolerance,
    dateWindowDays: opts.dateWindowDays ?? d.dateWindowDays,
    adjacentFyMatching: opts.adjacentFyMatching ?? d.adjacentFyMatching,
    autoAcceptProbable: opts.autoAcceptProbable ?? d.autoAcceptProbable,
    fuzzyBlockCap: opts.fuzzyBlockCap ?? d.fuzzyBlockCap,
    supplierSignals: opts.supplierSignals,
  };
}

export function matchDocuments(
  booksIn: readonly BooksRow[],
  portalIn: readonly PortalDoc[],
  opts: Partial<MatchOptions> = {},
): MatchOutput {
  const { rows, rejected, warnings } = matchDocumentsInto(booksIn, portalIn, opts, null);
  const results = rows.between(0, rows.count);
  rows.release();
  return { results, rejected, warnings };
}

/**
 * The result row of a pair a user linked by hand (§8.7, category `manual_match`): the same
 * differences, flags and ITC effect the engine gives a pair, whatever the passes would have done
 * with the two documents.
 */
export function manualPairRow(books: BooksRow, portal: PortalDoc, opts: Partial<MatchOptions> = {}): ResultRow {
  const o = matchOptions(opts);
  const it = new Interner();
  const s = new Docs(1, 2, it.texts);
  normaliseBooks(s, it, [books]);
  normalisePortal(s, it, [{ ...portal, rejected: false }]);
  assignFySlots(s, 2);
  applySupplierSignals(new Run(s, it, o, 1, 2, [], [], new TableLease(), new TableLease()));
  pair(s, 0, 1, MANUAL);
  return new Rows(s, o, it.gstinById).pairRow(0, 1);
}

/**
 * matchDocuments that decides every result row without building it: each row's parts go to
 * `sink` as it is decided, the rows themselves come from `rows` when asked for, and each
 * supplier is named as a pass over the sorted rows would name it (`supplierNames`).
 */
export function matchDocumentsInto(
  booksIn: readonly BooksRow[],
  portalIn: readonly PortalDoc[],
  opts: Partial<MatchOptions>,
  sink: RowSink | null,
): { rows: MatchedRows; rejected: PortalDoc[]; warnings: Issue[]; supplierNames: Map<string, string> } {
  // Typed arrays from the table pool (table-pool.ts): the phases' tables go back when this
  // returns, the columns and the row order behind the rows when the result is released.
  const tables = new TableLease();
  const kept = new TableLease();
  try {
    return matchWith(booksIn, portalIn, matchOptions(opts), sink, tables, kept);
  } catch (error) {
    kept.release();
    throw error;
  } finally {
    tables.release();
  }
}

function matchWith(booksIn: readonly BooksRow[], portalIn: readonly PortalDoc[], o: MatchOptions, sink: RowSink | null,
  tables: TableLease, kept: TableLease): { rows: MatchedRows; rejected: PortalDoc[]; warnings: Issue[]; supplierNames: Map<string, string> } {
  const warnings: Issue[] = [];
  const it = new Interner(tables);

  // Both sides into the columns, then the phases of §7–§10 in order, each its own function.
  const nb = booksIn.length;
  const s = new Docs(nb, nb + portalIn.length, it.texts, kept);
  normaliseBooks(s, it, booksIn);
  const rejected = normalisePortal(s, it, portalIn);
  const end = nb + s.np;
  assignFySlots(s, end);
  const run = new Run(s, it, o, nb, end, warnings, rejected, tables, kept);
  warnInvalidGstins(run);
  aggregateBillsOfEntry(run);
  markDuplicates(run);
  supersedeAmendments(run);
  keyedPasses(run);
  fuzzyPasses(run);
  panPass(run);
  hintsAndRejected(run);
  applySupplierSignals(run);
  const plan = planRows(run, sink);
  const { rowB, rowP, rowGstin } = plan;
  idRefs = s.ref;
  idRowB = rowB;
  idRowP = rowP;
  let perm: Int32Array;
  try {
    perm = sortResults(plan.count, rowGstin, plan.rowDay, it.gstinById, byRowId, tables, kept);
  } finally {
    idRefs = NO_REFS;
    idRowB = NO_ROWS;
    idRowP = NO_ROWS;
  }
  const supplierNames = sink === null ? new Map<string, string>() : supplierNamesOf(s, perm, plan, it.gstinById);
  // Warnings in a fixed order too (block iteration order depends on input order).
  warnings.sort(byWarning);
  return { rows: new PlannedRows(new Rows(s, o, it.gstinById), perm, rowB, rowP, kept), rejected, warnings, supplierNames };
}

/**
 * The rows byRowId compares, set around the result sort (as sortDocs): a comparator made per run
 * as a closure lost its compiled code with the run.
 */
const NO_REFS: readonly string[] = [];
const NO_ROWS = new Int32Array(0);
let idRefs = NO_REFS;
let idRowB: Int32Array = NO_ROWS;
let idRowP: Int32Array = NO_ROWS;

/** Row ids are `booksRef|portalRef` (either side may be empty): compared from their parts. */
function byRowId(x: number, y: number): number {
  const refs = idRefs;
  const bx = idRowB[x]!;
  const by = idRowB[y]!;
  const px = idRowP[x]!;
  const py = idRowP[y]!;
  return cmpJoined(bx < 0 ? '' : refs[bx]!, px < 0 ? '' : refs[px]!, by < 0 ? '' : refs[by]!, py < 0 ? '' : refs[py]!);
}

/**
 * One run's state, shared by the phase functions below. Each phase is its own small function so
 * that V8 optimises its loops quickly: as one giant function, every loop re-compiled all of it.
 * A class (kept alive in kept-shapes.ts), not an object literal: a literal's hidden class died
 * with each run, and every phase then de-optimised at its first read of the run.
 */
class Run {
  constructor(
    readonly s: Docs,
    readonly it: Interner,
    readonly o: MatchOptions,
    readonly nb: number,
    readonly end: number,
    readonly warnings: Issue[],
    readonly rejected: PortalDoc[],
    /** The phases' tables (back to the pool when the match returns). */
    readonly tables: TableLease,
    /** Tables the result's rows are built from (back to the pool when the result is released). */
    readonly kept: TableLease,
  ) {}
}

function byWarning(x: Issue, y: Issue): number {
  return cmpStr(x.code, y.code) || cmpStr(x.rowRef ?? '', y.rowRef ?? '') || cmpStr(x.message, y.message);
}

function byRef(x: PortalDoc, y: PortalDoc): number {
  return cmpStr(x.ref, y.ref);
}

/** Edit distance of two documents' numbers (canonical when known), for the P4/P6 tie-breaks. */
function numberDistance(s: Docs, b: number, p: number): number {
  return osaDistance(canonText(s, b), canonText(s, p));
}

/** Books rows into the columns, with the books flags and out-of-scope rows (§9.7). */
function normaliseBooks(s: Docs, it: Interner, booksIn: readonly BooksRow[]): void {
  const nb = s.nb;
  const money = s.money;
  for (let i = 0; i < nb; i += 1) {
    const r = booksIn[i]!;
    initDoc(s, i, r.rowRef, r.docType, r.supplierGstin, r.invoiceNumberRaw, r.invoiceDate, r.placeOfSupply,
      r.reverseCharge, r.billOfEntryNumber, r.portCode, it);
    setMoney(money, MONEY_STRIDE * i, r);
    s.books[i] = r;
    // Books flags and out of scope (§9.7), while the row is in cache (nothing before the
    // duplicate check reads these bits or states).
    let f = s.flags[i]!;
    if (r.derivedAmounts) f |= F_DERIVED;
    if (r.dateFallback) f |= F_DATE_FALLBACK;
    if (r.itcEligible === false) f |= F_NOT_ELIGIBLE;
    s.flags[i] = f;
    let out = 0;
    if (r.importOfServices) out = 1;
    else if (it.gstinById[s.gstinId[i]!] === '' && s.type[i] !== T_BOE) out = 2;
    else if (money[i * MONEY_STRIDE + TAX] === 0) out = 3;
    if (out !== 0) {
      s.outReason[i] = out;
      s.state[i] = EXCLUDED;
      s.category[i] = C_OUT_OF_SCOPE;
    }
  }
}

/** Portal documents into the columns after the books; IMS-rejected ones are returned aside, by ref. */
function normalisePortal(s: Docs, it: Interner, portalIn: readonly PortalDoc[]): PortalDoc[] {
  const nb = s.nb;
  const money = s.money;
  const rejected: PortalDoc[] = [];
  for (let k = 0; k < portalIn.length; k += 1) {
    const doc = portalIn[k]!;
    if (doc.rejected) {
      rejected.push(doc);
      continue;
    }
    const i = nb + s.np;
    s.np += 1;
    initDoc(s, i, doc.ref, doc.docType, doc.supplierGstin, doc.numberRaw, doc.date, doc.placeOfSupply,
      doc.reverseCharge, doc.billOfEntryNumber, doc.portCode, it);
    setMoney(money, MONEY_STRIDE * i, doc);
    if (doc.itcAvailable) money[MONEY_STRIDE * i + M_PACK] = money[MONEY_STRIDE * i + M_PACK]! + PACK_AVAIL;
    s.portal.push(doc);
    s.filing.push(doc.supplierFilingDate);
    const orig = doc.original;
    if (orig) {
      s.hasOrig[i] = 1;
      const odt = orig.date || doc.date;
      const oFy = fyStartYear(odt);
      s.oFy[i] = oFy;
      s.oDay[i] = dayOfIso(odt);
      const oClean = doc.docType === 'bill_of_entry' ? billOfEntryKey(orig.number) : cleanKey(orig.number);
      if (oClean !== '') {
        s.oCleanId[i] = it.key(oClean);
        s.oCanonId[i] = it.key(doc.docType === 'bill_of_entry' ? oClean : canonicalOnly(oClean, oFy));
      }
    }
  }
  rejected.sort(byRef);
  return rejected;
}

function assignFySlots(s: Docs, end: number): void {
  // FY slots: small integers relative to the earliest FY in the run (the key packing needs < 63).
  let fyMin = Infinity;
  for (let i = 0; i < end; i += 1) if (s.day[i] !== 0 && s.fy[i]! < fyMin) fyMin = s.fy[i]!;
  const fyBase = Number.isFinite(fyMin) ? fyMin - 1 : 0;
  for (let i = 0; i < end; i += 1) {
    s.fySlot[i] = Math.min(ANY_FY - 1, Math.max(0, s.fy[i]! - fyBase));
    if (s.hasOrig[i] === 1) s.oFySlot[i] = Math.min(ANY_FY - 1, Math.max(0, s.oFy[i]! - fyBase));
  }
}

/** Invalid GSTINs: warn once per GSTIN and side, naming its first row (§7.1, §2.7). */
function warnInvalidGstins(run: Run): void {
  const { s, it, nb, end, warnings } = run;
  const bad = new Map<string, number>();
  for (let i = 0; i < end; i += 1) {
    if ((s.flags[i]! & F_INVALID_GSTIN) === 0) continue;
    const key = `${i < nb ? 0 : 1}${it.gstinById[s.gstinId[i]!]!}`;
    const seen = bad.get(key);
    if (seen === undefined || cmpDoc(s, i, seen) < 0) bad.set(key, i);
  }
  for (const i of bad.values()) {
    const gstin = it.gstinById[s.gstinId[i]!]!;
    warnings.push({
      code: 'invalid_gstin',
      message: `${i < nb ? 'Books' : 'Portal'} supplier GSTIN ${gstin} fails validation (${checkGstin(gstin).problem}); rows kept`,
      field: 'supplierGstin',
      rowRef: s.ref[i]!,
    });
  }
}

/** Bills of entry: aggregate books rows per BOE number (§9.4). */
function aggregateBillsOfEntry(run: Run): void {
  const { s, nb } = run;
  const money = run.s.money;
  const byBoe = new Map<number, number[]>();
  for (let i = 0; i < nb; i += 1) {
    if (s.state[i] !== FREE || s.type[i] !== T_BOE || s.cleanId[i]! < 0) continue;
    const g = byBoe.get(s.cleanId[i]!);
    if (g) g.push(i);
    else byBoe.set(s.cleanId[i]!, [i]);
  }
  for (const g of byBoe.values()) {
    if (g.length < 2) continue;
    sortByDoc(s, g);
    const head = g[0]!;
    const h = head * MONEY_STRIDE;
    const refs = new Array<string>(g.length);
    for (let j = 0; j < g.length; j += 1) refs[j] = s.ref[g[j]!]!;
    s.rowRefs.set(head, refs);
    s.sparse[head] = 1;
    for (let j = 1; j < g.length; j += 1) {
      const d = g[j]! * MONEY_STRIDE;
      for (let k = 0; k < MONEY_FIELDS; k += 1) money[h + k] = money[h + k]! + money[d + k]!;
      s.state[g[j]!] = MERGED; // merged into head: no result row of its own
    }
    // The result row shows the aggregate; keep the first row's descriptive fields.
    s.books[head] = {
      ...s.books[head]!, taxableValue: money[h + TX]!, igst: money[h + IG]!, cgst: money[h + CG]!, sgst: money[h + SG]!, cess: money[h + CS]!,
    };
  }
}

/** Duplicates in books (§7.5). */
function markDuplicates(run: Run): void {
  const { s, it, nb, warnings } = run;
  const money = run.s.money;
  const tol = run.o.amountTolerance;
  const groups = new Groups(nb, nb, run.tables);
  // Per canonical key: the first clean id seen, or -2 when several differ (→ possible duplicate).
  const canonKeys = new NumIndex(nb, run.tables);
  const canonFirst = run.tables.i32(nb);
  const canonGroup = run.tables.i32(nb, -1);
  for (let i = 0; i < nb; i += 1) {
    if (s.state[i] !== FREE || s.cleanId[i]! < 0) continue;
    groups.add(ck(s.block[i]!, s.type[i]!, s.cleanId[i]!, s.fySlot[i]!), i);
    ensureCanon(s, i, it);
    const kc = ck(s.block[i]!, s.type[i]!, s.canonId[i]!, s.fySlot[i]!);
    const before = canonKeys.size;
    const cg = canonKeys.add(kc);
    canonGroup[i] = cg;
    if (cg === before) canonFirst[cg] = s.cleanId[i]!;
    else if (canonFirst[cg] !== s.cleanId[i]) canonFirst[cg] = -2;
  }
  const g: number[] = [];
  for (let gi = 0; gi < groups.groupCount; gi += 1) {
    const head = groups.head[gi]!;
    if (groups.next[head] === -1) continue;
    sortByDoc(s, groups.list(head, g));
    let dupCount = 0;
    for (let j = 1; j < g.length; j += 1) {
      const later = g[j]!;
      let first = -1;
      for (let k = 0; k < j; k += 1) {
        const e = g[k]!;
        if (s.state[e] === FREE && withinTol(money, e, later, tol)) {
          first = e;
          break;
        }
      }
      if (first >= 0) {
        s.state[later] = EXCLUDED;
        s.category[later] = C_DUPLICATE;
        s.relatedRef.set(later, s.ref[first]!);
        s.sparse[later] = 1;
        dupCount += 1;
      } else {
        for (let k = 0; k < j; k += 1) if (s.state[g[k]!] === FREE) s.flags[g[k]!] = s.flags[g[k]!]! | F_DIFFERENT_AMOUNTS;
        s.flags[later] = s.flags[later]! | F_DIFFERENT_AMOUNTS;
      }
    }
    if (dupCount > 0) {
      warnings.push({
        code: 'duplicate_in_books',
        message: `${dupCount} duplicate books row(s) for ${it.gstinById[s.gstinId[g[0]!]!]!} number ${s.books[g[0]!]!.invoiceNumberRaw}`,
        rowRef: s.ref[g[0]!]!,
        count: dupCount,
      });
    }
  }
  for (let i = 0; i < nb; i += 1) {
    if (s.state[i] !== FREE || s.cleanId[i]! < 0) continue;
    if (canonFirst[canonGroup[i]!] === -2) s.flags[i] = s.flags[i]! | F_POSSIBLE_DUP;
  }
}

/** The 2B period that carried portal document i. */
function periodOf(s: Docs, i: number): string {
  return s.portal[i - s.nb]!.period;
}

/** Key of the document an amendment replaces (its date is compared separately). */
function origKeyOf(s: Docs, a: number): number {
  const ot = s.portal[a - s.nb]!.original?.docType;
  return ck(s.block[a]!, ot ? FAMILY[ot] : FAMILY_OF_CODE[s.type[a]!]!, s.oCleanId[a]!, 0);
}

function byPeriodThenDoc(x: number, y: number): number {
  return cmpStr(periodOf(sortDocs!, x), periodOf(sortDocs!, y)) || cmpDoc(sortDocs!, x, y);
}

/** Sorts portal documents by 2B period, then in document order. */
function sortByPeriod(s: Docs, docs: number[]): void {
  sortDocs = s;
  try {
    docs.sort(byPeriodThenDoc);
  } finally {
    sortDocs = null;
  }
}

/** Amendments supersede originals (§9.2). */
function supersedeAmendments(run: Run): void {
  const { s, nb, end } = run;
  const money = run.s.money;
  const amendments: number[] = [];
  for (let i = nb; i < end; i += 1) if (s.hasOrig[i] === 1 && s.oCleanId[i]! >= 0) amendments.push(i);
  if (amendments.length > 0) {
    sortByPeriod(s, amendments);
    const wanted = new NumIndex(amendments.length, run.tables);
    for (const a of amendments) wanted.add(origKeyOf(s, a));
    const byKey: number[][] = [];
    for (let i = nb; i < end; i += 1) {
      if (s.cleanId[i]! < 0) continue;
      const w = wanted.find(ck(s.block[i]!, FAMILY_OF_CODE[s.type[i]!]!, s.cleanId[i]!, 0));
      if (w < 0) continue;
      const g = byKey[w];
      if (g) g.push(i);
      else byKey[w] = [i];
    }
    for (const g of byKey) if (g) sortByPeriod(s, g);
    for (const a of amendments) {
      s.flags[a] = s.flags[a]! | F_AMENDED;
      const ap = s.portal[a - nb]!;
      const g = byKey[wanted.find(origKeyOf(s, a))];
      let orig = -1;
      if (g) {
        for (const c of g) {
          if (c !== a && s.state[c] === FREE && s.day[c] === s.oDay[a] && periodOf(s, c) <= ap.period) {
            orig = c;
            break;
          }
        }
      }
      if (orig < 0) continue;
      s.state[orig] = EXCLUDED;
      s.category[orig] = C_SUPERSEDED;
      s.relatedRef.set(orig, ap.ref);
      s.relatedRef.set(a, s.ref[orig]!);
      s.sparse[orig] = 1;
      s.sparse[a] = 1;
      const sa = signOf(DOC_TYPE_BY_CODE[s.type[a]!]!);
      const so = signOf(DOC_TYPE_BY_CODE[s.type[orig]!]!);
      const am = a * MONEY_STRIDE;
      const om = orig * MONEY_STRIDE;
      s.amendmentDelta.set(a, {
        igst: sa * money[am + IG]! - so * money[om + IG]!,
        cgst: sa * money[am + CG]! - so * money[om + CG]!,
        sgst: sa * money[am + SG]! - so * money[om + SG]!,
        cess: sa * money[am + CS]! - so * money[om + CS]!,
      });
      s.amendmentOfEarlierPeriod.set(a, periodOf(s, orig) < ap.period);
    }
  }
  for (let i = nb; i < end; i += 1) if (s.hasOrig[i] === 1 && s.oCleanId[i]! < 0) s.flags[i] = s.flags[i]! | F_AMENDED;
}

/**
 * P1–P3: keyed passes; then the canonical keys of the portal documents still free. The passes
 * and their helpers are module functions taking the run, not closures made per run: a closure's
 * compiled code goes when the run's closures die, and each run compiled them again.
 */
function keyedPasses(run: Run): void {
  const { s, it, nb, end } = run;
  // Work arrays shared by the passes; bNext: books chain per portal group (by books document).
  const bIdx: number[] = [];
  const pIdx: number[] = [];
  const bNext = run.tables.i32(nb);
  // P1: equal clean key, same FY. P2: equal canonical key. P3: books still carry the number the amendment replaced.
  keyedPass(run, P1, bIdx, pIdx, bNext);
  keyedPass(run, P2, bIdx, pIdx, bNext);
  keyedPass(run, P3, bIdx, pIdx, bNext);
  for (let i = nb; i < end; i += 1) if (s.state[i] === FREE) ensureCanon(s, i, it);
}

/** Hash key of document i for a pass (−1: takes no part). */
function keyFor(run: Run, pass: number, i: number, portalSide: boolean): number {
  const s = run.s;
  if (pass === P1) return s.cleanId[i]! < 0 ? -1 : ck(s.block[i]!, FAMILY_OF_CODE[s.type[i]!]!, s.cleanId[i]!, s.fySlot[i]!);
  if (pass === P3 && portalSide) {
    return s.hasOrig[i] === 1 && s.oCanonId[i]! >= 0 ? ck(s.block[i]!, FAMILY_OF_CODE[s.type[i]!]!, s.oCanonId[i]!, ANY_FY) : -1;
  }
  if (s.cleanId[i]! < 0) return -1;
  ensureCanon(s, i, run.it);
  return ck(s.block[i]!, FAMILY_OF_CODE[s.type[i]!]!, s.canonId[i]!, ANY_FY);
}

/** P2/P3: same FY, or adjacent FY with dates inside the window. */
function fyOk(o: MatchOptions, bFy: number, pFy: number, gap: number): boolean {
  return bFy === pFy || (o.adjacentFyMatching && Math.abs(bFy - pFy) === 1 && gap <= o.dateWindowDays);
}

function keyedAllow(run: Run, pass: number, b: number, p: number): boolean {
  const s = run.s;
  if (!compatible(s.type[b]!, s.type[p]!)) return false;
  if (pass === P1) return true;
  if (pass === P2) return fyOk(run.o, s.fy[b]!, s.fy[p]!, Math.abs(s.day[b]! - s.day[p]!));
  return fyOk(run.o, s.fy[b]!, s.oFy[p]!, Math.abs(s.day[b]! - s.oDay[p]!));
}

function keyedPass(run: Run, pass: number, bIdx: number[], pIdx: number[], bNext: Int32Array): void {
  const { s, nb, end } = run;
  const money = s.money;
  let free = 0;
  for (let i = nb; i < end; i += 1) if (s.state[i] === FREE) free += 1;
  const pg = new Groups(s.np, free, run.tables);
  for (let i = nb; i < end; i += 1) {
    if (s.state[i] !== FREE) continue;
    const k = keyFor(run, pass, i, true);
    if (k >= 0) pg.add(k, i - nb);
  }
  if (pg.groupCount === 0) return;
  // Books join the portal group of their key directly (a chain per portal group, in books
  // order): groups are disjoint, so the order in which they are paired does not matter.
  const groupCount = pg.groupCount;
  const bHead = run.tables.i32(groupCount, -1);
  const bLast = run.tables.i32(groupCount);
  for (let i = 0; i < nb; i += 1) {
    if (s.state[i] !== FREE) continue;
    const k = keyFor(run, pass, i, false);
    if (k < 0) continue;
    const g = pg.index.find(k);
    if (g < 0) continue;
    bNext[i] = -1;
    if (bHead[g] === -1) bHead[g] = i;
    else bNext[bLast[g]!] = i;
    bLast[g] = i;
  }
  for (let g = 0; g < groupCount; g += 1) {
    const bh = bHead[g]!;
    if (bh === -1) continue;
    const ph = pg.head[g]!;
    if (bNext[bh] === -1 && pg.next[ph] === -1) {
      const p = nb + ph;
      if (s.state[p] === FREE && keyedAllow(run, pass, bh, p)) pair(s, bh, p, pass);
      continue;
    }
    const cands: Cand[] = [];
    bIdx.length = 0;
    for (let b = bh; b !== -1; b = bNext[b]!) bIdx.push(b);
    pg.list(ph, pIdx);
    for (const b of bIdx) {
      for (const pi of pIdx) {
        const p = nb + pi;
        if (s.state[p] !== FREE || !keyedAllow(run, pass, b, p)) continue;
        cands.push({ b, p, taxDiff: taxDiff(money, b, p), gap: Math.abs(s.day[b]! - s.day[p]!), dist: 0 });
      }
    }
    greedy(s, cands, pass);
  }
}

/** P4/P5: fuzzy number, amount only, per GSTIN block. */
function fuzzyPasses(run: Run): void {
  const { s, it, o, nb, end, warnings } = run;
  const money = run.s.money;
  const tol = run.o.amountTolerance;
  const win = run.o.dateWindowDays;
  const blocks = new Map<number, { b: number[]; p: number[] }>();
  for (let i = nb; i < end; i += 1) {
    if (s.state[i] !== FREE) continue;
    const g = blocks.get(s.block[i]!);
    if (g) g.p.push(i);
    else blocks.set(s.block[i]!, { b: [], p: [i] });
  }
  for (let i = 0; i < nb; i += 1) {
    if (s.state[i] !== FREE) continue;
    blocks.get(s.block[i]!)?.b.push(i);
  }
  const count = run.tables.i32(end);
  for (const g of blocks.values()) {
    if (g.b.length === 0) continue;
    if (g.b.length > o.fuzzyBlockCap || g.p.length > o.fuzzyBlockCap) {
      const p0 = g.p[0]!;
      warnings.push({
        code: 'fuzzy_passes_skipped',
        message: `P4/P5 skipped for ${s.block[p0] === BOE_BLOCK ? 'bills of entry' : it.gstinById[s.gstinId[p0]!]!}: ${g.b.length} books and ${g.p.length} portal leftovers exceed the cap of ${o.fuzzyBlockCap}`,
        field: 'supplierGstin',
      });
      continue;
    }
    // P4: fuzzy number.
    const c4: Cand[] = [];
    for (const b of g.b) {
      if (s.cleanId[b]! < 0) continue;
      let bk: CanonicalKey | null = null;
      for (const p of g.p) {
        if (s.cleanId[p]! < 0 || !compatible(s.type[b]!, s.type[p]!)) continue;
        const gap = Math.abs(s.day[b]! - s.day[p]!);
        if (gap > win || !withinTol(money, b, p, tol) || !posRcmEqual(s, b, p)) continue;
        bk ??= fuzzyKeyOf(s, b);
        if (!isFuzzyNumberMatch(bk, fuzzyKeyOf(s, p))) continue;
        c4.push({ b, p, taxDiff: taxDiff(money, b, p), gap, dist: numberDistance(s, b, p) });
      }
    }
    if (c4.length > 0) greedy(s, dropAmbiguous(c4), P4);
    // P5: amount only, unique on both sides.
    const c5: Cand[] = [];
    for (const b of g.b) {
      if (s.state[b] !== FREE) continue;
      for (const p of g.p) {
        if (s.state[p] !== FREE || !compatible(s.type[b]!, s.type[p]!)) continue;
        const gap = Math.abs(s.day[b]! - s.day[p]!);
        if (gap > win || !withinTol(money, b, p, tol) || !posRcmEqual(s, b, p)) continue;
        c5.push({ b, p, taxDiff: 0, gap, dist: 0 });
        count[b] = count[b]! + 1;
        count[p] = count[p]! + 1;
      }
    }
    for (const c of c5) if (count[c.b] === 1 && count[c.p] === 1) pair(s, c.b, c.p, P5);
    for (const c of c5) {
      count[c.b] = 0;
      count[c.p] = 0;
    }
  }
}

/** P6: same PAN, different GSTIN (§8.6). */
function panPass(run: Run): void {
  const { s, it, o, nb, end, warnings } = run;
  const money = run.s.money;
  const tol = run.o.amountTolerance;
  const win = run.o.dateWindowDays;
  const pans = new Map<string, { b: number[]; p: number[] }>();
  for (let i = nb; i < end; i += 1) {
    const pan = it.panById[s.gstinId[i]!]!;
    if (s.state[i] !== FREE || pan === '' || s.block[i] === BOE_BLOCK) continue;
    const g = pans.get(pan);
    if (g) g.p.push(i);
    else pans.set(pan, { b: [], p: [i] });
  }
  for (let i = 0; i < nb; i += 1) {
    const pan = it.panById[s.gstinId[i]!]!;
    if (s.state[i] !== FREE || pan === '' || s.block[i] === BOE_BLOCK || s.cleanId[i]! < 0) continue;
    pans.get(pan)?.b.push(i);
  }
  for (const [pan, g] of pans) {
    if (g.b.length === 0) continue;
    if (g.b.length > o.fuzzyBlockCap || g.p.length > o.fuzzyBlockCap) {
      warnings.push({ code: 'pan_pass_skipped', message: `P6 skipped for PAN ${pan}: too many leftovers` });
      continue;
    }
    const c6: Cand[] = [];
    for (const b of g.b) {
      ensureCanon(s, b, it);
      const bk = fuzzyKeyOf(s, b);
      for (const p of g.p) {
        if (s.gstinId[p] === s.gstinId[b] || s.cleanId[p]! < 0 || !compatible(s.type[b]!, s.type[p]!)) continue;
        const gap = Math.abs(s.day[b]! - s.day[p]!);
        if (!(s.fy[b] === s.fy[p] || gap <= win)) continue;
        if (Math.abs(money[b * MONEY_STRIDE + TX]! - money[p * MONEY_STRIDE + TX]!) > tol || taxDiff(money, b, p) > tol) continue;
        if (s.canonId[b] !== s.canonId[p] && !isFuzzyNumberMatch(bk, fuzzyKeyOf(s, p))) continue;
        c6.push({ b, p, taxDiff: taxDiff(money, b, p), gap, dist: numberDistance(s, b, p) });
      }
    }
    if (c6.length > 0) greedy(s, c6, P6);
  }
}

/** Hints and IMS-rejected look-ups on leftovers. */
function hintsAndRejected(run: Run): void {
  const { s, it, nb, end, rejected } = run;
  let free = 0;
  for (let i = nb; i < end; i += 1) if (s.state[i] === FREE) free += 1;
  const leftPortal = new Groups(s.np, free, run.tables);
  for (let i = nb; i < end; i += 1) {
    if (s.state[i] !== FREE || s.canonId[i]! < 0) continue;
    leftPortal.add(ck(s.block[i]!, FAMILY_OF_CODE[s.type[i]!]!, s.canonId[i]!, ANY_FY), i - nb);
  }
  const rejectedByKey = new Map<number, PortalDoc>();
  for (const r of rejected) {
    const clean = r.docType === 'bill_of_entry' ? billOfEntryKey(r.billOfEntryNumber || r.numberRaw) : cleanKey(r.numberRaw);
    if (clean === '') continue;
    const canon = r.docType === 'bill_of_entry' ? clean : canonicalOnly(clean, fyStartYear(r.date));
    const block = r.docType === 'bill_of_entry' ? BOE_BLOCK : it.gstin(r.supplierGstin) >> 1;
    const k = ck(block, FAMILY[r.docType], it.key(canon), ANY_FY);
    if (!rejectedByKey.has(k)) rejectedByKey.set(k, r);
  }
  for (let b = 0; b < nb; b += 1) {
    if (s.state[b] !== FREE || s.cleanId[b]! < 0) continue;
    ensureCanon(s, b, it);
    const fam = FAMILY_OF_CODE[s.type[b]!]!;
    const opp = OPPOSITE_FAMILY[fam]!;
    if (opp >= 0 && leftPortal.groupCount > 0) {
      for (let pi = leftPortal.headOf(ck(s.block[b]!, opp, s.canonId[b]!, ANY_FY)); pi !== -1; pi = leftPortal.next[pi]!) {
        const p = nb + pi;
        addHint(s, b, 'same number, opposite sign');
        addHint(s, p, 'same number, opposite sign');
        s.flags[b] = s.flags[b]! | F_OPPOSITE_SIGN;
        s.flags[p] = s.flags[p]! | F_OPPOSITE_SIGN;
      }
    }
    if (rejectedByKey.size === 0) continue;
    const rej = rejectedByKey.get(ck(s.block[b]!, fam, s.canonId[b]!, ANY_FY));
    if (rej) {
      s.flags[b] = s.flags[b]! | F_REJECTED_IN_IMS;
      s.relatedRef.set(b, rej.ref);
      s.sparse[b] = 1;
      addHint(s, b, 'document was rejected in IMS: reverse the credit or restore the document');
    }
  }
}

/** Supplier signals from 2A. */
function applySupplierSignals(run: Run): void {
  const { s, it, o, end } = run;
  const signals = o.supplierSignals;
  if (signals) {
    // One mask per supplier GSTIN id (−1: not looked up yet).
    const maskOf = run.tables.i32(it.gstinById.length, -1);
    for (let i = 0; i < end; i += 1) {
      const gi = s.gstinId[i]!;
      let m = maskOf[gi]!;
      if (m < 0) {
        const sig = signals[it.gstinById[gi]!];
        m = 0;
        if (sig) {
          if (sig.gstr3bFiled === false) m |= F_NOT_FILED_3B;
          if (sig.gstr1Filed === false) m |= F_NOT_FILED_GSTR1;
          if (sig.cancelledOn) m |= F_CANCELLED;
        }
        maskOf[gi] = m;
      }
      s.flags[i] = s.flags[i]! | m;
    }
  }
}

/** The result rows as decided (one per books row not merged away, one per unpaired portal document). */
interface RowPlan {
  count: number;
  /** Per result row: supplier GSTIN id and day (the result order), books and portal document (−1: none). */
  rowGstin: Int32Array;
  rowDay: Float64Array;
  rowB: Int32Array;
  rowP: Int32Array;
}

/** Decides the result rows (no objects) and hands each one's parts to `sink`. */
function planRows(run: Run, sink: RowSink | null): RowPlan {
  const { s, it, o, nb, end } = run;
  const gstinById = it.gstinById;
  // Sort keys per result row: the supplier GSTIN's id and the day.
  const rowGstin = run.tables.i32(end);
  const rowDay = run.tables.f64(end);
  // The two documents of each row (−1: none), so the result order compares ids from their parts;
  // the rows are built from them (kept with the columns).
  const rowB = run.kept.i32(end, -1);
  const rowP = run.kept.i32(end, -1);
  const bSide = newSide();
  const pSide = newSide();
  let n = 0;
  for (let b = 0; b < nb; b += 1) {
    const st = s.state[b]!;
    if (st === MERGED) continue;
    if (st === PAIRED) {
      const p = s.partner[b]!;
      const pack = s.money[p * MONEY_STRIDE + M_PACK]!;
      const pg = (pack - (pack % PACK_LOW)) / PACK_LOW; // = s.gstinId[p], from the partner's money record
      const g = gstinById[pg] !== '' ? pg : s.gstinId[b]!; // = row.supplierGstin
      rowGstin[n] = g;
      rowP[n] = p;
      if (sink !== null) {
        const cls = pairClass(s, o, b, p);
        sideOf(s, bSide, b);
        sideOf(s, pSide, p);
        sink.add(cls >> 1, (cls & 1) === 1, bSide, booksRowCount(s, b), pSide, s.filing[p - nb], amendmentOf(s, p), g, gstinById[g]!);
      }
    } else {
      const g = s.gstinId[b]!;
      rowGstin[n] = g;
      if (sink !== null) {
        sideOf(s, bSide, b);
        pSide.fill(0);
        sink.add(SINGLE_CATEGORY_INDEX[singleCode(s, b)]!, false, bSide, booksRowCount(s, b), pSide, undefined, amendmentOf(s, b), g, gstinById[g]!);
      }
    }
    rowDay[n] = s.day[b]!;
    rowB[n] = b;
    n += 1;
  }
  bSide.fill(0);
  for (let p = nb; p < end; p += 1) {
    if (s.state[p] === PAIRED) continue;
    const g = s.gstinId[p]!;
    rowGstin[n] = g;
    rowDay[n] = s.day[p]!;
    rowP[n] = p;
    if (sink !== null) {
      sideOf(s, pSide, p);
      sink.add(SINGLE_CATEGORY_INDEX[singleCode(s, p)]!, false, bSide, 0, pSide, s.filing[p - nb], amendmentOf(s, p), g, gstinById[g]!);
    }
    n += 1;
  }
  return { count: n, rowGstin, rowDay, rowB, rowP };
}

// The side layout in module constants (imported bindings are getters under tsx: README → Performance).
const {
  PRESENT: SIDE_PRESENT, SIGN: SIDE_SIGN, TAXABLE: SIDE_TAXABLE, IGST: SIDE_IGST, CGST: SIDE_CGST, SGST: SIDE_SGST, CESS: SIDE_CESS, ITC: SIDE_ITC,
} = SIDE;

/** Document d as a side (itc.ts): the same numbers booksSide/portalSide read from its object. */
function sideOf(s: Docs, out: Float64Array, d: number): void {
  const m = d * MONEY_STRIDE;
  const money = s.money;
  const low = money[m + M_PACK]! % PACK_LOW;
  out[SIDE_PRESENT] = 1;
  out[SIDE_SIGN] = SIGN_OF_CODE[low & 7]!;
  out[SIDE_TAXABLE] = money[m + TX]!;
  out[SIDE_IGST] = money[m + IG]!;
  out[SIDE_CGST] = money[m + CG]!;
  out[SIDE_SGST] = money[m + SG]!;
  out[SIDE_CESS] = money[m + CS]!;
  out[SIDE_ITC] = d < s.nb ? ((s.flags[d]! & F_NOT_ELIGIBLE) === 0 ? 1 : 0) : (low & PACK_AVAIL) !== 0 ? 1 : 0;
}

/**
 * The category of a document without a partner: its own (out of scope, duplicate, superseded) or
 * missing on the other side. As a code: the `category` column's, or 4/5 for missing in 2B/books.
 */
function singleCode(s: Docs, d: number): number {
  const c = s.category[d]!;
  return c !== 0 ? c : d < s.nb ? 4 : 5;
}
const SINGLE_CATEGORY_BY_CODE: readonly Category[] = ['missing_in_2b', 'out_of_scope', 'duplicate_in_books', 'superseded', 'missing_in_2b', 'missing_in_books'];
/** The same as indices in CATEGORIES (what the row sink takes). */
const SINGLE_CATEGORY_INDEX: readonly number[] = SINGLE_CATEGORY_BY_CODE.map((c) => CATEGORY_INDEX.get(c)!);

function singleCategory(s: Docs, d: number): Category {
  return SINGLE_CATEGORY_BY_CODE[singleCode(s, d)]!;
}

/** The main reason of a row without a partner. */
function singleReason(s: Docs, d: number): ResultRow['reason'] {
  if (d >= s.nb) return null;
  return OUT_REASON_BY_CODE[s.outReason[d]!] ?? ((s.flags[d]! & F_REJECTED_IN_IMS) !== 0 ? 'rejected_in_ims' : null);
}

/** The source rows a books document stands for (several for aggregated bills of entry). */
function booksRowCount(s: Docs, b: number): number {
  if (s.sparse[b] !== 1) return 1;
  const refs = s.rowRefs.get(b);
  return refs === undefined ? 1 : refs.length;
}

/** Amended − original of an amendment whose original was in an earlier period (else null). */
function amendmentOf(s: Docs, d: number): Heads | null {
  if (s.sparse[d] !== 1) return null;
  const delta = s.amendmentDelta.get(d);
  return delta !== undefined && s.amendmentOfEarlierPeriod.get(d) === true ? delta : null;
}

/** The decided rows in result order; `between` builds them (for a writer that streams batches, or a reader that wants them all). */
class PlannedRows implements MatchedRows {
  readonly count: number;

  private released = false;

  constructor(private readonly rows: Rows, private readonly perm: Int32Array, private readonly rowB: Int32Array, private readonly rowP: Int32Array,
    private readonly tables: TableLease) {
    this.count = perm.length;
  }

  release(): void {
    this.released = true;
    this.tables.release();
  }

  between(from: number, to: number): ResultRow[] {
    if (this.released) throw new Error('the rows of this match were released');
    const lo = Math.max(0, from);
    const hi = Math.min(this.count, to);
    const out = new Array<ResultRow>(Math.max(0, hi - lo));
    for (let i = lo; i < hi; i += 1) {
      const r = this.perm[i]!;
      const b = this.rowB[r]!;
      const p = this.rowP[r]!;
      out[i - lo] = b >= 0 && p >= 0 ? this.rows.pairRow(b, p) : this.rows.singleRow(b >= 0 ? b : p);
    }
    return out;
  }
}

/**
 * §12.2 order: supplier GSTIN, then date, then id (unique, so the order is total). GSTIN rank, day
 * and row number are packed into one double per row and sorted natively; ids are compared only
 * between rows of one supplier and one day. (Counting sort by GSTIN rank with a comparator per
 * bucket when the packed key would not fit in 53 bits.)
 */
function sortResults(n: number, rowGstin: Int32Array, rowDay: Float64Array, gstinById: readonly string[],
  byId: (x: number, y: number) => number, tables: TableLease, kept: TableLease): Int32Array {
  let dMin = Infinity;
  let dMax = -Infinity;
  let integral = true;
  for (let i = 0; i < n; i += 1) {
    const d = rowDay[i]!;
    if (!(d >= 0 && d < DAY_SPACE)) return sortResultsPacked(n, rowGstin, rowDay, gstinById, byId, tables, kept);
    if (d < dMin) dMin = d;
    if (d > dMax) dMax = d;
    if (d !== Math.floor(d)) integral = false;
  }
  // Rank of every GSTIN id in string order.
  const ids = sortByText(Array.from({ length: gstinById.length }, (_, i) => i), gstinById);
  const rank = tables.i32(gstinById.length);
  for (let r = 0; r < ids.length; r += 1) rank[ids[r]!] = r;
  const daySpan = n === 0 ? 1 : dMax - dMin + 1;
  let perm: Int32Array;
  if (integral && ids.length * daySpan <= 2 ** 32) {
    // (rank, day) as one 32-bit group key per row, rows put in group order by a stable radix
    // sort (row numbers stay ascending inside a group, as the engine always ordered them before
    // comparing ids), then only rows of one supplier and one day are compared by id.
    const group = tables.u32(n);
    for (let i = 0; i < n; i += 1) group[i] = rank[rowGstin[i]!]! * daySpan + (rowDay[i]! - dMin);
    perm = kept.i32(n);
    radixOrder(group, ids.length * daySpan - 1, perm, tables.i32(n), tables.u32(n));
    // (group now holds each position's key, in order.)
    let runStart = 0;
    let runGroup = n === 0 ? 0 : group[0]!;
    for (let i = 1; i <= n; i += 1) {
      const g = i < n ? group[i]! : -1;
      if (g === runGroup) continue;
      if (i - runStart > 16) perm.subarray(runStart, i).sort(byId);
      else if (i - runStart > 1) insertionSort(perm, runStart, i, byId);
      runStart = i;
      runGroup = g;
    }
  } else {
    // Counting sort by rank (stable), then bucket starts.
    const start = tables.i32(ids.length + 1);
    for (let i = 0; i < n; i += 1) start[rank[rowGstin[i]!]! + 1]! += 1;
    for (let r = 0; r < ids.length; r += 1) start[r + 1] = start[r + 1]! + start[r]!;
    const fill = start.slice(0, ids.length);
    perm = kept.i32(n);
    for (let i = 0; i < n; i += 1) perm[fill[rank[rowGstin[i]!]!]!++] = i;
    const byDayThenId = (x: number, y: number): number => rowDay[x]! - rowDay[y]! || byId(x, y);
    for (let r = 0; r < ids.length; r += 1) {
      if (start[r + 1]! - start[r]! > 1) perm.subarray(start[r]!, start[r + 1]!).sort(byDayThenId);
    }
  }
  return perm;
}

/** Bits per digit of radixOrder: a 2,048-entry count table stays in the first-level cache. */
const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;

/**
 * Fills `perm` with 0…n−1 ordered by `keys` (unsigned, at most `maxKey`), stable: equal keys
 * keep ascending row numbers. LSD radix sort, one pass per 11-bit digit the largest key has
 * (two for 4 million groups), moving each key with its row so every pass reads sequentially.
 * It replaced a native sort of (rank, day, row) packed into doubles plus a division and a modulo
 * per row: at 10 lakh rows the result order went from ~380 to ~250 ms, most of the rest being
 * the id comparisons inside groups. `keys` is left in sorted order; `tmp` and `tmpKeys`:
 * scratch of n.
 */
function radixOrder(keys: Uint32Array, maxKey: number, perm: Int32Array, tmp: Int32Array, tmpKeys: Uint32Array): void {
  const n = perm.length;
  for (let i = 0; i < n; i += 1) perm[i] = i;
  const count = new Int32Array(RADIX);
  let src = perm;
  let dst = tmp;
  let kSrc = keys;
  let kDst = tmpKeys;
  for (let shift = 0; shift < 32 && maxKey >>> shift > 0; shift += RADIX_BITS) {
    count.fill(0);
    for (let i = 0; i < n; i += 1) count[(kSrc[i]! >>> shift) & (RADIX - 1)]! += 1;
    let sum = 0;
    for (let d = 0; d < RADIX; d += 1) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i += 1) {
      const k = kSrc[i]!;
      const at = count[(k >>> shift) & (RADIX - 1)]!++;
      dst[at] = src[i]!;
      kDst[at] = k;
    }
    const rows = src;
    src = dst;
    dst = rows;
    const ks = kSrc;
    kSrc = kDst;
    kDst = ks;
  }
  if (src !== perm) {
    perm.set(src);
    keys.set(kSrc);
  }
}

/** The texts compared by byText (set around the sort in sortByText, as sortDocs). */
let sortTexts: readonly string[] = NO_REFS;

function byText(x: number, y: number): number {
  return cmpStr(sortTexts[x]!, sortTexts[y]!);
}

/** Sorts `ids` (indices into `texts`) in the string order of their texts. */
function sortByText(ids: number[], texts: readonly string[]): number[] {
  sortTexts = texts;
  try {
    return ids.sort(byText);
  } finally {
    sortTexts = NO_REFS;
  }
}

/**
 * cmpStr(a1 + '|' + a2, b1 + '|' + b2) without building either string (ids are cons strings, and
 * comparing them flattens each into a new string). Decided by the first parts unless one is a
 * prefix of the other; a first part that continues with '|' falls back to the joined strings.
 */
function cmpJoined(a1: string, a2: string, b1: string, b2: string): number {
  if (a1 === b1) return cmpStr(a2, b2);
  const la = a1.length;
  const lb = b1.length;
  if (la < lb && b1.startsWith(a1)) {
    const c = b1.charCodeAt(la);
    return c === 124 ? cmpStr(`${a1}|${a2}`, `${b1}|${b2}`) : 124 < c ? -1 : 1;
  }
  if (lb < la && a1.startsWith(b1)) {
    const c = a1.charCodeAt(lb);
    return c === 124 ? cmpStr(`${a1}|${a2}`, `${b1}|${b2}`) : c < 124 ? -1 : 1;
  }
  return cmpStr(a1, b1);
}

/**
 * Each supplier's name as SupplierAccumulator.add leaves it after the rows in result order (`perm`):
 * the portal name of the supplier's last row that has one, else the first non-empty row name
 * (by then, a row's name is its books side's). Walks typed arrays and reads documents only until
 * each supplier is decided (usually its last row).
 */
function supplierNamesOf(s: Docs, perm: Int32Array, plan: RowPlan, gstinById: readonly string[]): Map<string, string> {
  const { rowGstin, rowB, rowP } = plan;
  const done = new Uint8Array(gstinById.length);
  const names = new Map<string, string>();
  for (let i = perm.length - 1; i >= 0; i -= 1) {
    const r = perm[i]!;
    const g = rowGstin[r]!;
    if (done[g] === 1 || rowP[r]! < 0) continue;
    const name = s.portal[rowP[r]! - s.nb]!.supplierName;
    if (name) {
      names.set(gstinById[g]!, name);
      done[g] = 1;
    }
  }
  for (let i = 0; i < perm.length; i += 1) {
    const r = perm[i]!;
    const g = rowGstin[r]!;
    if (done[g] === 1 || rowB[r]! < 0) continue;
    const name = s.books[rowB[r]!]!.supplierName;
    if (name) {
      names.set(gstinById[g]!, name);
      done[g] = 1;
    }
  }
  return names;
}

/** Sorts a[from…to) in place (short runs: no subarray object, no call into the array sort). */
function insertionSort(a: Int32Array, from: number, to: number, cmp: (x: number, y: number) => number): void {
  for (let i = from + 1; i < to; i += 1) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= from && cmp(a[j]!, v) > 0) {
      a[j + 1] = a[j]!;
      j -= 1;
    }
    a[j + 1] = v;
  }
}

/**
 * The original ordering, kept for inputs with dates outside 1970–4840 or unparseable ones (NaN):
 * GSTIN rank × DAY_SPACE + day, then id. Readers never produce such dates; direct callers might,
 * and the order must stay exactly what it always was.
 */
function sortResultsPacked(n: number, rowGstin: Int32Array, rowDay: Float64Array, gstinById: readonly string[],
  byId: (x: number, y: number) => number, tables: TableLease, kept: TableLease): Int32Array {
  // Ranks among the GSTINs that have rows (as before: the order keys must stay the same numbers).
  const present = tables.u8(gstinById.length);
  for (let i = 0; i < n; i += 1) present[rowGstin[i]!] = 1;
  const ids: number[] = [];
  for (let g = 0; g < present.length; g += 1) if (present[g] === 1) ids.push(g);
  sortByText(ids, gstinById);
  const rank = tables.i32(gstinById.length);
  ids.forEach((g, r) => {
    rank[g] = r;
  });
  const order = tables.f64(n);
  for (let i = 0; i < n; i += 1) order[i] = rank[rowGstin[i]!]! * DAY_SPACE + rowDay[i]!;
  const perm = Array.from({ length: n }, (_, i) => i);
  perm.sort((x, y) => order[x]! - order[y]! || byId(x, y));
  const out = kept.i32(n);
  out.set(perm);
  return out;
}


/** §8.4: drop every document that has two or more equally good candidates (sort keys 1–3). */
function dropAmbiguous(cands: Cand[]): Cand[] {
  // Best candidate and tie count per document number (books and portal numbers never collide).
  const best = new Map<number, Cand>();
  const ties = new Map<number, number>();
  for (const c of cands) {
    considerCand(best, ties, c.b, c);
    considerCand(best, ties, c.p, c);
  }
  const kept: Cand[] = [];
  for (const c of cands) if (ties.get(c.b)! <= 1 && ties.get(c.p)! <= 1) kept.push(c);
  return kept;
}

function considerCand(best: Map<number, Cand>, ties: Map<number, number>, d: number, c: Cand): void {
  const cur = best.get(d);
  if (!cur) {
    best.set(d, c);
    ties.set(d, 1);
    return;
  }
  const cmp = c.taxDiff - cur.taxDiff || c.gap - cur.gap || c.dist - cur.dist;
  if (cmp < 0) {
    best.set(d, c);
    ties.set(d, 1);
  } else if (cmp === 0) ties.set(d, ties.get(d)! + 1);
}
/** A money difference; "equal" for money means within one paisa (§8.3). */
function moneyDiff(diffs: Difference[] | null, field: DifferenceField, books: number, portal: number, tol: number): Difference[] | null {
  const delta = books - portal;
  if (!(Math.abs(delta) > 1)) return diffs;
  const d: Difference = { field, books, portal, delta, material: Math.abs(delta) > tol };
  if (diffs === null) return [d];
  diffs.push(d);
  return diffs;
}

function addDiff(diffs: Difference[] | null, d: Difference): Difference[] {
  if (diffs === null) return [d];
  diffs.push(d);
  return diffs;
}

function addReason(reasons: MatchReason[] | null, r: MatchReason): MatchReason[] {
  if (reasons === null) return [r];
  reasons.push(r);
  return reasons;
}

/** `periodOfDate(iso) === period` without slicing a string per row. */
function inPeriod(iso: string, period: string): boolean {
  return period.length === Math.min(iso.length, 7) && iso.startsWith(period);
}

/** Shared empty arrays: most rows have no flags, hints or differences (result rows are read-only). */
const NO_FLAGS: readonly Flag[] = Object.freeze([]);
const NO_STRINGS: readonly string[] = Object.freeze([]);
const NO_REASONS: readonly MatchReason[] = Object.freeze([]);
const NO_DIFFS: readonly Difference[] = Object.freeze([]);

/** The reason each pass gives its pairs (P3 amended original, P4 fuzzy number, …). */
const PASS_REASON: readonly (MatchReason | null)[] = [null, null, null, 'amended_original', 'fuzzy_number', 'amount_only', 'pan_level', null];
/** Passes whose pairs are never auto-accepted (§8.5), by pass code. */
const NEVER_ACCEPTED_PASS: readonly boolean[] = PASS_REASON.map((r) => r !== null && NEVER_AUTO_ACCEPTED.has(r));

/** The categories a pair can have, in pairClass's numbering (their indices in CATEGORIES). */
const PAIR_CATEGORIES: readonly Category[] = CATEGORIES.slice(0, 4);

/**
 * §8.3–§8.5 verdict on a pair, without building its differences: PAIR_CATEGORIES index × 2 +
 * accepted. The conditions are those under which Rows.pairRow records a material difference or
 * a probable-match reason (money beyond 1 paisa is a rounding reason, beyond the tolerance
 * material; dates beyond the window; place of supply, reverse charge, port code, GSTIN).
 */
function pairClass(s: Docs, o: MatchOptions, b: number, p: number): number {
  const pass = s.pass[b]!;
  if (pass === MANUAL) return 3 * 2 + 1;
  const money = s.money;
  const tol = o.amountTolerance;
  const x = b * MONEY_STRIDE;
  const y = p * MONEY_STRIDE;
  let material = false;
  let rounding = false;
  for (let k = TX; k <= CS; k += 1) {
    const delta = Math.abs(money[x + k]! - money[y + k]!);
    if (delta > 1) {
      rounding = true;
      if (delta > tol) material = true;
    }
  }
  const bInter = money[x + IG]! > 0 && money[x + CG]! + money[x + SG]! === 0;
  const bIntra = money[x + CG]! + money[x + SG]! > 0 && money[x + IG]! === 0;
  const pInter = money[y + IG]! > 0 && money[y + CG]! + money[y + SG]! === 0;
  const pIntra = money[y + CG]! + money[y + SG]! > 0 && money[y + IG]! === 0;
  if ((bInter && pIntra) || (bIntra && pInter)) material = true;
  const bDay = money[x + M_DAY]!;
  const pDay = money[y + M_DAY]!;
  const dateMoved = bDay !== pDay;
  if (dateMoved && Math.abs(bDay - pDay) > o.dateWindowDays) material = true;
  // The rest from the packed slot (type, reverse charge, place of supply, port code, GSTIN block).
  const bPack = money[x + M_PACK]!;
  const pPack = money[y + M_PACK]!;
  const bLow = bPack % PACK_LOW;
  const pLow = pPack % PACK_LOW;
  const bPos = (bLow >>> 5) & PACK_ID_BITS;
  const pPos = (pLow >>> 5) & PACK_ID_BITS;
  if (bPos !== 0 && pPos !== 0 && (bPos !== pPos || bPos === PACK_OVERFLOW) && posText(s, b) !== posText(s, p)) material = true;
  if (((bLow ^ pLow) & 8) !== 0) material = true; // reverse charge
  const isBoe = (bLow & 7) === T_BOE;
  if (isBoe) {
    const bPort = (bLow >>> 17) & PACK_ID_BITS;
    const pPort = (pLow >>> 17) & PACK_ID_BITS;
    if (bPort !== 0 && pPort !== 0 && (bPort !== pPort || bPort === PACK_OVERFLOW) && portText(s, b) !== portText(s, p)) material = true;
  } else if (bPack - bLow !== pPack - pLow) {
    material = true; // different GSTIN blocks: different cleaned GSTINs
  }
  if (material || pass === P6) return 2 * 2;
  if (pass === P1 && !rounding && !dateMoved) return 0 * 2 + 1;
  // §8.5: auto-accepted when the firm says so, unless the pass's own reason never is.
  return 1 * 2 + (o.autoAcceptProbable && !NEVER_ACCEPTED_PASS[pass] ? 1 : 0);
}

/** Builds the result rows from the run's documents. */
class Rows {
  /** Sorted flag list per distinct mask, shared between rows (rows are read-only). */
  private readonly flagLists: (readonly Flag[] | undefined)[] = new Array<readonly Flag[] | undefined>(1 << FLAG_BY_BIT.length).fill(undefined);

  constructor(private readonly s: Docs, private readonly o: MatchOptions, private readonly gstinById: readonly string[]) {}

  private flagsOf(mask: number): readonly Flag[] {
    if (mask === 0) return NO_FLAGS;
    let list = this.flagLists[mask];
    if (!list) {
      const l: Flag[] = [];
      for (let k = 0; k < FLAG_BY_BIT.length; k += 1) if ((mask & (1 << k)) !== 0) l.push(FLAG_BY_BIT[k]!);
      list = Object.freeze(l);
      this.flagLists[mask] = list;
    }
    return list;
  }

  /** Classify a pair (§8.3) and build its result row. */
  pairRow(b: number, p: number): ResultRow {
    const s = this.s;
    const o = this.o;
    const money = s.money;
    const tol = o.amountTolerance;
    // Allocated only when something differs or a reason applies (most pairs are exact).
    let diffs: Difference[] | null = null;
    // Unrolled (a loop over field names made every access a megamorphic keyed load).
    const x = b * MONEY_STRIDE;
    const y = p * MONEY_STRIDE;
    diffs = moneyDiff(diffs, 'taxableValue', money[x + TX]!, money[y + TX]!, tol);
    diffs = moneyDiff(diffs, 'igst', money[x + IG]!, money[y + IG]!, tol);
    diffs = moneyDiff(diffs, 'cgst', money[x + CG]!, money[y + CG]!, tol);
    diffs = moneyDiff(diffs, 'sgst', money[x + SG]!, money[y + SG]!, tol);
    diffs = moneyDiff(diffs, 'cess', money[x + CS]!, money[y + CS]!, tol);
    const bInter = money[x + IG]! > 0 && money[x + CG]! + money[x + SG]! === 0;
    const bIntra = money[x + CG]! + money[x + SG]! > 0 && money[x + IG]! === 0;
    const pInter = money[y + IG]! > 0 && money[y + CG]! + money[y + SG]! === 0;
    const pIntra = money[y + CG]! + money[y + SG]! > 0 && money[y + IG]! === 0;
    if ((bInter && pIntra) || (bIntra && pInter)) {
      diffs = addDiff(diffs, { field: 'taxHeads', books: bInter ? 'IGST' : 'CGST+SGST', portal: pInter ? 'IGST' : 'CGST+SGST', delta: null, material: true });
    }
    const br = s.books[b]!;
    const pr = s.portal[p - s.nb]!;
    const bDay = s.day[b]!;
    const pDay = s.day[p]!;
    if (bDay !== pDay) {
      const gap = Math.abs(bDay - pDay);
      diffs = addDiff(diffs, { field: 'invoiceDate', books: br.invoiceDate, portal: pr.date, delta: bDay - pDay, material: gap > o.dateWindowDays });
    }
    const bPos = posText(s, b);
    const pPos = posText(s, p);
    if (bPos !== '' && pPos !== '' && bPos !== pPos) {
      diffs = addDiff(diffs, { field: 'placeOfSupply', books: bPos, portal: pPos, delta: null, material: true });
    }
    if (s.rcm[b] !== s.rcm[p]) diffs = addDiff(diffs, { field: 'reverseCharge', books: s.rcm[b] === 1, portal: s.rcm[p] === 1, delta: null, material: true });
    const bType = s.type[b]!;
    const pType = s.type[p]!;
    const bPort = portText(s, b);
    const pPort = portText(s, p);
    if (bType === T_BOE && bPort !== '' && pPort !== '' && bPort !== pPort) {
      diffs = addDiff(diffs, { field: 'portCode', books: bPort, portal: pPort, delta: null, material: true });
    }
    const bGstin = this.gstinById[s.gstinId[b]!]!;
    const pGstin = this.gstinById[s.gstinId[p]!]!;
    if (bGstin !== pGstin && bType !== T_BOE) {
      diffs = addDiff(diffs, { field: 'supplierGstin', books: bGstin, portal: pGstin, delta: null, material: true });
    }
    // Interned ids: equal exactly when the clean keys are equal (both −1 when both are blank).
    const sameClean = s.cleanId[b] === s.cleanId[p];
    if (!sameClean) {
      diffs = addDiff(diffs, { field: 'invoiceNumber', books: br.invoiceNumberRaw, portal: pr.numberRaw, delta: null, material: false });
    }
    if (bType !== pType) diffs = addDiff(diffs, { field: 'docType', books: DOC_TYPE_BY_CODE[bType]!, portal: DOC_TYPE_BY_CODE[pType]!, delta: null, material: false });

    const pass = s.pass[b]!;
    let material: Difference | null = null;
    let rounding = false;
    for (let k = 0; diffs !== null && k < diffs.length; k += 1) {
      const d = diffs[k]!;
      if (material === null && d.material && !INFORMATIONAL_FIELDS.has(d.field)) material = d;
      if (d.delta !== null && d.field !== 'invoiceDate') rounding = true;
    }
    let reasons: MatchReason[] | null = null;
    if (pass === P3) reasons = addReason(reasons, 'amended_original');
    if (pass === P4) reasons = addReason(reasons, 'fuzzy_number');
    if (pass === P5) reasons = addReason(reasons, 'amount_only');
    if (pass === P6) reasons = addReason(reasons, 'pan_level');
    if (!sameClean && (pass === P2 || pass === P6)) reasons = addReason(reasons, 'canonical_number');
    if (rounding) reasons = addReason(reasons, 'rounding');
    if (bDay !== pDay) reasons = addReason(reasons, 'date_within_window');
    if (pass === P2 && reasons === null) reasons = addReason(reasons, 'canonical_number');

    const cls = pairClass(s, o, b, p);
    const category = PAIR_CATEGORIES[cls >> 1]!;
    const accepted = (cls & 1) === 1;
    let reason: ResultRow['reason'];
    if (category === 'manual_match') {
      // §8.7: a user's link keeps its differences; its category says who paired it.
      reason = material === null ? null : material.field;
      reasons = null;
    } else if (category === 'mismatch') {
      // P6 pairs are mismatches because of the GSTIN itself (§8.6), whatever else differs.
      reason = pass === P6 ? 'supplierGstin' : material!.field;
    } else if (category === 'exact_match') {
      reason = null;
    } else {
      reason = reasons === null ? null : reasons[0]!;
    }
    let bFlags = s.flags[b]!;
    if (pass === P3) bFlags |= F_ORIGINAL_NUMBER;
    if (!inPeriod(br.voucherDate || br.invoiceDate, pr.period)) bFlags |= F_PERIOD_SHIFT;
    let hints: readonly string[] = NO_STRINGS;
    const bSparse = s.sparse[b] === 1;
    const pSparse = s.sparse[p] === 1;
    const bh = bSparse ? s.hints.get(b) : undefined;
    const ph = pSparse ? s.hints.get(p) : undefined;
    if (bh || ph || bType !== pType) {
      const h: string[] = [];
      if (bh) for (const t of bh) h.push(t);
      if (ph) for (const t of ph) h.push(t);
      if (bType !== pType) h.push(`books ${DOC_TYPE_BY_CODE[bType]!} paired with portal ${DOC_TYPE_BY_CODE[pType]!}`);
      hints = h;
    }
    const row: ResultRow = {
      id: `${br.rowRef}|${pr.ref}`,
      category,
      reason,
      reasons: category === 'mismatch' ? (pass === P6 ? ['pan_level'] : NO_REASONS) : reasons === null ? NO_REASONS : reasons,
      pass: PASS_BY_CODE[pass]!,
      accepted,
      flags: this.flagsOf(bFlags | s.flags[p]!),
      itcAvailable: pr.itcAvailable,
      supplierGstin: pGstin || bGstin,
      supplierName: pr.supplierName || br.supplierName || '',
      books: br,
      booksRowRefs: (bSparse ? s.rowRefs.get(b) : undefined) ?? [br.rowRef],
      portal: pr,
      differences: diffs === null ? NO_DIFFS : diffs,
      itc: rowItc(category, accepted, br, pr, tol),
      hints,
    };
    return pSparse ? withSparseFields(s, row, p) : row;
  }

  /** The result row of a document without a partner. */
  singleRow(d: number): ResultRow {
    const s = this.s;
    const category = singleCategory(s, d);
    const reason = singleReason(s, d);
    const isBooks = d < s.nb;
    const br = isBooks ? s.books[d]! : null;
    const pr = isBooks ? null : s.portal[d - s.nb]!;
    const sparse = s.sparse[d] === 1;
    const h = sparse ? s.hints.get(d) : undefined;
    const row: ResultRow = {
      id: br ? `${br.rowRef}|` : `|${pr!.ref}`,
      category,
      reason,
      reasons: NO_REASONS,
      pass: null,
      accepted: false,
      flags: this.flagsOf(s.flags[d]!),
      itcAvailable: pr ? pr.itcAvailable : null,
      supplierGstin: this.gstinById[s.gstinId[d]!]!,
      supplierName: (br ? br.supplierName : pr!.supplierName) ?? '',
      books: br,
      booksRowRefs: br ? ((sparse ? s.rowRefs.get(d) : undefined) ?? [br.rowRef]) : [],
      portal: pr,
      differences: NO_DIFFS,
      itc: rowItc(category, false, br, pr, this.o.amountTolerance),
      hints: h ? h.slice() : NO_STRINGS,
    };
    return sparse ? withSparseFields(s, row, d) : row;
  }
}

/** A row with document d's rare fields (the duplicated or amending ref, the amendment's delta). */
function withSparseFields(s: Docs, row: ResultRow, d: number): ResultRow {
  const rel = s.relatedRef.get(d);
  if (rel) row.relatedRef = rel;
  const delta = s.amendmentDelta.get(d);
  if (delta) {
    row.amendmentDelta = delta;
    row.amendmentOfEarlierPeriod = s.amendmentOfEarlierPeriod.get(d)!;
  }
  return row;
}

/** Heads of a canonical document (re-exported for report builders). */
export { headsOf };

// A run's columns, interner, hash groups and row builders die with it; their hidden classes must
// not, or each run re-compiles the engine (kept-shapes.ts).
{
  const it = keepShape(new Interner());
  const docs = keepShape(new Docs(0, 0, it.texts));
  keepShape(new Groups(0));
  keepShape(new Run(docs, it, matchOptions({}), 0, 0, [], [], new TableLease(), new TableLease()));
  keepShape(new PlannedRows(keepShape(new Rows(docs, matchOptions({}), [])), new Int32Array(0), new Int32Array(0), new Int32Array(0), new TableLease()));
}
