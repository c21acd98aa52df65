/**
 * The vendor view (§12.3): one line per supplier GSTIN, sorted by ITC at risk, largest first —
 * the CA's work list. Contact e-mail and follow-up status live outside this pure module.
 */
import { addHeadsInto, totalOfHeads, zeroHeads } from './amounts';
import { CATEGORIES, type Category } from './categories';
import type { ResultRow, SupplierSignal } from './matcher';
import { signOf } from './normalise';

export interface SupplierSummary {
  supplierGstin: string;
  supplierName: string;
  booksCounts: Record<Category, number>;
  portalCounts: Record<Category, number>;
  /** Signed paise (credit notes subtract), superseded and out-of-scope rows excluded. */
  booksTaxable: number;
  booksTax: number;
  portalTaxable: number;
  portalTax: number;
  /** booksTax − portalTax. */
  taxDifference: number;
  itcAtRisk: number;
  itcMissed: number;
  itcMatched: number;
  /** itcMatched / available portal tax, 0..1 (null when the portal shows no available tax). */
  shareMatched: number | null;
  /** Latest `supfildt` seen on this supplier's portal documents (ISO). */
  lastFilingDate: string | null;
  signals: SupplierSignal | null;
}

function zeroCounts(): Record<Category, number> {
  return Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
}

export function summariseSuppliers(
  rows: readonly ResultRow[],
  signals?: Readonly<Record<string, SupplierSignal>>,
): SupplierSummary[] {
  const map = new Map<string, SupplierSummary & { portalAvailableTax: number }>();
  for (const row of rows) {
    const key = row.supplierGstin;
    let s = map.get(key);
    if (!s) {
      s = {
        supplierGstin: key, supplierName: '', booksCounts: zeroCounts(), portalCounts: zeroCounts(),
        booksTaxable: 0, booksTax: 0, portalTaxable: 0, portalTax: 0, taxDifference: 0,
        itcAtRisk: 0, itcMissed: 0, itcMatched: 0, shareMatched: null, lastFilingDate: null,
        signals: signals?.[key] ?? null, portalAvailableTax: 0,
      };
      map.set(key, s);
    }
    // Prefer the portal's trade name (what the supplier registered), else the books ledger name.
    if (row.portal?.supplierName) s.supplierName = row.portal.supplierName;
    else if (!s.supplierName && row.supplierName) s.supplierName = row.supplierName;
    if (row.books) {
      s.booksCounts[row.category] += 1;
      if (row.category !== 'out_of_scope') {
        const sign = signOf(row.books.docType);
        s.booksTaxable += sign * row.books.taxableValue;
        s.booksTax += sign * totalOfHeads(row.books);
      }
    }
    if (row.portal) {
      s.portalCounts[row.category] += 1;
      if (row.category !== 'superseded') {
        const sign = signOf(row.portal.docType);
        s.portalTaxable += sign * row.portal.taxableValue;
        s.portalTax += sign * totalOfHeads(row.portal);
        if (row.portal.itcAvailable) s.portalAvailableTax += sign * totalOfHeads(row.portal);
      }
      const f = row.portal.supplierFilingDate;
      if (f && (s.lastFilingDate === null || f > s.lastFilingDate)) s.lastFilingDate = f;
    }
    s.itcAtRisk += totalOfHeads(row.itc.atRisk);
    s.itcMissed += totalOfHeads(row.itc.missed);
    s.itcMatched += totalOfHeads(row.itc.matched);
  }
  const out: SupplierSummary[] = [];
  for (const s of map.values()) {
    const { portalAvailableTax, ...rest } = s;
    rest.taxDifference = rest.booksTax - rest.portalTax;
    rest.shareMatched = portalAvailableTax !== 0 ? rest.itcMatched / portalAvailableTax : null;
    out.push(rest);
  }
  out.sort((a, b) => b.itcAtRisk - a.itcAtRisk || (a.supplierGstin < b.supplierGstin ? -1 : a.supplierGstin > b.supplierGstin ? 1 : 0));
  return out;
}

/** Tax heads helper kept here so report code can total a supplier's rows the same way. */
export function sumRowTax(rows: readonly ResultRow[], field: 'atRisk' | 'missed' | 'matched'): number {
  const acc = zeroHeads();
  for (const r of rows) addHeadsInto(acc, r.itc[field]);
  return totalOfHeads(acc);
}
