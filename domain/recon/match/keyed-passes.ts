/**
 * Phase: the keyed passes P1–P3 (docs/reconciliation.md, "The passes"): equal clean key, equal
 * canonical key, the amended original's number.
 */
import { ANY_FY, ck, compatible, FAMILY_OF_CODE, FREE, P1, P2, P3 } from './codes';
import { blockOf, dayOf, fyOf, fySlotOf, pair, taxDiff } from './docs';
import { ensureCanon, Groups } from './interning';
import type { MatchOptions } from './options';
import { type Cand, greedy } from './pairing';
import type { Run } from './run-state';

/**
 * P1–P3: keyed passes; then the canonical keys of the portal documents still free. The passes
 * and their helpers are module functions taking the run, not closures made per run: a closure's
 * compiled code goes when the run's closures die, and each run compiled them again.
 */
export function keyedPasses(run: Run): void {
  const { s, it, nb, end } = run;
  // Work arrays shared by the passes; bNext: books chain per portal group (by books document).
  const bIdx: number[] = [];
  const pIdx: number[] = [];
  const bNext = run.tables.i32(nb);
  // P1: equal clean key, same FY. P2: equal canonical key. P3: books still carry the number the amendment replaced.
  keyedPass(run, P1, bIdx, pIdx, bNext);
  keyedPass(run, P2, bIdx, pIdx, bNext);
  keyedPass(run, P3, bIdx, pIdx, bNext);
  run.tables.give(bNext);
  for (let i = nb; i < end; i += 1) if (s.state[i] === FREE) ensureCanon(s, i, it);
}

/** Hash key of document i for a pass (−1: takes no part). */
function keyFor(run: Run, pass: number, i: number, portalSide: boolean): number {
  const s = run.s;
  if (pass === P1) return s.cleanId[i]! < 0 ? -1 : ck(blockOf(s, i), FAMILY_OF_CODE[s.type[i]!]!, s.cleanId[i]!, fySlotOf(s, i));
  if (pass === P3 && portalSide) {
    const a = s.orig[i]!;
    return a >= 0 && s.oCanonId[a]! >= 0 ? ck(blockOf(s, i), FAMILY_OF_CODE[s.type[i]!]!, s.oCanonId[a]!, ANY_FY) : -1;
  }
  if (s.cleanId[i]! < 0) return -1;
  ensureCanon(s, i, run.it);
  return ck(blockOf(s, i), FAMILY_OF_CODE[s.type[i]!]!, s.canonId[i]!, ANY_FY);
}

/** P2/P3: same FY, or adjacent FY with dates inside the window. */
function fyOk(o: MatchOptions, bFy: number, pFy: number, gap: number): boolean {
  return bFy === pFy || (o.adjacentFyMatching && Math.abs(bFy - pFy) === 1 && gap <= o.dateWindowDays);
}

function keyedAllow(run: Run, pass: number, b: number, p: number): boolean {
  const s = run.s;
  if (!compatible(s.type[b]!, s.type[p]!)) return false;
  if (pass === P1) return true;
  if (pass === P2) return fyOk(run.o, fyOf(s, b), fyOf(s, p), Math.abs(dayOf(s, b) - dayOf(s, p)));
  // (p is an amendment: only amendments join P3's portal groups.)
  const a = s.orig[p]!;
  return fyOk(run.o, fyOf(s, b), s.oFy[a]!, Math.abs(dayOf(s, b) - s.oDay[a]!));
}

function keyedPass(run: Run, pass: number, bIdx: number[], pIdx: number[], bNext: Int32Array): void {
  const { s, nb, end } = run;
  let free = 0;
  for (let i = nb; i < end; i += 1) if (s.state[i] === FREE) free += 1;
  const pg = new Groups(s.np, free, run.tables);
  for (let i = nb; i < end; i += 1) {
    if (s.state[i] !== FREE) continue;
    const k = keyFor(run, pass, i, true);
    if (k >= 0) pg.add(k, i - nb);
  }
  if (pg.groupCount === 0) {
    pg.release();
    return;
  }
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
        cands.push({ b, p, taxDiff: taxDiff(s, b, p), gap: Math.abs(dayOf(s, b) - dayOf(s, p)), dist: 0 });
      }
    }
    greedy(s, cands, pass);
  }
  // The pass's tables back to the lease: the next pass (and later phases) reuse them.
  pg.release();
  run.tables.give(bHead);
  run.tables.give(bLast);
}
