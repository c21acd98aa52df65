/**
 * ITC figures of §11, per head, in paise, signed by document type (credit notes subtract).
 * Row-level effects are computed once when a result row is built; run and supplier figures are
 * plain sums of those, so every total reconciles with the rows it came from.
 */
import { addHeadsInto, totalOfHeads, zeroHeads } from './amounts';
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

const HEADS = ['igst', 'cgst', 'sgst', 'cess'] as const;

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
  const matched = zeroHeads();
  const toConfirm = zeroHeads();
  let atRisk: Heads = ZERO;
  let missed: Heads = ZERO;
  for (const h of HEADS) {
    const b = books[h];
    const p = portal[h];
    if (category === 'mismatch') matched[h] = sign * Math.min(b, p);
    else if (category === 'probable_match' && !accepted) toConfirm[h] = sign * p;
    else matched[h] = sign * p;
    if (eligible && b - p > tolerance) {
      if (atRisk === ZERO) atRisk = zeroHeads();
      atRisk[h] = sign * (b - p);
    }
    if (p - b > tolerance) {
      if (missed === ZERO) missed = zeroHeads();
      missed[h] = sign * (p - b);
    }
  }
  return { matched, toConfirm, atRisk, missed };
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

/** Sum the §11 figures over result rows (and the IMS-rejected documents kept aside). */
export function computeItcFigures(rows: readonly ItcRowLike[], rejected: readonly PortalDoc[]): ItcFigures {
  const as2b = zeroHeads();
  const notAvailable = zeroHeads();
  const rej = zeroHeads();
  const books = zeroHeads();
  const matched = zeroHeads();
  const toConfirm = zeroHeads();
  const atRisk = zeroHeads();
  const missed = zeroHeads();
  const amendmentDelta = zeroHeads();
  for (const row of rows) {
    if (row.portal && row.category !== 'superseded') {
      addHeadsInto(row.portal.itcAvailable ? as2b : notAvailable, row.portal, signOf(row.portal.docType));
    }
    if (row.books && row.category !== 'out_of_scope' && row.books.itcEligible !== false) {
      addHeadsInto(books, row.books, signOf(row.books.docType));
    }
    addHeadsInto(matched, row.itc.matched);
    addHeadsInto(toConfirm, row.itc.toConfirm);
    addHeadsInto(atRisk, row.itc.atRisk);
    addHeadsInto(missed, row.itc.missed);
    if (row.amendmentDelta && row.amendmentOfEarlierPeriod) addHeadsInto(amendmentDelta, row.amendmentDelta);
  }
  for (const doc of rejected) addHeadsInto(rej, doc, signOf(doc.docType));
  const net = { ...books };
  addHeadsInto(net, as2b, -1);
  return {
    as2b: withTotal(as2b),
    notAvailable: withTotal(notAvailable),
    rejected: withTotal(rej),
    books: withTotal(books),
    matched: withTotal(matched),
    toConfirm: withTotal(toConfirm),
    atRisk: withTotal(atRisk),
    missed: withTotal(missed),
    netDifference: withTotal(net),
    amendmentDelta: withTotal(amendmentDelta),
  };
}
