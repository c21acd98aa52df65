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
 */
import type { Category, DifferenceField, Flag, MatchReason, OutOfScopeReason, Pass } from './categories';
import { INFORMATIONAL_FIELDS, NEVER_AUTO_ACCEPTED } from './categories';
import { dayOfIso, fyStartYear } from './dates';
import { type RowItc, rowItc, headsOf } from './itc';
import {
  billOfEntryKey, canonicalKey, checkGstin, cleanKey, isFuzzyNumberMatch, osaDistance, panOf, signOf,
} from './normalise';
import { NumIndex } from './num-index';
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

/** §8.2 compatibility, books type first. A books debit note meets only a portal debit note. */
function compatible(books: DocType, portal: DocType): boolean {
  if (books === portal) return true;
  return books === 'invoice' && portal === 'debit_note';
}

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

/** Internal, normalised view of one document (one allocation per document, reused by every pass). */
interface ND {
  side: 0 | 1;
  /** rowRef (books) or portal ref: unique, the final tie-break of every ordering. */
  ref: string;
  gstin: string;
  /** The cleaned GSTIN's interned id (its block, even for bills of entry, which use BOE_BLOCK). */
  gstinId: number;
  gstinBad: boolean;
  pan: string;
  block: number;
  family: number;
  docType: DocType;
  clean: string;
  cleanId: number;
  /** Canonical key: computed lazily (portal documents matched in P1 never need it). */
  canon: string | null;
  canonId: number;
  tail: string;
  prefix: string;
  /** tail/prefix computed (the canonical fast path skips them until P4/P6 need them). */
  tailKnown: boolean;
  fy: number;
  fySlot: number;
  day: number;
  /** Offset of this document's amounts in the run's `money` array (see MONEY_STRIDE). */
  m: number;
  pos: string;
  rcm: boolean;
  portCode: string;
  /** 0 free, 1 paired, 2 excluded (duplicate, out of scope, superseded), 3 merged into another row. */
  state: number;
  partner: ND | null;
  pass: Pass | null;
  /** Portal amendments: original number's keys. */
  hasOrig: boolean;
  oCleanId: number;
  oCanonId: number;
  oFy: number;
  oFySlot: number;
  oDay: number;
  flags: Set<Flag> | null;
  hints: string[] | null;
  relatedRef: string | undefined;
  outReason: OutOfScopeReason | null;
  category: Category | null;
  rowRefs: string[] | null;
  amendmentDelta: Heads | undefined;
  amendmentOfEarlierPeriod: boolean;
  books: BooksRow | null;
  portal: PortalDoc | null;
}

