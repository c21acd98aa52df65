/**
 * The vendor view (§12.3): one line per supplier GSTIN, sorted by ITC at risk, largest first —
 * the CA's work list. Contact e-mail and follow-up status live outside this pure module.
 */
import { addHeadsInto, totalOfHeads, zeroHeads } from './amounts';
import { CATEGORIES, CATEGORY_INDEX, type Category } from './categories';
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
  return countsOf(new Float64Array(CATEGORIES.length));
}

interface Acc {
  s: SupplierSummary;
  portalAvailableTax: number;
  /** Counts per category in CATEGORIES order (the records are filled in by `finish`). */
  booksCounts: Float64Array;
  portalCounts: Float64Array;
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
    booksCounts: new Float64Array(CATEGORIES.length),
    portalCounts: new Float64Array(CATEGORIES.length),
  };
}


function countsOf(counts: Float64Array): Record<Category, number> {
  const r = {} as Record<Category, number>;
  for (let c = 0; c < CATEGORIES.length; c += 1) r[CATEGORIES[c]!] = counts[c]!;
  return r;
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
  private readonly byId: (Acc | undefined)[] = [];

  constructor(private readonly signals?: Readonly<Record<string, SupplierSignal>>) {}

  /** Add a row; rows come in result order (§12.2), which decides the supplier's name. */
  add(row: ResultRow): void {
    const acc = this.accOf(row.supplierGstin);
    const s = acc.s;
    // Prefer the portal's trade name (what the supplier registered), else the books ledger name.
    if (row.portal?.supplierName) s.supplierName = row.portal.supplierName;
    else if (!s.supplierName && row.supplierName) s.supplierName = row.supplierName;
    this.addAmounts(acc, row);
  }

  /**
   * Add a row in any order: everything but the name, which `finish` then takes from `names`
   * (the name `add` would have ended with, from rows in result order: see supplierNamesOf).
   * `supplier` is a small integer standing for `row.supplierGstin` (the matcher's GSTIN id).
   */
  addUnordered(row: ResultRow, supplier: number): void {
    let acc = this.byId[supplier];
    if (acc === undefined) {
      acc = this.accOf(row.supplierGstin);
      this.byId[supplier] = acc;
    }
    this.addAmounts(acc, row);
  }

  private accOf(key: string): Acc {
    let acc = this.acc;
    if (acc === undefined || acc.s.supplierGstin !== key) {
      acc = this.map.get(key);
      if (!acc) {
        acc = newAcc(key, this.signals);
        this.map.set(key, acc);
      }
      this.acc = acc;
    }
    return acc;
  }

  private addAmounts(acc: Acc, row: ResultRow): void {
    const s = acc.s;
    const portal = row.portal;
    const books = row.books;
    const c = CATEGORY_INDEX.get(row.category)!;
    if (books) {
      acc.booksCounts[c] = acc.booksCounts[c]! + 1;
      if (row.category !== 'out_of_scope') {
        const sign = signOf(books.docType);
        s.booksTaxable += sign * books.taxableValue;
        s.booksTax += sign * booksTax(books);
      }
    }
    if (portal) {
      acc.portalCounts[c] = acc.portalCounts[c]! + 1;
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

  finish(names?: ReadonlyMap<string, string>): SupplierSummary[] {
    const out: SupplierSummary[] = [];
    for (const { s, portalAvailableTax, booksCounts, portalCounts } of this.map.values()) {
      if (names) s.supplierName = names.get(s.supplierGstin) ?? '';
      s.booksCounts = countsOf(booksCounts);
      s.portalCounts = countsOf(portalCounts);
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
