/**
 * ITC figures (docs/reconciliation.md, "ITC figures"), per head, in paise, signed by document type
 * (credit notes subtract). Row-level effects are computed once when a result row is built; run and
 * supplier figures are plain sums of those, so every total reconciles with the rows it came from.
 */
import { totalOfHeads, zeroHeads } from './amounts';
import { CATEGORY_INDEX, type Category } from './categories';
import { signOf } from './normalise';
import type { BooksRow, Heads, PortalDoc } from './types';

export interface HeadsTotal extends Heads {
  total: number;
}

/** Row-level ITC effect; the objects may be shared between rows, so treat them as read-only. */
export interface RowItc {
  /** Portal tax that counts as matched credit. */
  readonly matched: Readonly<Heads>;
  /** Portal tax of probable matches awaiting confirmation (not auto-accepted). */
  readonly toConfirm: Readonly<Heads>;
  readonly atRisk: Readonly<Heads>;
  readonly missed: Readonly<Heads>;
}

export interface ItcFigures {
  /** Available portal tax in `docdata` (superseded originals excluded), net of credit notes. */
  as2b: HeadsTotal;
  /** Portal tax with `itcavl` N/T or ISD `itcelg` N. */
  notAvailable: HeadsTotal;
  /** Tax of documents rejected in IMS (`docRejdata`), shown separately. */
  rejected: HeadsTotal;
  /** Books tax in scope and eligible (duplicates included: they are what the books claim). */
  books: HeadsTotal;
  matched: HeadsTotal;
  toConfirm: HeadsTotal;
  atRisk: HeadsTotal;
  missed: HeadsTotal;
  /** books − as2b: the figure an officer looks at. */
  netDifference: HeadsTotal;
  /** Amended − original, for amendments whose original was in an earlier 2B period. */
  amendmentDelta: HeadsTotal;
}

export function headsOf(doc: { igst: number; cgst: number; sgst: number; cess: number }): Heads {
  return { igst: doc.igst, cgst: doc.cgst, sgst: doc.sgst, cess: doc.cess };
}

export function withTotal(h: Heads): HeadsTotal {
  return { ...h, total: totalOfHeads(h) };
}

/*
 * A row's ITC effect as sixteen numbers (four figures × igst, cgst, sgst, cess) in a Float64Array,
 * computed from the row's two sides as numbers (`Side`), so the run and supplier sums can take
 * it straight from the matcher's columns without objects for each of lakhs of rows; `rowItc`
 * builds a row's objects from the same numbers.
 */
export const EFFECT = Object.freeze({ MATCHED: 0, TO_CONFIRM: 4, AT_RISK: 8, MISSED: 12, SIZE: 16 });
const EFFECT_MATCHED = EFFECT.MATCHED;
const EFFECT_TO_CONFIRM = EFFECT.TO_CONFIRM;
const EFFECT_AT_RISK = EFFECT.AT_RISK;
const EFFECT_MISSED = EFFECT.MISSED;
/** Bits of itcEffectOfSides's answer: which figures the row carries (0: none at all). */
const HAS_MATCHED = 1;
const HAS_TO_CONFIRM = 2;
const HAS_AT_RISK = 4;
const HAS_MISSED = 8;

/**
 * One side of a result row as numbers in a Float64Array(SIDE.SIZE): present (1/0), the document
 * type's sign, taxable value and heads in paise, and its ITC bit (books: eligible; portal:
 * available in 2B).
 */
export const SIDE = Object.freeze({ PRESENT: 0, SIGN: 1, TAXABLE: 2, IGST: 3, CGST: 4, SGST: 5, CESS: 6, ITC: 7, SIZE: 8 });
const SIDE_PRESENT = SIDE.PRESENT;
const SIDE_SIGN = SIDE.SIGN;
const SIDE_TAXABLE = SIDE.TAXABLE;
const SIDE_IGST = SIDE.IGST;
const SIDE_CGST = SIDE.CGST;
const SIDE_SGST = SIDE.SGST;
const SIDE_CESS = SIDE.CESS;
const SIDE_ITC = SIDE.ITC;