function addFlag(d: ND, f: Flag): void {
  if (!d.flags) d.flags = new Set();
  d.flags.add(f);
}
function addHint(d: ND, h: string): void {
  if (!d.hints) d.hints = [];
  if (!d.hints.includes(h)) d.hints.push(h);
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The "stable row order" of §8.2: date, then the unique reference. Independent of input order. */
function cmpDoc(x: ND, y: ND): number {
  return x.day - y.day || cmpStr(x.ref, y.ref);
}

/*
 * Amounts live in one Float64Array per run, six slots per document, rather than as ND fields:
 * paise often exceed V8's small-integer range, and every such field would be a separately
 * allocated box per document — millions of small objects for the garbage collector on 10-lakh runs.
 */
const MONEY_STRIDE = 6;
const TX = 0;
const IG = 1;
const CG = 2;
const SG = 3;
const CS = 4;
/** igst + cgst + sgst + cess. */
const TAX = 5;

function withinTol(a: Float64Array, b: ND, p: ND, tol: number): boolean {
  const x = b.m;
  const y = p.m;
  return Math.abs(a[x + TX]! - a[y + TX]!) <= tol && Math.abs(a[x + IG]! - a[y + IG]!) <= tol
    && Math.abs(a[x + CG]! - a[y + CG]!) <= tol && Math.abs(a[x + SG]! - a[y + SG]!) <= tol
    && Math.abs(a[x + CS]! - a[y + CS]!) <= tol;
}

function taxDiff(a: Float64Array, b: ND, p: ND): number {
  return Math.abs(a[b.m + TAX]! - a[p.m + TAX]!);
}

function posRcmEqual(b: ND, p: ND): boolean {
  return (b.pos === '' || p.pos === '' || b.pos === p.pos) && b.rcm === p.rcm;
}

interface Cand {
  b: ND;
  p: ND;
  taxDiff: number;
  gap: number;
  dist: number;
}

function cmpCand(x: Cand, y: Cand): number {
  return x.taxDiff - y.taxDiff || x.gap - y.gap || x.dist - y.dist || cmpDoc(x.b, y.b) || cmpDoc(x.p, y.p);
}

function pair(b: ND, p: ND, pass: Pass): void {
  b.state = 1;
  p.state = 1;
  b.partner = p;
  p.partner = b;
  b.pass = pass;
  p.pass = pass;
}

function greedy(cands: Cand[], pass: Pass): void {
  cands.sort(cmpCand);
  for (const c of cands) if (c.b.state === 0 && c.p.state === 0) pair(c.b, c.p, pass);
}

/** Per-run interning of strings and GSTINs. */
class Interner {
  private readonly keys = new Map<string, number>();
  private readonly gstins = new Map<string, { gstin: string; bad: boolean; pan: string; block: number }>();
  private readonly blocks = new Map<string, number>();
  /** Cleaned GSTIN by id (index 0 is unused: it is BOE_BLOCK). */
  readonly gstinById: string[] = [''];
  fyBase = 0;

  key(s: string): number {
    let id = this.keys.get(s);
    if (id === undefined) {
      id = this.keys.size;
      if (id >= KEY_SPACE) throw new Error('too many distinct document numbers for one run');
      this.keys.set(s, id);
    }
    return id;
  }

  gstin(raw: string): { gstin: string; bad: boolean; pan: string; block: number } {
    let g = this.gstins.get(raw);
    if (!g) {
      const c = checkGstin(raw);
      let block = this.blocks.get(c.gstin);
      if (block === undefined) {
        block = this.blocks.size + 1;
        if (block >= MAX_BLOCKS) throw new Error('too many distinct supplier GSTINs for one run');
        this.blocks.set(c.gstin, block);
        this.gstinById.push(c.gstin);
      }
      g = { gstin: c.gstin, bad: c.gstin !== '' && c.problem !== null, pan: panOf(c.gstin), block };
      this.gstins.set(raw, g);
    }
    return g;
  }
}

/** Day number and FY start year straight from `YYYY-MM-DD` character codes (hot path). */
function isoParts(iso: string): { day: number; fy: number } {
  const y = (iso.charCodeAt(0) - 48) * 1000 + (iso.charCodeAt(1) - 48) * 100 + (iso.charCodeAt(2) - 48) * 10 + (iso.charCodeAt(3) - 48);
  const m = (iso.charCodeAt(5) - 48) * 10 + (iso.charCodeAt(6) - 48);
  const d = (iso.charCodeAt(8) - 48) * 10 + (iso.charCodeAt(9) - 48);
  if (!(y > 1000 && m >= 1 && m <= 12 && d >= 1 && d <= 31) || iso.length < 10) return { day: dayOfIso(iso), fy: fyStartYear(iso) };
  // days-from-civil (H. Hinnant), exact for the proleptic Gregorian calendar.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return { day: era * 146097 + doe - 719468, fy: m >= 4 ? y : y - 1 };
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

function makeND(side: 0 | 1, ref: string, docType: DocType, gstinRaw: string, numberRaw: string, iso: string, amounts: {
  taxableValue: number; igst: number; cgst: number; sgst: number; cess: number;
}, pos: string | undefined, rcm: boolean, boe: string | undefined, portCode: string | undefined, it: Interner,
money: Float64Array, m: number): ND {
  const g = it.gstin(gstinRaw ?? '');
  const isBoe = docType === 'bill_of_entry';
  const clean = isBoe ? billOfEntryKey(boe || numberRaw) : cleanKey(numberRaw);
  money[m + TX] = amounts.taxableValue;
  money[m + IG] = amounts.igst;
  money[m + CG] = amounts.cgst;
  money[m + SG] = amounts.sgst;
  money[m + CS] = amounts.cess;
  money[m + TAX] = amounts.igst + amounts.cgst + amounts.sgst + amounts.cess;
  const dp = iso ? isoParts(iso) : null;
  return {
    side, ref, gstin: g.gstin, gstinId: g.block, gstinBad: g.bad, pan: g.pan,
    block: isBoe ? BOE_BLOCK : g.block, family: FAMILY[docType], docType,
    clean, cleanId: clean === '' ? -1 : it.key(clean),
    canon: isBoe || clean === '' ? clean : null, canonId: -1, tail: isBoe ? clean : '', prefix: '', tailKnown: isBoe || clean === '',
    fy: dp ? dp.fy : 0, fySlot: 0, day: dp ? dp.day : 0,
    m,
    pos: pos ?? '', rcm, portCode: portCode ? portCode.trim().toUpperCase() : '',
    state: 0, partner: null, pass: null,
    hasOrig: false, oCleanId: -1, oCanonId: -1, oFy: 0, oFySlot: 0, oDay: 0,
    flags: null, hints: null, relatedRef: undefined, outReason: null, category: null, rowRefs: null,
    amendmentDelta: undefined, amendmentOfEarlierPeriod: false, books: null, portal: null,
  };
}

/** Compute (once) the canonical key of a document and intern it. */
function ensureCanon(d: ND, it: Interner): void {
  if (d.canonId >= 0 || d.clean === '') return;
  if (d.canon === null && canonicalIsClean(d.clean)) {
    // Already canonical: the tail/prefix are only needed by P4/P6, computed there on demand.
    d.canon = d.clean;
    d.canonId = d.cleanId;
    return;
  }
  if (d.canon === null) {
    const c = canonicalKey(d.clean, d.day === 0 ? null : d.fy);
    d.canon = c.canonical;
    d.tail = c.tail;
    d.prefix = c.prefix;
    d.tailKnown = true;
  }
  d.canonId = it.key(d.canon);
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
  constructor(size: number) {
    this.index = new NumIndex(size);
    this.head = new Int32Array(Math.max(8, size));
    this.last = new Int32Array(Math.max(8, size));
    this.next = new Int32Array(size).fill(-1);
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
    const h = new Int32Array(this.head.length * 2);
    h.set(this.head);
    this.head = h;
    const l = new Int32Array(this.last.length * 2);
    l.set(this.last);
    this.last = l;
  }
}

export function matchDocuments(
  booksIn: readonly BooksRow[],
  portalIn: readonly PortalDoc[],
  opts: Partial<MatchOptions> = {},
): MatchOutput {
  const o: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, ...opts };
  const tol = o.amountTolerance;
  const win = o.dateWindowDays;
  const warnings: Issue[] = [];
  const it = new Interner();

  // ---- normalise ----------------------------------------------------------------------------
  const money = new Float64Array(MONEY_STRIDE * (booksIn.length + portalIn.length));
  const books: ND[] = new Array<ND>(booksIn.length);
  for (let i = 0; i < booksIn.length; i += 1) {
    const r = booksIn[i]!;
    const d = makeND(0, r.rowRef, r.docType, r.supplierGstin, r.invoiceNumberRaw, r.invoiceDate, r, r.placeOfSupply,
      r.reverseCharge, r.billOfEntryNumber, r.portCode, it, money, MONEY_STRIDE * i);
    d.books = r;
    books[i] = d;
  }
  const rejected: PortalDoc[] = [];
  const portal: ND[] = [];
  for (const doc of portalIn) {
    if (doc.rejected) {
      rejected.push(doc);
      continue;
    }
    const d = makeND(1, doc.ref, doc.docType, doc.supplierGstin, doc.numberRaw, doc.date, doc, doc.placeOfSupply,
      doc.reverseCharge, doc.billOfEntryNumber, doc.portCode, it, money, MONEY_STRIDE * (booksIn.length + portal.length));
    d.portal = doc;
    if (doc.original) {
      d.hasOrig = true;
      const odt = doc.original.date || doc.date;
      d.oFy = fyStartYear(odt);
      d.oDay = dayOfIso(odt);
      const oClean = doc.docType === 'bill_of_entry' ? billOfEntryKey(doc.original.number) : cleanKey(doc.original.number);
      if (oClean !== '') {
        d.oCleanId = it.key(oClean);
        d.oCanonId = it.key(doc.docType === 'bill_of_entry' ? oClean : canonicalKey(oClean, d.oFy).canonical);
      }
    }
    portal.push(d);
  }
  rejected.sort((x, y) => cmpStr(x.ref, y.ref));
  // FY slots: small integers relative to the earliest FY in the run (the key packing needs < 63).
  let fyMin = Infinity;
  for (const d of books) if (d.day !== 0 && d.fy < fyMin) fyMin = d.fy;
  for (const d of portal) if (d.day !== 0 && d.fy < fyMin) fyMin = d.fy;
  const fyBase = Number.isFinite(fyMin) ? fyMin - 1 : 0;
  const slot = (fy: number): number => Math.min(ANY_FY - 1, Math.max(0, fy - fyBase));
  for (const d of books) d.fySlot = slot(d.fy);
  for (const d of portal) {
    d.fySlot = slot(d.fy);
    if (d.hasOrig) d.oFySlot = slot(d.oFy);
  }

  // ---- invalid GSTINs: warn once per GSTIN and side, naming its first row (§7.1, §2.7) ---------
  {
    const bad = new Map<string, ND>();
    for (const list of [books, portal]) {
      for (const d of list) {
        if (!d.gstinBad) continue;
        addFlag(d, 'invalid_gstin');
        const key = `${d.side}${d.gstin}`;
        const seen = bad.get(key);
        if (!seen || cmpDoc(d, seen) < 0) bad.set(key, d);
      }
    }
    for (const d of bad.values()) {
      warnings.push({
        code: 'invalid_gstin',
        message: `${d.side === 0 ? 'Books' : 'Portal'} supplier GSTIN ${d.gstin} fails validation (${checkGstin(d.gstin).problem}); rows kept`,
        field: 'supplierGstin',
        rowRef: d.ref,
      });
    }
  }

  // ---- books flags, out of scope (§9.7) ----------------------------------------------------------
  for (const d of books) {
    const r = d.books!;
    if (r.derivedAmounts) addFlag(d, 'derived_amounts');
    if (r.dateFallback) addFlag(d, 'books_date_fallback');
    if (r.itcEligible === false) addFlag(d, 'itc_not_eligible');
    if (r.importOfServices) d.outReason = 'import_of_services';
    else if (d.gstin === '' && d.docType !== 'bill_of_entry') d.outReason = 'no_supplier_gstin';
    else if (money[d.m + TAX] === 0) d.outReason = 'zero_tax';
    if (d.outReason) {
      d.state = 2;
      d.category = 'out_of_scope';
    }
  }

  // ---- bills of entry: aggregate books rows per BOE number (§9.4) ---------------------------------
  {
    const byBoe = new Map<string, ND[]>();
    for (const d of books) {
      if (d.state !== 0 || d.docType !== 'bill_of_entry' || d.clean === '') continue;
      const g = byBoe.get(d.clean);
      if (g) g.push(d);
      else byBoe.set(d.clean, [d]);
    }
    for (const g of byBoe.values()) {
      if (g.length < 2) continue;
      g.sort(cmpDoc);
      const head = g[0]!;
      head.rowRefs = g.map((d) => d.ref);
      for (const d of g.slice(1)) {
        for (let k = 0; k < MONEY_STRIDE; k += 1) money[head.m + k] = money[head.m + k]! + money[d.m + k]!;
        d.state = 3; // merged into head: no result row of its own
      }
      // The result row shows the aggregate; keep the first row's descriptive fields.
      const h = head.m;
      head.books = {
        ...head.books!, taxableValue: money[h + TX]!, igst: money[h + IG]!, cgst: money[h + CG]!, sgst: money[h + SG]!, cess: money[h + CS]!,
      };
    }
  }

  // ---- duplicates in books (§7.5) ----------------------------------------------------------------
  {
    const groups = new Groups(books.length);
    // Per canonical key: the first clean id seen, or -2 when several differ (→ possible duplicate).
    const canonKeys = new NumIndex(books.length);
    const canonFirst = new Int32Array(books.length);
    const canonGroup = new Int32Array(books.length).fill(-1);
    for (let i = 0; i < books.length; i += 1) {
      const d = books[i]!;
      if (d.state !== 0 || d.clean === '') continue;
      groups.add(ck(d.block, DOC_TYPE_CODE[d.docType], d.cleanId, d.fySlot), i);
      ensureCanon(d, it);
      const kc = ck(d.block, DOC_TYPE_CODE[d.docType], d.canonId, d.fySlot);
      const before = canonKeys.size;
      const cg = canonKeys.add(kc);
      canonGroup[i] = cg;
      if (cg === before) canonFirst[cg] = d.cleanId;
      else if (canonFirst[cg] !== d.cleanId) canonFirst[cg] = -2;
    }
    const idx: number[] = [];
    for (let gi = 0; gi < groups.groupCount; gi += 1) {
      const head = groups.head[gi]!;
      if (groups.next[head] === -1) continue;
      const g = groups.list(head, idx).map((i) => books[i]!).sort(cmpDoc);
      let dupCount = 0;
      for (let j = 1; j < g.length; j += 1) {
        const later = g[j]!;
        let first: ND | undefined;
        for (let k = 0; k < j; k += 1) {
          const e = g[k]!;
          if (e.state === 0 && withinTol(money, e, later, tol)) {
            first = e;
            break;
          }
        }
        if (first) {
          later.state = 2;
          later.category = 'duplicate_in_books';
          later.relatedRef = first.ref;
          dupCount += 1;
        } else {
          for (let k = 0; k < j; k += 1) if (g[k]!.state === 0) addFlag(g[k]!, 'same_number_different_amounts');
          addFlag(later, 'same_number_different_amounts');
        }
      }
      if (dupCount > 0) {
        warnings.push({
          code: 'duplicate_in_books',
          message: `${dupCount} duplicate books row(s) for ${g[0]!.gstin} number ${g[0]!.books!.invoiceNumberRaw}`,
          rowRef: g[0]!.ref,
          count: dupCount,
        });
      }
    }
    for (let i = 0; i < books.length; i += 1) {
      const d = books[i]!;
      if (d.state !== 0 || d.clean === '') continue;
      if (canonFirst[canonGroup[i]!] === -2) addFlag(d, 'possible_duplicate');
    }
  }

  // ---- amendments supersede originals (§9.2) ----------------------------------------------------
  {
    const amendments = portal.filter((d) => d.hasOrig && d.oCleanId >= 0)
      .sort((x, y) => cmpStr(x.portal!.period, y.portal!.period) || cmpDoc(x, y));
    if (amendments.length > 0) {
      const origKey = (a: ND): number => {
        const ot = a.portal!.original?.docType;
        return ck(a.block, ot ? FAMILY[ot] : a.family, a.oCleanId, 0); // the date is compared below
      };
      const wanted = new Set<number>(amendments.map(origKey));
      const byKey = new Map<number, ND[]>();
      for (const d of portal) {
        if (d.clean === '') continue;
        const k = ck(d.block, d.family, d.cleanId, 0);
        if (!wanted.has(k)) continue;
        const g = byKey.get(k);
        if (g) g.push(d);
        else byKey.set(k, [d]);
      }
      for (const g of byKey.values()) g.sort((x, y) => cmpStr(x.portal!.period, y.portal!.period) || cmpDoc(x, y));
      for (const a of amendments) {
        addFlag(a, 'amended');
        const ap = a.portal!;
        const orig = byKey.get(origKey(a))?.find((c) => c !== a && c.state === 0 && c.day === a.oDay && c.portal!.period <= ap.period);
        if (!orig) continue;
        orig.state = 2;
        orig.category = 'superseded';
        orig.relatedRef = ap.ref;
        a.relatedRef = orig.ref;
        const sa = signOf(a.docType);
        const so = signOf(orig.docType);
        a.amendmentDelta = {
          igst: sa * money[a.m + IG]! - so * money[orig.m + IG]!,
          cgst: sa * money[a.m + CG]! - so * money[orig.m + CG]!,
          sgst: sa * money[a.m + SG]! - so * money[orig.m + SG]!,
          cess: sa * money[a.m + CS]! - so * money[orig.m + CS]!,
        };
        a.amendmentOfEarlierPeriod = orig.portal!.period < ap.period;
      }
    }
    for (const a of portal) if (a.hasOrig && a.oCleanId < 0) addFlag(a, 'amended');
  }

  // ---- P1–P3: keyed passes ------------------------------------------------------------------------
  const bIdx: number[] = [];
  const pIdx: number[] = [];
  const keyedPass = (
    pass: Pass,
    bKey: (d: ND) => number,
    pKey: (d: ND) => number,
    allow: (b: ND, p: ND) => boolean,
  ): void => {
    const pg = new Groups(portal.length);
    for (let i = 0; i < portal.length; i += 1) {
      const p = portal[i]!;
      if (p.state !== 0) continue;
      const k = pKey(p);
      if (k >= 0) pg.add(k, i);
    }
    if (pg.groupCount === 0) return;
    const bg = new Groups(books.length);
    for (let i = 0; i < books.length; i += 1) {
      const b = books[i]!;
      if (b.state !== 0) continue;
      const k = bKey(b);
      if (k >= 0 && pg.index.find(k) >= 0) bg.add(k, i);
    }
    for (let gi = 0; gi < bg.groupCount; gi += 1) {
      const bh = bg.head[gi]!;
      const ph = pg.headOf(bg.index.keyOf(gi));
      if (bg.next[bh] === -1 && pg.next[ph] === -1) {
        const b = books[bh]!;
        const p = portal[ph]!;
        if (p.state === 0 && allow(b, p)) pair(b, p, pass);
        continue;
      }
      const cands: Cand[] = [];
      for (const bi of bg.list(bh, bIdx)) {
        const b = books[bi]!;
        for (const pi of pg.list(ph, pIdx)) {
          const p = portal[pi]!;
          if (p.state !== 0 || !allow(b, p)) continue;
          cands.push({ b, p, taxDiff: taxDiff(money, b, p), gap: Math.abs(b.day - p.day), dist: 0 });
        }
      }
      greedy(cands, pass);
    }
  };
  // P1: equal clean key, same FY.
  keyedPass('P1',
    (b) => (b.cleanId < 0 ? -1 : ck(b.block, b.family, b.cleanId, b.fySlot)),
    (p) => (p.cleanId < 0 ? -1 : ck(p.block, p.family, p.cleanId, p.fySlot)),
    (b, p) => compatible(b.docType, p.docType));
  // P2: equal canonical key, same FY, or adjacent FY with dates inside the window.
  const fyOk = (bFy: number, pFy: number, gap: number): boolean =>
    bFy === pFy || (o.adjacentFyMatching && Math.abs(bFy - pFy) === 1 && gap <= win);
  const canonKey = (d: ND): number => {
    if (d.clean === '') return -1;
    ensureCanon(d, it);
    return ck(d.block, d.family, d.canonId, ANY_FY);
  };
  keyedPass('P2', canonKey, canonKey,
    (b, p) => compatible(b.docType, p.docType) && fyOk(b.fy, p.fy, Math.abs(b.day - p.day)));
  // P3: books still carry the number the amendment replaced.
  keyedPass('P3', canonKey,
    (p) => (p.hasOrig && p.oCanonId >= 0 ? ck(p.block, p.family, p.oCanonId, ANY_FY) : -1),
    (b, p) => compatible(b.docType, p.docType) && fyOk(b.fy, p.oFy, Math.abs(b.day - p.oDay)));
  for (const p of portal) if (p.state === 0) ensureCanon(p, it);

  // ---- P4/P5: fuzzy number, amount only, per GSTIN block --------------------------------------------
  const blocks = new Map<number, { b: ND[]; p: ND[] }>();
  for (const p of portal) {
    if (p.state !== 0) continue;
    const g = blocks.get(p.block);
    if (g) g.p.push(p);
    else blocks.set(p.block, { b: [], p: [p] });
  }
  for (const b of books) {
    if (b.state !== 0) continue;
    blocks.get(b.block)?.b.push(b);
  }
  const dist = (b: ND, p: ND): number => osaDistance(b.canon ?? b.clean, p.canon ?? p.clean);
  const keyOf = (d: ND): { canonical: string; tail: string; prefix: string } => {
    if (!d.tailKnown) {
      const c = canonicalKey(d.clean, d.day === 0 ? null : d.fy);
      d.tail = c.tail;
      d.prefix = c.prefix;
      d.tailKnown = true;
    }
    return { canonical: d.canon ?? d.clean, tail: d.tail, prefix: d.prefix };
  };
  for (const g of blocks.values()) {
    if (g.b.length === 0) continue;
    if (g.b.length > o.fuzzyBlockCap || g.p.length > o.fuzzyBlockCap) {
      warnings.push({
        code: 'fuzzy_passes_skipped',
        message: `P4/P5 skipped for ${g.p[0]!.block === BOE_BLOCK ? 'bills of entry' : g.p[0]!.gstin}: ${g.b.length} books and ${g.p.length} portal leftovers exceed the cap of ${o.fuzzyBlockCap}`,
        field: 'supplierGstin',
      });
      continue;
    }
    // P4: fuzzy number.
    const c4: Cand[] = [];
    for (const b of g.b) {
      if (b.clean === '') continue;
      const bk = keyOf(b);
      for (const p of g.p) {
        if (p.clean === '' || !compatible(b.docType, p.docType)) continue;
        const gap = Math.abs(b.day - p.day);
        if (gap > win || !withinTol(money, b, p, tol) || !posRcmEqual(b, p)) continue;
        if (!isFuzzyNumberMatch(bk, keyOf(p))) continue;
        c4.push({ b, p, taxDiff: taxDiff(money, b, p), gap, dist: dist(b, p) });
      }
    }
    if (c4.length > 0) greedy(dropAmbiguous(c4), 'P4');
    // P5: amount only, unique on both sides.
    const c5: Cand[] = [];
    const bCount = new Map<ND, number>();
    const pCount = new Map<ND, number>();
    for (const b of g.b) {
      if (b.state !== 0) continue;
      for (const p of g.p) {
        if (p.state !== 0 || !compatible(b.docType, p.docType)) continue;
        const gap = Math.abs(b.day - p.day);
        if (gap > win || !withinTol(money, b, p, tol) || !posRcmEqual(b, p)) continue;
        c5.push({ b, p, taxDiff: taxDiff(money, b, p), gap, dist: 0 });
        bCount.set(b, (bCount.get(b) ?? 0) + 1);
        pCount.set(p, (pCount.get(p) ?? 0) + 1);
      }
    }
    for (const c of c5) if (bCount.get(c.b) === 1 && pCount.get(c.p) === 1) pair(c.b, c.p, 'P5');
  }

  // ---- P6: same PAN, different GSTIN (§8.6) -------------------------------------------------------
  {
    const pans = new Map<string, { b: ND[]; p: ND[] }>();
    for (const p of portal) {
      if (p.state !== 0 || p.pan === '' || p.block === BOE_BLOCK) continue;
      const g = pans.get(p.pan);
      if (g) g.p.push(p);
      else pans.set(p.pan, { b: [], p: [p] });
    }
    for (const b of books) {
      if (b.state !== 0 || b.pan === '' || b.block === BOE_BLOCK || b.clean === '') continue;
      pans.get(b.pan)?.b.push(b);
    }
    for (const [pan, g] of pans) {
      if (g.b.length === 0) continue;
      if (g.b.length > o.fuzzyBlockCap || g.p.length > o.fuzzyBlockCap) {
        warnings.push({ code: 'pan_pass_skipped', message: `P6 skipped for PAN ${pan}: too many leftovers` });
        continue;
      }
      const c6: Cand[] = [];
      for (const b of g.b) {
        ensureCanon(b, it);
        const bk = keyOf(b);
        for (const p of g.p) {
          if (p.gstin === b.gstin || p.clean === '' || !compatible(b.docType, p.docType)) continue;
          const gap = Math.abs(b.day - p.day);
          if (!(b.fy === p.fy || gap <= win)) continue;
          if (Math.abs(money[b.m + TX]! - money[p.m + TX]!) > tol || taxDiff(money, b, p) > tol) continue;
          if (b.canonId !== p.canonId && !isFuzzyNumberMatch(bk, keyOf(p))) continue;
          c6.push({ b, p, taxDiff: taxDiff(money, b, p), gap, dist: dist(b, p) });
        }
      }
      if (c6.length > 0) greedy(c6, 'P6');
    }
  }

  // ---- hints and IMS-rejected look-ups on leftovers ----------------------------------------------
  {
    const leftPortal = new Map<number, ND[]>();
    for (const p of portal) {
      if (p.state !== 0 || p.canonId < 0) continue;
      const k = ck(p.block, p.family, p.canonId, ANY_FY);
      const g = leftPortal.get(k);
      if (g) g.push(p);
      else leftPortal.set(k, [p]);
    }
    const rejectedByKey = new Map<number, PortalDoc>();
    for (const r of rejected) {
      const clean = r.docType === 'bill_of_entry' ? billOfEntryKey(r.billOfEntryNumber || r.numberRaw) : cleanKey(r.numberRaw);
      if (clean === '') continue;
      const canon = r.docType === 'bill_of_entry' ? clean : canonicalKey(clean, fyStartYear(r.date)).canonical;
      const block = r.docType === 'bill_of_entry' ? BOE_BLOCK : it.gstin(r.supplierGstin).block;
      const k = ck(block, FAMILY[r.docType], it.key(canon), ANY_FY);
      if (!rejectedByKey.has(k)) rejectedByKey.set(k, r);
    }
    for (const b of books) {
      if (b.state !== 0 || b.clean === '') continue;
      ensureCanon(b, it);
      const opp = OPPOSITE_FAMILY[b.family]!;
      if (opp >= 0) {
        for (const p of leftPortal.get(ck(b.block, opp, b.canonId, ANY_FY)) ?? []) {
          addHint(b, 'same number, opposite sign');
          addHint(p, 'same number, opposite sign');
          addFlag(b, 'same_number_opposite_sign');
          addFlag(p, 'same_number_opposite_sign');
        }
      }
      const rej = rejectedByKey.get(ck(b.block, b.family, b.canonId, ANY_FY));
      if (rej) {
        addFlag(b, 'rejected_in_ims');
        b.relatedRef = rej.ref;
        addHint(b, 'document was rejected in IMS: reverse the credit or restore the document');
      }
    }
  }

  // ---- supplier signals from 2A -----------------------------------------------------------------
  if (o.supplierSignals) {
    for (const list of [books, portal]) {
      for (const d of list) {
        const s = o.supplierSignals[d.gstin];
        if (!s) continue;
        if (s.gstr3bFiled === false) addFlag(d, 'supplier_not_filed_3b');
        if (s.gstr1Filed === false) addFlag(d, 'supplier_not_filed_gstr1');
        if (s.cancelledOn) addFlag(d, 'supplier_cancelled');
      }
    }
  }

  // ---- build result rows --------------------------------------------------------------------------
  const results: ResultRow[] = [];
  // Sort keys per result row: the supplier GSTIN's id and the day.
  const rowGstin = new Int32Array(books.length + portal.length);
  const rowDay = new Float64Array(books.length + portal.length);
  for (const b of books) {
    if (b.state === 3) continue;
    if (b.state === 1) {
      const p = b.partner!;
      rowGstin[results.length] = p.gstin !== '' ? p.gstinId : b.gstinId; // = row.supplierGstin
      results.push(pairRow(b, p, o, money));
    } else {
      const category: Category = b.category ?? 'missing_in_2b';
      rowGstin[results.length] = b.gstinId;
      results.push(singleRow(b, category, b.outReason ?? (b.flags?.has('rejected_in_ims') ? 'rejected_in_ims' : null), tol));
    }
    rowDay[results.length - 1] = b.day;
  }
  for (const p of portal) {
    if (p.state === 1) continue;
    rowGstin[results.length] = p.gstinId;
    rowDay[results.length] = p.day;
    results.push(singleRow(p, p.category ?? 'missing_in_books', null, tol));
  }
  const sorted = sortResults(results, rowGstin, rowDay, it.gstinById);
  // Warnings in a fixed order too (block iteration order depends on input order).
  warnings.sort((x, y) => cmpStr(x.code, y.code) || cmpStr(x.rowRef ?? '', y.rowRef ?? '') || cmpStr(x.message, y.message));
  return { results: sorted, rejected, warnings };
}

/**
 * §12.2 order: supplier GSTIN, then date, then id (unique, so the order is total). A counting sort
 * by GSTIN rank puts each supplier's rows in one bucket; only buckets (tens of rows) are sorted
 * with a comparator, and strings are compared only between rows of one supplier and one day.
 */
function sortResults(results: ResultRow[], rowGstin: Int32Array, rowDay: Float64Array, gstinById: readonly string[]): ResultRow[] {
  const n = results.length;
  for (let i = 0; i < n; i += 1) {
    const d = rowDay[i]!;
    if (!(d >= 0 && d < DAY_SPACE)) return sortResultsPacked(results, rowDay);
  }
  // Rank of every GSTIN id in string order.
  const ids = Array.from({ length: gstinById.length }, (_, i) => i);
  ids.sort((x, y) => cmpStr(gstinById[x]!, gstinById[y]!));
  const rank = new Int32Array(gstinById.length);
  for (let r = 0; r < ids.length; r += 1) rank[ids[r]!] = r;
  // Counting sort by rank (stable), then bucket starts.
  const start = new Int32Array(ids.length + 1);
  for (let i = 0; i < n; i += 1) start[rank[rowGstin[i]!]! + 1]! += 1;
  for (let r = 0; r < ids.length; r += 1) start[r + 1] = start[r + 1]! + start[r]!;
  const fill = start.slice(0, ids.length);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i += 1) perm[fill[rank[rowGstin[i]!]!]!++] = i;
  const byDayThenId = (x: number, y: number): number => rowDay[x]! - rowDay[y]! || cmpStr(results[x]!.id, results[y]!.id);
  for (let r = 0; r < ids.length; r += 1) {
    if (start[r + 1]! - start[r]! > 1) perm.subarray(start[r]!, start[r + 1]!).sort(byDayThenId);
  }
  const out = new Array<ResultRow>(n);
  for (let i = 0; i < n; i += 1) out[i] = results[perm[i]!]!;
  return out;
}

