/**
 * Phase: duplicates in books (docs/reconciliation.md, "Normalisation"), and the "possible
 * duplicate" / "different amounts" flags.
 */
import { NumIndex } from '../num-index';
import { C_DUPLICATE, ck, EXCLUDED, F_DIFFERENT_AMOUNTS, F_POSSIBLE_DUP, FREE } from './codes';
import { blockOf, fySlotOf, withinTol } from './docs';
import { ensureCanon, Groups } from './interning';
import { sortByDoc } from './pairing';
import type { Run } from './run-state';

/** Duplicates in books (docs/reconciliation.md, "Normalisation"). */
export function markDuplicates(run: Run): void {
  const { s, it, nb, warnings } = run;
  const tol = run.o.amountTolerance;
  const groups = new Groups(nb, nb, run.tables);
  // Per canonical key: the first clean id seen, or -2 when several differ (→ possible duplicate).
  const canonKeys = new NumIndex(nb, run.tables);
  const canonFirst = run.tables.i32(nb);
  const canonGroup = run.tables.i32(nb, -1);
  for (let i = 0; i < nb; i += 1) {
    if (s.state[i] !== FREE || s.cleanId[i]! < 0) continue;
    groups.add(ck(blockOf(s, i), s.type[i]!, s.cleanId[i]!, fySlotOf(s, i)), i);
    ensureCanon(s, i, it);
    const kc = ck(blockOf(s, i), s.type[i]!, s.canonId[i]!, fySlotOf(s, i));
    const before = canonKeys.size;
    const cg = canonKeys.add(kc);
    canonGroup[i] = cg;
    if (cg === before) canonFirst[cg] = s.cleanId[i]!;
    else if (canonFirst[cg] !== s.cleanId[i]) canonFirst[cg] = -2;
  }
  const g: number[] = [];
  for (let gi = 0; gi < groups.groupCount; gi += 1) {
    const head = groups.head[gi]!;
    if (groups.next[head] === -1) continue;
    sortByDoc(s, groups.list(head, g));
    let dupCount = 0;
    for (let j = 1; j < g.length; j += 1) {
      const later = g[j]!;
      let first = -1;
      for (let k = 0; k < j; k += 1) {
        const e = g[k]!;
        if (s.state[e] === FREE && withinTol(s, e, later, tol)) {
          first = e;
          break;
        }
      }
      if (first >= 0) {
        s.state[later] = EXCLUDED;
        s.category[later] = C_DUPLICATE;
        s.relatedRef.set(later, s.ref[first]!);
        s.sparse[later] = 1;
        dupCount += 1;
      } else {
        for (let k = 0; k < j; k += 1) if (s.state[g[k]!] === FREE) s.flags[g[k]!] = s.flags[g[k]!]! | F_DIFFERENT_AMOUNTS;
        s.flags[later] = s.flags[later]! | F_DIFFERENT_AMOUNTS;
      }
    }
    if (dupCount > 0) {
      warnings.push({
        code: 'duplicate_in_books',
        message: `${dupCount} duplicate books row(s) for ${it.gstinById[s.gstinId[g[0]!]!]!} number ${s.books[g[0]!]!.invoiceNumberRaw}`,
        rowRef: s.ref[g[0]!]!,
        count: dupCount,
      });
    }
  }
  for (let i = 0; i < nb; i += 1) {
    if (s.state[i] !== FREE || s.cleanId[i]! < 0) continue;
    if (canonFirst[canonGroup[i]!] === -2) s.flags[i] = s.flags[i]! | F_POSSIBLE_DUP;
  }
  // The phase's tables back to the lease for the phases after it.
  groups.release();
  canonKeys.release();
  run.tables.give(canonFirst);
  run.tables.give(canonGroup);
}
