/**
 * Phase: P4 (fuzzy number) and P5 (amount only), per GSTIN block, capped (docs/reconciliation.md,
 * "The passes" / "The fuzzy-number rule").
 */
import { type CanonicalKey, isFuzzyNumberMatch } from '../normalise';
import { BOE_BLOCK, compatible, FREE, P4, P5 } from './codes';
import { blockOf, dayOf, fuzzyKeyOf, pair, posRcmEqual, taxDiff, withinTol } from './docs';
import { type Cand, dropAmbiguous, greedy, numberDistance } from './pairing';
import type { Run } from './run-state';

/** P4/P5: fuzzy number, amount only, per GSTIN block. */
export function fuzzyPasses(run: Run): void {
  const { s, it, o, nb, end, warnings } = run;
  const tol = run.o.amountTolerance;
  const win = run.o.dateWindowDays;
  const blocks = new Map<number, { b: number[]; p: number[] }>();
  for (let i = nb; i < end; i += 1) {
    if (s.state[i] !== FREE) continue;
    const g = blocks.get(blockOf(s, i));
    if (g) g.p.push(i);
    else blocks.set(blockOf(s, i), { b: [], p: [i] });
  }
  for (let i = 0; i < nb; i += 1) {
    if (s.state[i] !== FREE) continue;
    blocks.get(blockOf(s, i))?.b.push(i);
  }
  const count = run.tables.i32(end);
  for (const g of blocks.values()) {
    if (g.b.length === 0) continue;
    if (g.b.length > o.fuzzyBlockCap || g.p.length > o.fuzzyBlockCap) {
      const p0 = g.p[0]!;
      warnings.push({
        code: 'fuzzy_passes_skipped',
        message: `P4/P5 skipped for ${blockOf(s, p0) === BOE_BLOCK ? 'bills of entry' : it.gstinById[s.gstinId[p0]!]!}: ${g.b.length} books and ${g.p.length} portal leftovers exceed the cap of ${o.fuzzyBlockCap}`,
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
        const gap = Math.abs(dayOf(s, b) - dayOf(s, p));
        if (gap > win || !withinTol(s, b, p, tol) || !posRcmEqual(s, b, p)) continue;
        bk ??= fuzzyKeyOf(s, b);
        if (!isFuzzyNumberMatch(bk, fuzzyKeyOf(s, p))) continue;
        c4.push({ b, p, taxDiff: taxDiff(s, b, p), gap, dist: numberDistance(s, b, p) });
      }
    }
    if (c4.length > 0) greedy(s, dropAmbiguous(c4), P4);
    // P5: amount only, unique on both sides.
    const c5: Cand[] = [];
    for (const b of g.b) {
      if (s.state[b] !== FREE) continue;
      for (const p of g.p) {
        if (s.state[p] !== FREE || !compatible(s.type[b]!, s.type[p]!)) continue;
        const gap = Math.abs(dayOf(s, b) - dayOf(s, p));
        if (gap > win || !withinTol(s, b, p, tol) || !posRcmEqual(s, b, p)) continue;
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
  run.tables.give(count);
}
