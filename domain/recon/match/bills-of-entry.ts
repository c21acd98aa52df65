/**
 * Phase: bills of entry, books rows aggregated per BOE number (docs/reconciliation.md, "Special
 * documents").
 */
import { CG, CS, FREE, IG, MERGED, MONEY_FIELDS, MONEY_STRIDE, SG, T_BOE, TX } from './codes';
import { amountAt, putAmount, taxOf } from './docs';
import { sortByDoc } from './pairing';
import type { Run } from './run-state';

/**
 * Bills of entry: aggregate books rows per BOE number (docs/reconciliation.md, "Special
 * documents").
 */
export function aggregateBillsOfEntry(run: Run): void {
  const { s, nb } = run;
  const byBoe = new Map<number, number[]>();
  for (let i = 0; i < nb; i += 1) {
    if (s.state[i] !== FREE || s.type[i] !== T_BOE || s.cleanId[i]! < 0) continue;
    const g = byBoe.get(s.cleanId[i]!);
    if (g) g.push(i);
    else byBoe.set(s.cleanId[i]!, [i]);
  }
  for (const g of byBoe.values()) {
    if (g.length < 2) continue;
    sortByDoc(s, g);
    const head = g[0]!;
    const h = head * MONEY_STRIDE;
    const refs = new Array<string>(g.length);
    for (let j = 0; j < g.length; j += 1) refs[j] = s.ref[g[j]!]!;
    s.rowRefs.set(head, refs);
    s.sparse[head] = 1;
    // The tax summed line by line, each line's own sum added (as the record's tax slot was).
    let tax = taxOf(s, head);
    for (let j = 1; j < g.length; j += 1) {
      const d = g[j]! * MONEY_STRIDE;
      for (let k = 0; k < MONEY_FIELDS; k += 1) putAmount(s, h + k, amountAt(s, h + k) + amountAt(s, d + k));
      tax += taxOf(s, g[j]!);
      s.state[g[j]!] = MERGED; // merged into head: no result row of its own
    }
    s.boeTax.set(head, tax);
    // The result row shows the aggregate; keep the first row's descriptive fields.
    s.books[head] = {
      ...s.books[head]!, taxableValue: amountAt(s, h + TX), igst: amountAt(s, h + IG), cgst: amountAt(s, h + CG), sgst: amountAt(s, h + SG),
      cess: amountAt(s, h + CS),
    };
  }
}
