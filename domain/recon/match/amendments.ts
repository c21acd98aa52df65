/**
 * Phase: amendments supersede the originals they replace (docs/reconciliation.md, "Special
 * documents").
 */
import { NumIndex } from '../num-index';
import { signOf } from '../normalise';
import { C_SUPERSEDED, CG, ck, CS, DOC_TYPE_BY_CODE, EXCLUDED, F_AMENDED, FAMILY, FAMILY_OF_CODE, FREE, IG, MONEY_STRIDE, SG } from './codes';
import { amountAt, blockOf, cmpDoc, cmpStr, dayOf, type Docs } from './docs';
import type { Run } from './run-state';
import { sortWith } from './sort';

/** The 2B period that carried portal document i. */
function periodOf(s: Docs, i: number): string {
  return s.portal[i - s.nb]!.period;
}

/** Key of the document an amendment replaces (its date is compared separately). */
function origKeyOf(s: Docs, a: number): number {
  const ot = s.portal[a - s.nb]!.original?.docType;
  return ck(blockOf(s, a), ot ? FAMILY[ot] : FAMILY_OF_CODE[s.type[a]!]!, s.oCleanId[s.orig[a]!]!, 0);
}

function byPeriodThenDoc(s: Docs, x: number, y: number): number {
  return cmpStr(periodOf(s, x), periodOf(s, y)) || cmpDoc(s, x, y);
}

/** Sorts portal documents by 2B period, then in document order. */
function sortByPeriod(s: Docs, docs: number[]): void {
  sortWith(docs, s, byPeriodThenDoc);
}

/** Amendments supersede originals (docs/reconciliation.md, "Special documents"). */
export function supersedeAmendments(run: Run): void {
  const { s, nb, end } = run;
  const amendments: number[] = [];
  for (let i = nb; i < end; i += 1) if (s.orig[i]! >= 0 && s.oCleanId[s.orig[i]!]! >= 0) amendments.push(i);
  if (amendments.length > 0) {
    sortByPeriod(s, amendments);
    const wanted = new NumIndex(amendments.length, run.tables);
    for (const a of amendments) wanted.add(origKeyOf(s, a));
    const byKey: number[][] = [];
    for (let i = nb; i < end; i += 1) {
      if (s.cleanId[i]! < 0) continue;
      const w = wanted.find(ck(blockOf(s, i), FAMILY_OF_CODE[s.type[i]!]!, s.cleanId[i]!, 0));
      if (w < 0) continue;
      const g = byKey[w];
      if (g) g.push(i);
      else byKey[w] = [i];
    }
    for (const g of byKey) if (g) sortByPeriod(s, g);
    for (const a of amendments) {
      s.flags[a] = s.flags[a]! | F_AMENDED;
      const ap = s.portal[a - nb]!;
      const g = byKey[wanted.find(origKeyOf(s, a))];
      let orig = -1;
      if (g) {
        for (const c of g) {
          if (c !== a && s.state[c] === FREE && dayOf(s, c) === s.oDay[s.orig[a]!] && periodOf(s, c) <= ap.period) {
            orig = c;
            break;
          }
        }
      }
      if (orig < 0) continue;
      s.state[orig] = EXCLUDED;
      s.category[orig] = C_SUPERSEDED;
      s.relatedRef.set(orig, ap.ref);
      s.relatedRef.set(a, s.ref[orig]!);
      s.sparse[orig] = 1;
      s.sparse[a] = 1;
      const sa = signOf(DOC_TYPE_BY_CODE[s.type[a]!]!);
      const so = signOf(DOC_TYPE_BY_CODE[s.type[orig]!]!);
      const am = a * MONEY_STRIDE;
      const om = orig * MONEY_STRIDE;
      s.amendmentDelta.set(a, {
        igst: sa * amountAt(s, am + IG) - so * amountAt(s, om + IG),
        cgst: sa * amountAt(s, am + CG) - so * amountAt(s, om + CG),
        sgst: sa * amountAt(s, am + SG) - so * amountAt(s, om + SG),
        cess: sa * amountAt(s, am + CS) - so * amountAt(s, om + CS),
      });
      s.amendmentOfEarlierPeriod.set(a, periodOf(s, orig) < ap.period);
    }
    wanted.release();
  }
  for (let i = nb; i < end; i += 1) if (s.orig[i]! >= 0 && s.oCleanId[s.orig[i]!]! < 0) s.flags[i] = s.flags[i]! | F_AMENDED;
}