/** Category indices (CATEGORIES order) the rules below test. */
const C_PROBABLE_MATCH = CATEGORY_INDEX.get('probable_match')!;
const C_MISMATCH = CATEGORY_INDEX.get('mismatch')!;
const C_MISSING_IN_2B = CATEGORY_INDEX.get('missing_in_2b')!;
const C_MISSING_IN_BOOKS = CATEGORY_INDEX.get('missing_in_books')!;
const C_DUPLICATE_IN_BOOKS = CATEGORY_INDEX.get('duplicate_in_books')!;
const C_OUT_OF_SCOPE = CATEGORY_INDEX.get('out_of_scope')!;
const C_SUPERSEDED = CATEGORY_INDEX.get('superseded')!;

export function newItcEffect(): Float64Array {
  return new Float64Array(EFFECT.SIZE);
}

export function newSide(): Float64Array {
  return new Float64Array(SIDE.SIZE);
}

function putSide(out: Float64Array, d: BooksRow | PortalDoc, itc: boolean): void {
  out[SIDE_PRESENT] = 1;
  out[SIDE_SIGN] = signOf(d.docType);
  out[SIDE_TAXABLE] = d.taxableValue;
  out[SIDE_IGST] = d.igst;
  out[SIDE_CGST] = d.cgst;
  out[SIDE_SGST] = d.sgst;
  out[SIDE_CESS] = d.cess;
  out[SIDE_ITC] = itc ? 1 : 0;
}

/** A books row (or none) as a side. */
export function booksSide(out: Float64Array, books: BooksRow | null): void {
  if (books) putSide(out, books, books.itcEligible !== false);
  else out.fill(0);
}

/** A portal document (or none) as a side. */
export function portalSide(out: Float64Array, portal: PortalDoc | null): void {
  if (portal) putSide(out, portal, portal.itcAvailable);
  else out.fill(0);
}

/** A side's tax: the sum of its heads, unsigned. */
export function sideTax(side: Float64Array): number {
  return side[SIDE_IGST]! + side[SIDE_CGST]! + side[SIDE_SGST]! + side[SIDE_CESS]!;
}

function putHeads(out: Float64Array, at: number, i: number, c: number, s: number, x: number): void {
  out[at] = i;
  out[at + 1] = c;
  out[at + 2] = s;
  out[at + 3] = x;
}

/** sign × a side's heads. */
function putSigned(out: Float64Array, at: number, side: Float64Array, sign: number): void {
  putHeads(out, at, sign * side[SIDE_IGST]!, sign * side[SIDE_CGST]!, sign * side[SIDE_SGST]!, sign * side[SIDE_CESS]!);
}

/** Per head: sign × excess when the excess is beyond tolerance, else 0; false when no head is. */
function putExcess(out: Float64Array, at: number, i: number, c: number, s: number, x: number, sign: number, tolerance: number): boolean {
  if (!(i > tolerance || c > tolerance || s > tolerance || x > tolerance)) return false;
  putHeads(out, at, i > tolerance ? sign * i : 0, c > tolerance ? sign * c : 0, s > tolerance ? sign * s : 0, x > tolerance ? sign * x : 0);
  return true;
}

/**
 * The ITC effect of one result row (docs/reconciliation.md, "ITC figures"), from its category
 * (index in CATEGORIES) and its two sides, written into `out` (from newItcEffect; every cell is
 * set). `accepted` only matters for probable matches. Excesses on paired rows count only beyond
 * `tolerance` per head (a rounding difference is neither a risk nor a miss). Returns which figures
 * the row carries as bits; 0 when it has no effect.
 */