/**
 * The original ordering, kept for inputs with dates outside 1970–4840 or unparseable ones (NaN):
 * GSTIN rank × DAY_SPACE + day, then id. Readers never produce such dates; direct callers might,
 * and the order must stay exactly what it always was.
 */
function sortResultsPacked(results: ResultRow[], rowDay: Float64Array): ResultRow[] {
  const gstinRank = new Map<string, number>();
  for (const r of results) gstinRank.set(r.supplierGstin, 0);
  [...gstinRank.keys()].sort(cmpStr).forEach((g, i) => gstinRank.set(g, i));
  const order = new Float64Array(results.length);
  for (let i = 0; i < results.length; i += 1) order[i] = gstinRank.get(results[i]!.supplierGstin)! * DAY_SPACE + rowDay[i]!;
  const perm = Array.from({ length: results.length }, (_, i) => i);
  perm.sort((x, y) => order[x]! - order[y]! || cmpStr(results[x]!.id, results[y]!.id));
  return perm.map((i) => results[i]!);
}

/** §8.4: drop every document that has two or more equally good candidates (sort keys 1–3). */
function dropAmbiguous(cands: Cand[]): Cand[] {
  const ambiguous = new Set<ND>();
  const best = new Map<ND, { c: Cand; ties: number }>();
  for (const c of cands) {
    for (const d of [c.b, c.p]) {
      const cur = best.get(d);
      if (!cur) {
        best.set(d, { c, ties: 1 });
        continue;
      }
      const cmp = c.taxDiff - cur.c.taxDiff || c.gap - cur.c.gap || c.dist - cur.c.dist;
      if (cmp < 0) best.set(d, { c, ties: 1 });
      else if (cmp === 0) cur.ties += 1;
    }
  }
  for (const [d, v] of best) if (v.ties > 1) ambiguous.add(d);
  return cands.filter((c) => !ambiguous.has(c.b) && !ambiguous.has(c.p));
}

