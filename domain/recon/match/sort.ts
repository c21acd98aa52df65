/**
 * Stable sorts whose comparator takes a context (the run's documents, the result rows' refs, a
 * list of texts) as its first argument. `Array.prototype.sort` only passes the two items, so a
 * comparator over a run's data must either be a closure made per run or read the data from a
 * module variable set around the sort. Closures made per run lose their compiled code when the
 * run's objects die (each run then compiled them again), and a module variable is hidden state
 * shared by every caller; with the context passed in, the comparators are plain module functions.
 *
 * Both sorts are stable, so for a comparator that is a consistent order they give exactly the
 * order the native stable sort gave (the engine's comparators all end on a unique reference).
 */

/** A comparator over items of type T reading what it compares from `ctx`. */
export type Compare<C, T> = (ctx: C, x: T, y: T) => number;

/** Runs this short are sorted by insertion (no scratch, no recursion). */
const SHORT = 16;

/** Sorts `a` in place (stable) and returns it. */
export function sortWith<C, T>(a: T[], ctx: C, cmp: Compare<C, T>): T[] {
  const n = a.length;
  if (n <= SHORT) {
    insertArray(a, 0, n, ctx, cmp);
    return a;
  }
  mergeArray(a, a.slice(), 0, n, ctx, cmp);
  return a;
}

function insertArray<C, T>(a: T[], from: number, to: number, ctx: C, cmp: Compare<C, T>): void {
  for (let i = from + 1; i < to; i += 1) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= from && cmp(ctx, a[j]!, v) > 0) {
      a[j + 1] = a[j]!;
      j -= 1;
    }
    a[j + 1] = v;
  }
}

/** Top-down merge sort of a[from…to) using `tmp` (same contents) as scratch. */
function mergeArray<C, T>(a: T[], tmp: T[], from: number, to: number, ctx: C, cmp: Compare<C, T>): void {
  if (to - from <= SHORT) {
    insertArray(a, from, to, ctx, cmp);
    return;
  }
  const mid = (from + to) >>> 1;
  mergeArray(a, tmp, from, mid, ctx, cmp);
  mergeArray(a, tmp, mid, to, ctx, cmp);
  // Already in order: nothing to merge.
  if (cmp(ctx, a[mid - 1]!, a[mid]!) <= 0) return;
  for (let k = from; k < to; k += 1) tmp[k] = a[k]!;
  let i = from;
  let j = mid;
  for (let k = from; k < to; k += 1) {
    // Left first on ties: stable.
    if (j >= to || (i < mid && cmp(ctx, tmp[i]!, tmp[j]!) <= 0)) a[k] = tmp[i++]!;
    else a[k] = tmp[j++]!;
  }
}

/** Sorts a[from…to) of an Int32Array in place (stable). */
export function sortRange<C>(a: Int32Array, from: number, to: number, ctx: C, cmp: Compare<C, number>): void {
  if (to - from <= SHORT) {
    insertRange(a, from, to, ctx, cmp);
    return;
  }
  const run = a.subarray(from, to);
  mergeRange(run, new Int32Array(run.length), 0, run.length, ctx, cmp);
}

/** Sorts a[from…to) by insertion (short runs: no scratch, no recursion). */
export function insertRange<C>(a: Int32Array, from: number, to: number, ctx: C, cmp: Compare<C, number>): void {
  for (let i = from + 1; i < to; i += 1) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= from && cmp(ctx, a[j]!, v) > 0) {
      a[j + 1] = a[j]!;
      j -= 1;
    }
    a[j + 1] = v;
  }
}

function mergeRange<C>(a: Int32Array, tmp: Int32Array, from: number, to: number, ctx: C, cmp: Compare<C, number>): void {
  if (to - from <= SHORT) {
    insertRange(a, from, to, ctx, cmp);
    return;
  }
  const mid = (from + to) >>> 1;
  mergeRange(a, tmp, from, mid, ctx, cmp);
  mergeRange(a, tmp, mid, to, ctx, cmp);
  if (cmp(ctx, a[mid - 1]!, a[mid]!) <= 0) return;
  tmp.set(a.subarray(from, to), from);
  let i = from;
  let j = mid;
  for (let k = from; k < to; k += 1) {
    if (j >= to || (i < mid && cmp(ctx, tmp[i]!, tmp[j]!) <= 0)) a[k] = tmp[i++]!;
    else a[k] = tmp[j++]!;
  }
}
