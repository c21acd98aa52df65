/**
 * The vendor view (§12.3): one line per supplier GSTIN, sorted by ITC at risk, largest first —
 * the CA's work list. Contact e-mail and follow-up status live outside this pure module.
 */
import { addHeadsInto, totalOfHeads, zeroHeads } from './amounts';
import { CATEGORIES, type Category } from './categories';
import type { ResultRow, SupplierSignal } from './matcher';
import type { BooksRow, Heads, PortalDoc } from './types';
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

interface Acc {
  s: SupplierSummary;
  portalAvailableTax: number;
}

function newAcc(key: string, signals?: Readonly<Record<string, SupplierSignal>>): Acc {
  return {
    s: {
      supplierGstin: key, supplierName: '', booksCounts: zeroCounts(), portalCounts: zeroCounts(),
      booksTaxable: 0, booksTax: 0, portalTaxable: 0, portalTax: 0, taxDifference: 0,
      itcAtRisk: 0, itcMissed: 0, itcMatched: 0, shareMatched: null, lastFilingDate: null,
      signals: signals?.[key] ?? null,
    },
    portalAvailableTax: 0,
  };
}

/*
 * Head totals are read at their own property sites (books rows, portal documents, row-level
 * heads): a helper shared by all those shapes goes megamorphic and dominated this loop. Rows
 * arrive sorted by supplier (§12.2), so the previous row's accumulator is reused before the map
 * is consulted.
 */
function booksTax(d: BooksRow): number {
  return d.igst + d.cgst + d.sgst + d.cess;
}
function portalTax(d: PortalDoc): number {
  return d.igst + d.cgst + d.sgst + d.cess;
}
function headsTotal(h: Readonly<Heads>): number {
  return h.igst + h.cgst + h.sgst + h.cess;
}

export function summariseSuppliers(
  rows: readonly ResultRow[],
  signals?: Readonly<Record<string, SupplierSignal>>,
): SupplierSummary[] {
  const acc = new SupplierAccumulator(signals);
  for (let i = 0; i < rows.length; i += 1) acc.add(rows[i]!);
  return acc.finish();
}

/** summariseSuppliers one row at a time, for callers that sum rows in a loop of their own. */
export class SupplierAccumulator {
  private readonly map = new Map<string, Acc>();
  private acc: Acc | undefined;

  constructor(private readonly signals?: Readonly<Record<string, SupplierSignal>>) {}

  add(row: ResultRow): void {
    let acc = this.acc;
    const key = row.supplierGstin;
    if (acc === undefined || acc.s.supplierGstin !== key) {
      acc = this.map.get(key);
      if (!acc) {
        acc = newAcc(key, this.signals);
        this.map.set(key, acc);
      }
      this.acc = acc;
    }
    const s = acc.s;
    const portal = row.portal;
    const books = row.books;
    // Prefer the portal's trade name (what the supplier registered), else the books ledger name.
    if (portal?.supplierName) s.supplierName = portal.supplierName;
    else if (!s.supplierName && row.supplierName) s.supplierName = row.supplierName;
    if (books) {
      s.booksCounts[row.category] += 1;
      if (row.category !== 'out_of_scope') {
        const sign = signOf(books.docType);
        s.booksTaxable += sign * books.taxableValue;
        s.booksTax += sign * booksTax(books);
      }
    }
    if (portal) {
      s.portalCounts[row.category] += 1;
      if (row.category !== 'superseded') {
        const sign = signOf(portal.docType);
        s.portalTaxable += sign * portal.taxableValue;
        s.portalTax += sign * portalTax(portal);
        if (portal.itcAvailable) acc.portalAvailableTax += sign * portalTax(portal);
      }
      const f = portal.supplierFilingDate;
      if (f && (s.lastFilingDate === null || f > s.lastFilingDate)) s.lastFilingDate = f;
    }
    const itc = row.itc;
    s.itcAtRisk += headsTotal(itc.atRisk);
    s.itcMissed += headsTotal(itc.missed);
    s.itcMatched += headsTotal(itc.matched);
  }

  finish(): SupplierSummary[] {
    const out: SupplierSummary[] = [];
    for (const { s, portalAvailableTax } of this.map.values()) {
      s.taxDifference = s.booksTax - s.portalTax;
      s.shareMatched = portalAvailableTax !== 0 ? s.itcMatched / portalAvailableTax : null;
      out.push(s);
    }
    out.sort((a, b) => b.itcAtRisk - a.itcAtRisk || (a.supplierGstin < b.supplierGstin ? -1 : a.supplierGstin > b.supplierGstin ? 1 : 0));
    return out;
  }
}

/** Tax heads helper kept here so report code can total a supplier's rows the same way. */
export function sumRowTax(rows: readonly ResultRow[], field: 'atRisk' | 'missed' | 'matched'): number {
  const acc = zeroHeads();
  for (const r of rows) addHeadsInto(acc, r.itc[field]);
  return totalOfHeads(acc);
}