/** A money difference; "equal" for money means within one paisa (§8.3). */
function moneyDiff(diffs: Difference[], field: DifferenceField, books: number, portal: number, tol: number): void {
  const delta = books - portal;
  if (Math.abs(delta) > 1) diffs.push({ field, books, portal, delta, material: Math.abs(delta) > tol });
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

function mergedFlags(b: ND | null, p: ND | null): readonly Flag[] {
  if (!b?.flags && !p?.flags) return NO_FLAGS;
  if (b?.flags && !p?.flags) return [...b.flags].sort();
  const s = new Set<Flag>();
  b?.flags?.forEach((f) => s.add(f));
  p?.flags?.forEach((f) => s.add(f));
  return [...s].sort();
}

/** Classify a pair (§8.3) and build its result row. */
function pairRow(b: ND, p: ND, o: MatchOptions, money: Float64Array): ResultRow {
  const tol = o.amountTolerance;
  const diffs: Difference[] = [];
  // Unrolled (a loop over field names made every access a megamorphic keyed load).
  const x = b.m;
  const y = p.m;
  moneyDiff(diffs, 'taxableValue', money[x + TX]!, money[y + TX]!, tol);
  moneyDiff(diffs, 'igst', money[x + IG]!, money[y + IG]!, tol);
  moneyDiff(diffs, 'cgst', money[x + CG]!, money[y + CG]!, tol);
  moneyDiff(diffs, 'sgst', money[x + SG]!, money[y + SG]!, tol);
  moneyDiff(diffs, 'cess', money[x + CS]!, money[y + CS]!, tol);
  const bInter = money[x + IG]! > 0 && money[x + CG]! + money[x + SG]! === 0;
  const bIntra = money[x + CG]! + money[x + SG]! > 0 && money[x + IG]! === 0;
  const pInter = money[y + IG]! > 0 && money[y + CG]! + money[y + SG]! === 0;
  const pIntra = money[y + CG]! + money[y + SG]! > 0 && money[y + IG]! === 0;
  if ((bInter && pIntra) || (bIntra && pInter)) {
    diffs.push({ field: 'taxHeads', books: bInter ? 'IGST' : 'CGST+SGST', portal: pInter ? 'IGST' : 'CGST+SGST', delta: null, material: true });
  }
  if (b.day !== p.day) {
    const gap = Math.abs(b.day - p.day);
    diffs.push({ field: 'invoiceDate', books: b.books!.invoiceDate, portal: p.portal!.date, delta: b.day - p.day, material: gap > o.dateWindowDays });
  }
  if (b.pos !== '' && p.pos !== '' && b.pos !== p.pos) {
    diffs.push({ field: 'placeOfSupply', books: b.pos, portal: p.pos, delta: null, material: true });
  }
  if (b.rcm !== p.rcm) diffs.push({ field: 'reverseCharge', books: b.rcm, portal: p.rcm, delta: null, material: true });
  if (b.docType === 'bill_of_entry' && b.portCode !== '' && p.portCode !== '' && b.portCode !== p.portCode) {
    diffs.push({ field: 'portCode', books: b.portCode, portal: p.portCode, delta: null, material: true });
  }
  if (b.gstin !== p.gstin && b.docType !== 'bill_of_entry') {
    diffs.push({ field: 'supplierGstin', books: b.gstin, portal: p.gstin, delta: null, material: true });
  }
  if (b.clean !== p.clean) {
    diffs.push({ field: 'invoiceNumber', books: b.books!.invoiceNumberRaw, portal: p.portal!.numberRaw, delta: null, material: false });
  }
  if (b.docType !== p.docType) diffs.push({ field: 'docType', books: b.docType, portal: p.docType, delta: null, material: false });

  const pass = b.pass!;
  const material = diffs.find((d) => d.material && !INFORMATIONAL_FIELDS.has(d.field));
  const reasons: MatchReason[] = [];
  if (pass === 'P3') reasons.push('amended_original');
  if (pass === 'P4') reasons.push('fuzzy_number');
  if (pass === 'P5') reasons.push('amount_only');
  if (pass === 'P6') reasons.push('pan_level');
  if (b.clean !== p.clean && (pass === 'P2' || pass === 'P6')) reasons.push('canonical_number');
  if (diffs.some((d) => d.delta !== null && d.field !== 'invoiceDate')) reasons.push('rounding');
  if (b.day !== p.day) reasons.push('date_within_window');
  if (pass === 'P2' && reasons.length === 0) reasons.push('canonical_number');

  let category: Category;
  let reason: ResultRow['reason'];
  let accepted = false;
  if (material || pass === 'P6') {
    category = 'mismatch';
    // P6 pairs are mismatches because of the GSTIN itself (§8.6), whatever else differs.
    reason = pass === 'P6' ? 'supplierGstin' : material!.field;
  } else if (pass === 'P1' && reasons.length === 0) {
    category = 'exact_match';
    reason = null;
    accepted = true;
  } else {
    category = 'probable_match';
    reason = reasons[0] ?? null;
    accepted = o.autoAcceptProbable && !reasons.some((r) => NEVER_AUTO_ACCEPTED.has(r));
  }
  if (pass === 'P3') addFlag(b, 'matched_on_original_number');
  const br = b.books!;
  const pr = p.portal!;
  if (!inPeriod(br.voucherDate || br.invoiceDate, pr.period)) addFlag(b, 'period_shift');
  let hints: readonly string[] = NO_STRINGS;
  if (b.hints || p.hints || b.docType !== p.docType) {
    const h = [...(b.hints ?? []), ...(p.hints ?? [])];
    if (b.docType !== p.docType) h.push(`books ${b.docType} paired with portal ${p.docType}`);
    hints = h;
  }
  const row: ResultRow = {
    id: `${br.rowRef}|${pr.ref}`,
    category,
    reason,
    reasons: category === 'mismatch' ? (pass === 'P6' ? ['pan_level'] : NO_REASONS) : reasons.length === 0 ? NO_REASONS : reasons,
    pass,
    accepted,
    flags: mergedFlags(b, p),
    itcAvailable: pr.itcAvailable,
    supplierGstin: p.gstin || b.gstin,
    supplierName: pr.supplierName || br.supplierName || '',
    books: br,
    booksRowRefs: b.rowRefs ?? [br.rowRef],
    portal: pr,
    differences: diffs.length === 0 ? NO_DIFFS : diffs,
    itc: rowItc(category, accepted, br, pr, tol),
    hints,
  };
  if (p.relatedRef) row.relatedRef = p.relatedRef;
  if (p.amendmentDelta) {
    row.amendmentDelta = p.amendmentDelta;
    row.amendmentOfEarlierPeriod = p.amendmentOfEarlierPeriod;
  }
  return row;
}

function singleRow(d: ND, category: Category, reason: ResultRow['reason'], tol: number): ResultRow {
  const br = d.books;
  const pr = d.portal;
  const row: ResultRow = {
    id: br ? `${br.rowRef}|` : `|${pr!.ref}`,
    category,
    reason,
    reasons: NO_REASONS,
    pass: null,
    accepted: false,
    flags: mergedFlags(d, null),
    itcAvailable: pr ? pr.itcAvailable : null,
    supplierGstin: d.gstin,
    supplierName: (br ? br.supplierName : pr!.supplierName) ?? '',
    books: br,
    booksRowRefs: br ? (d.rowRefs ?? [br.rowRef]) : [],
    portal: pr,
    differences: NO_DIFFS,
    itc: rowItc(category, false, br, pr, tol),
    hints: d.hints ? [...d.hints] : NO_STRINGS,
  };
  if (d.relatedRef) row.relatedRef = d.relatedRef;
  if (d.amendmentDelta) {
    row.amendmentDelta = d.amendmentDelta;
    row.amendmentOfEarlierPeriod = d.amendmentOfEarlierPeriod;
  }
  return row;
}

/** Heads of a canonical document (re-exported for report builders). */
export { headsOf };
