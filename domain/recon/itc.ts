/**
 * ITC figures of §11, per head, in paise, signed by document type (credit notes subtract).
 * Row-level effects are computed once when a result row is built; run and supplier figures are
 * plain sums of those, so every total reconciles with the rows it came from.
 */
import { totalOfHeads, zeroHeads } from './amounts';
import type { Category } from './categories';
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

/**
 * The ITC effect of one result row. `accepted` only matters for probable matches.
 * Excesses on paired rows count only beyond `tolerance` per head (a rounding difference is
 * neither a risk nor a miss).
 */
export function rowItc(
  category: Category,
  accepted: boolean,
  books: BooksRow | null,
  portal: PortalDoc | null,
  tolerance: number,
): RowItc {
  const eligible = books ? books.itcEligible !== false : false;
  switch (category) {
    case 'missing_in_2b':
    case 'duplicate_in_books':
      return books && eligible ? { ...NONE, atRisk: signed(books, signOf(books.docType)) } : NONE;
    case 'missing_in_books':
      return portal && portal.itcAvailable ? { ...NONE, missed: signed(portal, signOf(portal.docType)) } : NONE;
    case 'out_of_scope':
    case 'superseded':
      return NONE;
    default:
      break;
  }
  if (!books || !portal) return NONE;
  const sign = signOf(portal.docType);
  // §11: books tax of pairs whose portal side is not available is at risk in full.
  if (!portal.itcAvailable) return eligible ? { ...NONE, atRisk: signed(books, sign) } : NONE;
  // Only one of matched / toConfirm carries amounts; the other stays the shared zero. Heads are
  // read into locals once (a loop over head names made every access a megamorphic keyed load).
  const bI = books.igst, bC = books.cgst, bS = books.sgst, bX = books.cess;
  const pI = portal.igst, pC = portal.cgst, pS = portal.sgst, pX = portal.cess;
  let matched: Heads = ZERO;
  let toConfirm: Heads = ZERO;
  if (category === 'mismatch') {
    matched = { igst: sign * Math.min(bI, pI), cgst: sign * Math.min(bC, pC), sgst: sign * Math.min(bS, pS), cess: sign * Math.min(bX, pX) };
  } else if (category === 'probable_match' && !accepted) {
    toConfirm = { igst: sign * pI, cgst: sign * pC, sgst: sign * pS, cess: sign * pX };
  } else {
    matched = { igst: sign * pI, cgst: sign * pC, sgst: sign * pS, cess: sign * pX };
  }
  const atRisk = eligible ? excess(bI - pI, bC - pC, bS - pS, bX - pX, sign, tolerance) : ZERO;
  const missed = excess(pI - bI, pC - bC, pS - bS, pX - bX, sign, tolerance);
  return { matched, toConfirm, atRisk, missed };
}

/** Per head: sign × excess when the excess is beyond tolerance, else 0; ZERO when no head is. */
function excess(i: number, c: number, s: number, x: number, sign: number, tolerance: number): Heads {
  if (!(i > tolerance || c > tolerance || s > tolerance || x > tolerance)) return ZERO;
  return {
    igst: i > tolerance ? sign * i : 0,
    cgst: c > tolerance ? sign * c : 0,
    sgst: s > tolerance ? sign * s : 0,
    cess: x > tolerance ? sign * x : 0,
  };
}

/** Shared zero heads: most rows leave most figures at zero; rows are read-only. */
const ZERO: Heads = Object.freeze(zeroHeads());
const NONE: RowItc = Object.freeze({ matched: ZERO, toConfirm: ZERO, atRisk: ZERO, missed: ZERO });

function signed(d: Heads, sign: number): Heads {
  return { igst: sign * d.igst, cgst: sign * d.cgst, sgst: sign * d.sgst, cess: sign * d.cess };
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
 * Accumulator layout for computeItcFigures: nine figures × four heads in one Float64Array.
 * The loop reads each document's heads at its own property-access site (books rows, portal
 * documents and row-level heads each keep a few shapes) instead of calling a shared helper: a
 * shared `addHeadsInto` sees every shape and its inline caches go megamorphic, which made this
 * sum cost as much as the matching itself on 1-lakh runs.
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

function addBooks(acc: Float64Array, at: number, d: BooksRow, sign: number): void {
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

/** Sum the §11 figures over result rows (and the IMS-rejected documents kept aside). */
export function computeItcFigures(rows: readonly ItcRowLike[], rejected: readonly PortalDoc[]): ItcFigures {
  const acc = newItcAccumulator();
  for (let i = 0; i < rows.length; i += 1) addItcRow(acc, rows[i]!);
  return itcFiguresOf(acc, rejected);
}

/** Accumulator of computeItcFigures, for callers that sum rows in a loop of their own. */
export function newItcAccumulator(): Float64Array {
  return new Float64Array(36);
}

/** Add one result row's §11 effects to an accumulator from newItcAccumulator. */
export function addItcRow(acc: Float64Array, row: ItcRowLike): void {
  const portal = row.portal;
  if (portal && row.category !== 'superseded') {
    addDoc(acc, portal.itcAvailable ? AS2B : NOT_AVAILABLE, portal, signOf(portal.docType));
  }
  const books = row.books;
  if (books && row.category !== 'out_of_scope' && books.itcEligible !== false) {
    addBooks(acc, BOOKS, books, signOf(books.docType));
  }
  const itc = row.itc;
  if (itc !== NONE) {
    addHeads(acc, MATCHED, itc.matched);
    addHeads(acc, TO_CONFIRM, itc.toConfirm);
    addHeads(acc, AT_RISK, itc.atRisk);
    addHeads(acc, MISSED, itc.missed);
  }
  if (row.amendmentDelta && row.amendmentOfEarlierPeriod) addHeads(acc, AMENDMENT, row.amendmentDelta);
}

/** The §11 figures of an accumulator (plus the IMS-rejected documents kept aside). */
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
