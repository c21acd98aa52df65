/** Phase: P6, same PAN with a different GSTIN (docs/reconciliation.md, "The passes"). */
import { isFuzzyNumberMatch } from '../normalise';
import { BOE_BLOCK, compatible, FREE, MONEY_STRIDE, P6, TX } from './codes';
import { amountAt, blockOf, dayOf, fuzzyKeyOf, fyOf, taxDiff } from './docs';
import { ensureCanon } from './interning';
import { type Cand, greedy, numberDistance } from './pairing';
import type { Run } from './run-state';

/** P6: same PAN, different GSTIN (docs/reconciliation.md, "The passes"). */
export function panPass(run: Run): void {
  const { s, it, o, nb, end, warnings } = run;
  const tol = run.o.amountTolerance;
  const win = run.o.dateWindowDays;
  const pans = new Map<string, { b: number[]; p: number[] }>();
  for (let i = nb; i < end; i += 1) {
    const pan = it.panById[s.gstinId[i]!]!;
    if (s.state[i] !== FREE || pan === '' || blockOf(s, i) === BOE_BLOCK) continue;
    const g = pans.get(pan);
    if (g) g.p.push(i);
    else pans.set(pan, { b: [], p: [i] });
  }
  for (let i = 0; i < nb; i += 1) {
    const pan = it.panById[s.gstinId[i]!]!;
    if (s.state[i] !== FREE || pan === '' || blockOf(s, i) === BOE_BLOCK || s.cleanId[i]! < 0) continue;
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
        const gap = Math.abs(dayOf(s, b) - dayOf(s, p));
        if (!(fyOf(s, b) === fyOf(s, p) || gap <= win)) continue;
        if (Math.abs(amountAt(s, b * MONEY_STRIDE + TX) - amountAt(s, p * MONEY_STRIDE + TX)) > tol || taxDiff(s, b, p) > tol) continue;
        if (s.canonId[b] !== s.canonId[p] && !isFuzzyNumberMatch(bk, fuzzyKeyOf(s, p))) continue;
        c6.push({ b, p, taxDiff: taxDiff(s, b, p), gap, dist: numberDistance(s, b, p) });
      }
    }
    if (c6.length > 0) greedy(s, c6, P6);
  }
}