export function itcEffectOfSides(
  out: Float64Array,
  category: number,
  accepted: boolean,
  books: Float64Array,
  portal: Float64Array,
  tolerance: number,
): number {
  out.fill(0);
  const hasBooks = books[SIDE_PRESENT] === 1;
  const hasPortal = portal[SIDE_PRESENT] === 1;
  const eligible = hasBooks && books[SIDE_ITC] === 1;
  switch (category) {
    case C_MISSING_IN_2B:
    case C_DUPLICATE_IN_BOOKS:
      if (!eligible) return 0;
      putSigned(out, EFFECT_AT_RISK, books, books[SIDE_SIGN]!);
      return HAS_AT_RISK;
    case C_MISSING_IN_BOOKS:
      if (!hasPortal || portal[SIDE_ITC] !== 1) return 0;
      // docs/reconciliation.md, "Credit notes in 2B, not in the books": a 2B credit note the books
      // lack is credit the client must reverse (at risk), never a negative "missed".
      if (portal[SIDE_SIGN]! < 0) {
        putSigned(out, EFFECT_AT_RISK, portal, 1);
        return HAS_AT_RISK;
      }
      putSigned(out, EFFECT_MISSED, portal, 1);
      return HAS_MISSED;
    case C_OUT_OF_SCOPE:
    case C_SUPERSEDED:
      return 0;
    default:
      break;
  }
  if (!hasBooks || !hasPortal) return 0;
  const sign = portal[SIDE_SIGN]!;
  // docs/reconciliation.md, "ITC figures": books tax of pairs whose portal side is not available is
  // at risk in full.
  if (portal[SIDE_ITC] !== 1) {
    if (!eligible) return 0;
    putSigned(out, EFFECT_AT_RISK, books, sign);
    return HAS_AT_RISK;
  }
  const bI = books[SIDE_IGST]!, bC = books[SIDE_CGST]!, bS = books[SIDE_SGST]!, bX = books[SIDE_CESS]!;
  const pI = portal[SIDE_IGST]!, pC = portal[SIDE_CGST]!, pS = portal[SIDE_SGST]!, pX = portal[SIDE_CESS]!;
  let has: number;
  if (category === C_MISMATCH) {
    putHeads(out, EFFECT_MATCHED, sign * Math.min(bI, pI), sign * Math.min(bC, pC), sign * Math.min(bS, pS), sign * Math.min(bX, pX));
    has = HAS_MATCHED;
  } else if (category === C_PROBABLE_MATCH && !accepted) {
    putHeads(out, EFFECT_TO_CONFIRM, sign * pI, sign * pC, sign * pS, sign * pX);
    has = HAS_TO_CONFIRM;
  } else {
    putHeads(out, EFFECT_MATCHED, sign * pI, sign * pC, sign * pS, sign * pX);
    has = HAS_MATCHED;
  }
  if (sign < 0) {
    // Credit notes: both differences are at risk, signed as the books' ITC less 2B's (docs/reconciliation.md,
    // "Credit notes in 2B, not in the books"). A books excess is negative (a reversal 2B does not show yet,
    // shown apart by risk-shown.ts); a 2B excess is positive (credit to reverse); nothing is "missed".
    if (eligible && putDifference(out, EFFECT_AT_RISK, pI - bI, pC - bC, pS - bS, pX - bX, tolerance)) has |= HAS_AT_RISK;
    return has;
  }
  if (eligible && putExcess(out, EFFECT_AT_RISK, bI - pI, bC - pC, bS - pS, bX - pX, sign, tolerance)) has |= HAS_AT_RISK;
  if (putExcess(out, EFFECT_MISSED, pI - bI, pC - bC, pS - bS, pX - bX, sign, tolerance)) has |= HAS_MISSED;
  return has;
}

/** A difference beyond tolerance either way, else 0. */
function beyond(d: number, tolerance: number): number {
  return d > tolerance || -d > tolerance ? d : 0;
}

/** Per head: the difference when beyond tolerance either way, else 0; false when no head is. */
function putDifference(out: Float64Array, at: number, i: number, c: number, s: number, x: number, tolerance: number): boolean {
  const ki = beyond(i, tolerance), kc = beyond(c, tolerance), ks = beyond(s, tolerance), kx = beyond(x, tolerance);
  if (ki === 0 && kc === 0 && ks === 0 && kx === 0) return false;
  putHeads(out, at, ki, kc, ks, kx);
  return true;
}

