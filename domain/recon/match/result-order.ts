/**
 * Result order (docs/reconciliation.md, "The report"): supplier GSTIN, then date, then the row id
 * (unique, so the order is total), and each supplier's name as the rows in that order give it.
 */
import type { TableLease } from '../table-pool';
import { DAY_SPACE } from './codes';
import { cmpStr, type Docs } from './docs';
import type { RowPlan } from './row-plan';
import { insertRange, sortRange, sortWith } from './sort';

/**
 * What the result order's comparators read: the documents' refs, and each row's two documents
 * (−1: none) and day. A class, so its hidden class is kept between runs (kept-shapes.ts).
 */
export class RowKeys {
  constructor(
    readonly refs: readonly string[],
    readonly rowB: Int32Array,
    readonly rowP: Int32Array,
    readonly rowDay: Float64Array,
  ) {}
}

/** Row ids are `booksRef|portalRef` (either side may be empty): compared from their parts. */
function byRowId(k: RowKeys, x: number, y: number): number {
  const refs = k.refs;
  const bx = k.rowB[x]!;
  const by = k.rowB[y]!;
  const px = k.rowP[x]!;
  const py = k.rowP[y]!;
  return cmpJoined(bx < 0 ? '' : refs[bx]!, px < 0 ? '' : refs[px]!, by < 0 ? '' : refs[by]!, py < 0 ? '' : refs[py]!);
}

function byDayThenId(k: RowKeys, x: number, y: number): number {
  return k.rowDay[x]! - k.rowDay[y]! || byRowId(k, x, y);
}

/**
 * Result order (docs/reconciliation.md, "The report"): supplier GSTIN, then date, then id (unique,
 * so the order is total). GSTIN rank and day are one 32-bit group key per row, put in order by a
 * stable radix sort; ids are compared only between rows of one supplier and one day. (A counting
 * sort by GSTIN rank, then day and id per rank, when the group key would not fit in 32 bits;
 * sortResultsPacked for days outside 1970–4840.)
 */
export function sortResults(n: number, rowGstin: Int32Array, gstinById: readonly string[], keys: RowKeys, tables: TableLease,
  kept: TableLease): Int32Array {
  const rowDay = keys.rowDay;
  let dMin = Infinity;
  let dMax = -Infinity;
  let integral = true;
  for (let i = 0; i < n; i += 1) {
    const d = rowDay[i]!;
    if (!(d >= 0 && d < DAY_SPACE)) return sortResultsPacked(n, rowGstin, gstinById, keys, tables, kept);
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
    const rowScratch = tables.i32(n);
    const keyScratch = tables.u32(n);
    radixOrder(group, ids.length * daySpan - 1, perm, rowScratch, keyScratch);
    tables.give(rowScratch);
    tables.give(keyScratch);
    // (group now holds each position's key, in order.)
    let runStart = 0;
    let runGroup = n === 0 ? 0 : group[0]!;
    for (let i = 1; i <= n; i += 1) {
      const g = i < n ? group[i]! : -1;
      if (g === runGroup) continue;
      if (i - runStart > 16) sortRange(perm, runStart, i, keys, byRowId);
      else if (i - runStart > 1) insertRange(perm, runStart, i, keys, byRowId);
      runStart = i;
      runGroup = g;
    }
    tables.give(group);
  } else {
    // Counting sort by rank (stable), then bucket starts.
    const start = tables.i32(ids.length + 1);
    for (let i = 0; i < n; i += 1) start[rank[rowGstin[i]!]! + 1]! += 1;
    for (let r = 0; r < ids.length; r += 1) start[r + 1] = start[r + 1]! + start[r]!;
    const fill = start.slice(0, ids.length);
    perm = kept.i32(n);
    for (let i = 0; i < n; i += 1) perm[fill[rank[rowGstin[i]!]!]!++] = i;
    for (let r = 0; r < ids.length; r += 1) {
      if (start[r + 1]! - start[r]! > 1) sortRange(perm, start[r]!, start[r + 1]!, keys, byDayThenId);
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

function byText(texts: readonly string[], x: number, y: number): number {
  return cmpStr(texts[x]!, texts[y]!);
}

/** Sorts `ids` (indices into `texts`) in the string order of their texts. */
function sortByText(ids: number[], texts: readonly string[]): number[] {
  return sortWith(ids, texts, byText);
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
 * Each supplier's name as SummaryAccumulator.addRow leaves it after the rows in result order (`perm`):
 * the portal name of the supplier's last row that has one, else the first non-empty row name
 * (by then, a row's name is its books side's). Walks typed arrays and reads documents only until
 * each supplier is decided (usually its last row).
 */
export function supplierNamesOf(s: Docs, perm: Int32Array, plan: RowPlan, gstinById: readonly string[]): Map<string, string> {
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

/**
 * The original ordering, kept for inputs with dates outside 1970–4840 or unparseable ones (NaN):
 * GSTIN rank × DAY_SPACE + day, then id. Readers never produce such dates; direct callers might,
 * and the order must stay exactly what it always was.
 */
function sortResultsPacked(n: number, rowGstin: Int32Array, gstinById: readonly string[], keys: RowKeys, tables: TableLease,
  kept: TableLease): Int32Array {
  const rowDay = keys.rowDay;
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
  // The native sort, as always: with NaN days this comparator is not a consistent order, and only
  // the same algorithm gives the same answer (a closure per run is no cost on this rare path).
  perm.sort((x, y) => order[x]! - order[y]! || byRowId(keys, x, y));
  const out = kept.i32(n);
  out.set(perm);
  return out;
}

