/** Phase: hints on leftovers ("same number, opposite sign") and books rows whose document was rejected in IMS. */
import { fyStartYear } from '../dates';
import { billOfEntryKey, canonicalOnly, cleanKey } from '../normalise';
import type { PortalDoc } from '../types';
import { ANY_FY, BOE_BLOCK, ck, F_OPPOSITE_SIGN, F_REJECTED_IN_IMS, FAMILY, FAMILY_OF_CODE, FREE, OPPOSITE_FAMILY } from './codes';
import { addHint, blockOf } from './docs';
import { ensureCanon, Groups } from './interning';
import type { Run } from './run-state';

/** Hints and IMS-rejected look-ups on leftovers. */
export function hintsAndRejected(run: Run): void {
  const { s, it, nb, end, rejected } = run;
  let free = 0;
  for (let i = nb; i < end; i += 1) if (s.state[i] === FREE) free += 1;
  const leftPortal = new Groups(s.np, free, run.tables);
  for (let i = nb; i < end; i += 1) {
    if (s.state[i] !== FREE || s.canonId[i]! < 0) continue;
    leftPortal.add(ck(blockOf(s, i), FAMILY_OF_CODE[s.type[i]!]!, s.canonId[i]!, ANY_FY), i - nb);
  }
  const rejectedByKey = new Map<number, PortalDoc>();
  for (const r of rejected) {
    const clean = r.docType === 'bill_of_entry' ? billOfEntryKey(r.billOfEntryNumber || r.numberRaw) : cleanKey(r.numberRaw);
    if (clean === '') continue;
    const canon = r.docType === 'bill_of_entry' ? clean : canonicalOnly(clean, fyStartYear(r.date), it.canonScratch);
    const block = r.docType === 'bill_of_entry' ? BOE_BLOCK : it.gstin(r.supplierGstin) >> 1;
    const k = ck(block, FAMILY[r.docType], it.key(canon), ANY_FY);
    if (!rejectedByKey.has(k)) rejectedByKey.set(k, r);
  }
  for (let b = 0; b < nb; b += 1) {
    if (s.state[b] !== FREE || s.cleanId[b]! < 0) continue;
    ensureCanon(s, b, it);
    const fam = FAMILY_OF_CODE[s.type[b]!]!;
    const opp = OPPOSITE_FAMILY[fam]!;
    if (opp >= 0 && leftPortal.groupCount > 0) {
      for (let pi = leftPortal.headOf(ck(blockOf(s, b), opp, s.canonId[b]!, ANY_FY)); pi !== -1; pi = leftPortal.next[pi]!) {
        const p = nb + pi;
        addHint(s, b, 'same number, opposite sign');
        addHint(s, p, 'same number, opposite sign');
        s.flags[b] = s.flags[b]! | F_OPPOSITE_SIGN;
        s.flags[p] = s.flags[p]! | F_OPPOSITE_SIGN;
      }
    }
    if (rejectedByKey.size === 0) continue;
    const rej = rejectedByKey.get(ck(blockOf(s, b), fam, s.canonId[b]!, ANY_FY));
    if (rej) {
      s.flags[b] = s.flags[b]! | F_REJECTED_IN_IMS;
      s.relatedRef.set(b, rej.ref);
      s.sparse[b] = 1;
      addHint(s, b, 'document was rejected in IMS: reverse the credit or restore the document');
    }
  }
  leftPortal.release();
}