/** Shared zero heads: most rows leave most figures at zero; rows are read-only. */
const ZERO: Heads = Object.freeze(zeroHeads());
const NONE: RowItc = Object.freeze({ matched: ZERO, toConfirm: ZERO, atRisk: ZERO, missed: ZERO });

/** Work arrays of rowItc: a caller that builds many rows keeps one (nothing is shared between callers). */
export interface RowItcScratch {
  readonly effect: Float64Array;
  readonly books: Float64Array;
  readonly portal: Float64Array;
}

export function newRowItcScratch(): RowItcScratch {
  return { effect: newItcEffect(), books: newSide(), portal: newSide() };
}

function headsFrom(out: Float64Array, at: number, has: boolean): Heads {
  return has ? { igst: out[at]!, cgst: out[at + 1]!, sgst: out[at + 2]!, cess: out[at + 3]! } : ZERO;
}

/** The ITC effect of one result row as the row carries it (figures it lacks share one zero). */
export function rowItc(
  category: Category,
  accepted: boolean,
  books: BooksRow | null,
  portal: PortalDoc | null,
  tolerance: number,
  scratch: RowItcScratch = newRowItcScratch(),
): RowItc {
  const { effect, books: b, portal: p } = scratch;
  booksSide(b, books);
  portalSide(p, portal);
  const has = itcEffectOfSides(effect, CATEGORY_INDEX.get(category)!, accepted, b, p, tolerance);
  if (has === 0) return NONE;
  return {
    matched: headsFrom(effect, EFFECT_MATCHED, (has & HAS_MATCHED) !== 0),
    toConfirm: headsFrom(effect, EFFECT_TO_CONFIRM, (has & HAS_TO_CONFIRM) !== 0),
    atRisk: headsFrom(effect, EFFECT_AT_RISK, (has & HAS_AT_RISK) !== 0),
    missed: headsFrom(effect, EFFECT_MISSED, (has & HAS_MISSED) !== 0),
  };
}

/**
 * A built row's ITC effect (`row.itc`) back in the layout itcEffectOfSides writes, so rows and
 * the matcher's columns are summed by one path; returns the same bits (0: no effect).
 */
export function effectOfRowItc(out: Float64Array, itc: RowItc): number {
  out.fill(0);
  if (itc === NONE) return 0;
  let has = 0;
  if (putRowHeads(out, EFFECT_MATCHED, itc.matched)) has |= HAS_MATCHED;
  if (putRowHeads(out, EFFECT_TO_CONFIRM, itc.toConfirm)) has |= HAS_TO_CONFIRM;
  if (putRowHeads(out, EFFECT_AT_RISK, itc.atRisk)) has |= HAS_AT_RISK;
  if (putRowHeads(out, EFFECT_MISSED, itc.missed)) has |= HAS_MISSED;
  return has;
}

function putRowHeads(out: Float64Array, at: number, h: Readonly<Heads>): boolean {
  if (h === ZERO) return false;
  putHeads(out, at, h.igst, h.cgst, h.sgst, h.cess);
  return true;
}

export interface ItcRowLike {
  category: Category;
  books: BooksRow | null;
  portal: PortalDoc | null;
  itc: RowItc;
  amendmentDelta?: Heads;
  amendmentOfEarlierPeriod?: boolean;
}

/*
 * Accumulator layout of the ITC figures: nine figures × four heads in one Float64Array (matched …
 * missed in the order of a row's effect, so addItcParts adds the effect in one loop). Documents'
 * heads are read as sides (numbers), never through a helper shared by books rows, portal documents
 * and row-level heads: such a helper sees every shape and its inline caches go megamorphic.
 */
const AS2B = 0;
const NOT_AVAILABLE = 4;
const REJ = 8;
const BOOKS = 12;
const MATCHED = 16;
const TO_CONFIRM = 20;
const AT_RISK = 24;
const MISSED = 28;
const AMENDMENT = 32;

function headsAt(acc: Float64Array, at: number): HeadsTotal {
  const igst = acc[at]!;
  const cgst = acc[at + 1]!;
  const sgst = acc[at + 2]!;
  const cess = acc[at + 3]!;
  return { igst, cgst, sgst, cess, total: igst + cgst + sgst + cess };
}

