/**
 * Row planning: which result rows a run has (one per books row not merged away, one per portal
 * document left unpaired), each row's two documents and its result-order keys, and — for a
 * `RowSink` — each row's category (the verdict) and both sides as numbers, so the summaries are
 * summed without a row object being built.
 */
import { type Category, CATEGORY_INDEX } from '../categories';
import { newSide, SIDE } from '../itc';
import type { Heads } from '../types';
import {
  CG, CS, F_NOT_ELIGIBLE, F_REJECTED_IN_IMS, IG, M_PACK, MERGED, MONEY_STRIDE, OUT_REASON_BY_CODE, PACK_AVAIL, PAIRED,
  SG, SIGN_OF_CODE, TX,
} from './codes';
import { amountAt, dayOf, type Docs } from './docs';
import type { ResultRow, RowSink } from './options';
import type { Run } from './run-state';
import { verdict, verdictAccepted, verdictCategoryIndex } from './verdict';

/** The result rows as decided (one per books row not merged away, one per unpaired portal document). */
export interface RowPlan {
  count: number;
  /** Per result row: supplier GSTIN id and day (the result order), books and portal document (−1: none). */
  rowGstin: Int32Array;
  rowDay: Float64Array;
  rowB: Int32Array;
  rowP: Int32Array;
}

/** Decides the result rows (no objects) and hands each one's parts to `sink`. */
export function planRows(run: Run, sink: RowSink | null): RowPlan {
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
      const pg = s.gstinId[p]!;
      const g = gstinById[pg] !== '' ? pg : s.gstinId[b]!; // = row.supplierGstin
      rowGstin[n] = g;
      rowP[n] = p;
      if (sink !== null) {
        const v = verdict(s, o, b, p);
        sideOf(s, bSide, b);
        sideOf(s, pSide, p);
        sink.add(verdictCategoryIndex(v), verdictAccepted(v), bSide, booksRowCount(s, b), pSide, s.filing[p - nb], amendmentOf(s, p), g, gstinById[g]!);
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
    rowDay[n] = dayOf(s, b);
    rowB[n] = b;
    n += 1;
  }
  bSide.fill(0);
  for (let p = nb; p < end; p += 1) {
    if (s.state[p] === PAIRED) continue;
    const g = s.gstinId[p]!;
    rowGstin[n] = g;
    rowDay[n] = dayOf(s, p);
    rowP[n] = p;
    if (sink !== null) {
      sideOf(s, pSide, p);
      sink.add(SINGLE_CATEGORY_INDEX[singleCode(s, p)]!, false, bSide, 0, pSide, s.filing[p - nb], amendmentOf(s, p), g, gstinById[g]!);
    }
    n += 1;
  }
  return { count: n, rowGstin, rowDay, rowB, rowP };
}


/** Document d as a side (itc.ts): the same numbers booksSide/portalSide read from its object. */
function sideOf(s: Docs, out: Float64Array, d: number): void {
  const m = d * MONEY_STRIDE;
  const low = s.money[m + M_PACK]!;
  out[SIDE.PRESENT] = 1;
  out[SIDE.SIGN] = SIGN_OF_CODE[low & 7]!;
  out[SIDE.TAXABLE] = amountAt(s, m + TX);
  out[SIDE.IGST] = amountAt(s, m + IG);
  out[SIDE.CGST] = amountAt(s, m + CG);
  out[SIDE.SGST] = amountAt(s, m + SG);
  out[SIDE.CESS] = amountAt(s, m + CS);
  out[SIDE.ITC] = d < s.nb ? ((s.flags[d]! & F_NOT_ELIGIBLE) === 0 ? 1 : 0) : (low & PACK_AVAIL) !== 0 ? 1 : 0;
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

export function singleCategory(s: Docs, d: number): Category {
  return SINGLE_CATEGORY_BY_CODE[singleCode(s, d)]!;
}

/** The main reason of a row without a partner. */
export function singleReason(s: Docs, d: number): ResultRow['reason'] {
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