function addDoc(acc: Float64Array, at: number, d: PortalDoc, sign: number): void {
  acc[at] = acc[at]! + sign * d.igst;
  acc[at + 1] = acc[at + 1]! + sign * d.cgst;
  acc[at + 2] = acc[at + 2]! + sign * d.sgst;
  acc[at + 3] = acc[at + 3]! + sign * d.cess;
}

/** Row-level heads (plain `Heads` objects, often the shared zero). */
function addHeads(acc: Float64Array, at: number, h: Readonly<Heads>): void {
  if (h === ZERO) return;
  acc[at] = acc[at]! + h.igst;
  acc[at + 1] = acc[at + 1]! + h.cgst;
  acc[at + 2] = acc[at + 2]! + h.sgst;
  acc[at + 3] = acc[at + 3]! + h.cess;
}

/** Accumulator of the ITC figures (nine figures × four heads), summed by addItcParts. */
export function newItcAccumulator(): Float64Array {
  return new Float64Array(36);
}

/**
 * Add one result row's ITC figures to an accumulator from newItcAccumulator, from the row's parts:
 * its category's index, its two sides, its effect as itcEffectOfSides (or effectOfRowItc) wrote
 * it (`has` its answer) and the amendment delta when the original was in an earlier period.
 */
export function addItcParts(acc: Float64Array, category: number, books: Float64Array, portal: Float64Array,
  effect: Float64Array, has: number, amendment: Readonly<Heads> | null): void {
  addItcSides(acc, category, books, portal);
  if (has !== 0) for (let k = 0; k < 16; k += 1) acc[MATCHED + k] = acc[MATCHED + k]! + effect[k]!;
  if (amendment) addHeads(acc, AMENDMENT, amendment);
}

/** The documents' own figures: 2B as shown (available or not) and books in scope and eligible. */
function addItcSides(acc: Float64Array, category: number, books: Float64Array, portal: Float64Array): void {
  if (portal[SIDE_PRESENT] === 1 && category !== C_SUPERSEDED) {
    addSide(acc, portal[SIDE_ITC] === 1 ? AS2B : NOT_AVAILABLE, portal);
  }
  if (books[SIDE_PRESENT] === 1 && category !== C_OUT_OF_SCOPE && books[SIDE_ITC] === 1) {
    addSide(acc, BOOKS, books);
  }
}

/** sign × a side's heads into the figure at `at`. */
function addSide(acc: Float64Array, at: number, side: Float64Array): void {
  const sign = side[SIDE_SIGN]!;
  acc[at] = acc[at]! + sign * side[SIDE_IGST]!;
  acc[at + 1] = acc[at + 1]! + sign * side[SIDE_CGST]!;
  acc[at + 2] = acc[at + 2]! + sign * side[SIDE_SGST]!;
  acc[at + 3] = acc[at + 3]! + sign * side[SIDE_CESS]!;
}

/** The ITC figures of an accumulator (plus the IMS-rejected documents kept aside). */
export function itcFiguresOf(acc: Float64Array, rejected: readonly PortalDoc[]): ItcFigures {
  for (const doc of rejected) addDoc(acc, REJ, doc, signOf(doc.docType));
  const books = headsAt(acc, BOOKS);
  const as2b = headsAt(acc, AS2B);
  const net = { igst: books.igst - as2b.igst, cgst: books.cgst - as2b.cgst, sgst: books.sgst - as2b.sgst, cess: books.cess - as2b.cess };
  return {
    as2b,
    notAvailable: headsAt(acc, NOT_AVAILABLE),
    rejected: headsAt(acc, REJ),
    books,
    matched: headsAt(acc, MATCHED),
    toConfirm: headsAt(acc, TO_CONFIRM),
    atRisk: headsAt(acc, AT_RISK),
    missed: headsAt(acc, MISSED),
    netDifference: withTotal(net),
    amendmentDelta: headsAt(acc, AMENDMENT),
  };
}
