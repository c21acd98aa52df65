/**
 * The vendor view (docs/reconciliation.md, "The report"): one line per supplier GSTIN, sorted by
 * ITC at risk, largest first — the CA's work list. Contact e-mail and follow-up status live outside
 * this pure module. The figures are summed by summary.ts's SummaryAccumulator (one path for the
 * engine's rows and for rows after manual decisions) into the per-supplier slots kept here.
 */
import { addHeadsInto, totalOfHeads, zeroHeads } from './amounts';
import { CATEGORIES, CATEGORY_INDEX, type Category } from './categories';
import { EFFECT, SIDE, sideTax } from './itc';
import type { ResultRow, SupplierSignal } from './match/options';

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

/*
 * Per supplier, the figures accumulate in growable typed arrays (slots in order of first
 * appearance): the eight amounts in a Float64Array, 64 bytes per supplier (one cache line), the
 * counts per category and side in an Int32Array. Rows arrive in document order, so each row
 * lands on a random supplier: with tens of thousands of suppliers the slots outgrow the caches,
 * and one 26-number Float64 slot per supplier cost a row three lines where this costs two. They
 * become SupplierSummary objects once, in `finish`:
 * the engine adds two lakh rows' worth of figures per lakh documents, and object fields, a map
 * per row and a sparse array of accumulators cost more than the additions themselves. Rows'
 * documents are read as sides (itc.ts: the same numbers the matcher hands over from its columns).
 */
const BOOKS_TAXABLE = 0;
const BOOKS_TAX = 1;
const PORTAL_TAXABLE = 2;
const PORTAL_TAX = 3;
const PORTAL_AVAILABLE_TAX = 4;
const AT_RISK = 5;
const MISSED = 6;
const MATCHED = 7;
/** Amounts per supplier (the eight above). */
const SLOT = 8;
const BOOKS_COUNTS = 0;
const PORTAL_COUNTS = CATEGORIES.length;
/** Counts per supplier (books, then portal, per category). */
const COUNT_SLOT = 2 * CATEGORIES.length;
const OUT_OF_SCOPE = CATEGORY_INDEX.get('out_of_scope')!;
const SUPERSEDED = CATEGORY_INDEX.get('superseded')!;

function countsOf(cells: Int32Array, at: number): Record<Category, number> {
  const r = {} as Record<Category, number>;
  for (let c = 0; c < CATEGORIES.length; c += 1) r[CATEGORIES[c]!] = cells[at + c]!;
  return r;
}

function effectTotal(e: Float64Array, at: number): number {
  return e[at]! + e[at + 1]! + e[at + 2]! + e[at + 3]!;
}

/**
 * Vendor-view order (docs/reconciliation.md, "The report"): ITC at risk, largest first, then GSTIN.
 */
function byRiskThenGstin(a: SupplierSummary, b: SupplierSummary): number {
  return b.itcAtRisk - a.itcAtRisk || (a.supplierGstin < b.supplierGstin ? -1 : a.supplierGstin > b.supplierGstin ? 1 : 0);
}

/** The per-supplier slots of the vendor view (slots in order of first appearance). */
export class SupplierTotals {
  private cells = new Float64Array(64 * SLOT);
  private counts = new Int32Array(64 * COUNT_SLOT);
  private readonly gstins: string[] = [];
  private readonly names: string[] = [];
  private readonly filed: (string | null)[] = [];
  private readonly slotOfGstin = new Map<string, number>();
  /** Slot per caller's supplier id (slotById); −1: not seen yet. */
  private slotOfId = new Int32Array(64).fill(-1);
  /** The previous row's supplier (rows in result order come supplier by supplier). */
  private lastGstin: string | null = null;
  private lastSlot = -1;

  constructor(private readonly signals?: Readonly<Record<string, SupplierSignal>>) {}

  /**
   * The name a row in result order leaves its supplier with: the portal's trade name (what the
   * supplier registered) whenever a row has one, else the first non-empty row name.
   */
  name(slot: number, portalName: string | undefined, rowName: string): void {
    if (portalName) this.names[slot] = portalName;
    else if (!this.names[slot] && rowName) this.names[slot] = rowName;
  }

  /**
   * A row's figures: its category's index in CATEGORIES, its two sides (itc.ts layout), the
   * portal document's filing date and its ITC effect (itc.ts EFFECT layout).
   */
  add(slot: number, c: number, books: Float64Array, portal: Float64Array, filingDate: string | null | undefined, effect: Float64Array): void {
    this.addAmounts(slot, c, books, portal, filingDate,
      effectTotal(effect, EFFECT.AT_RISK), effectTotal(effect, EFFECT.MISSED), effectTotal(effect, EFFECT.MATCHED));
  }

  finish(names?: ReadonlyMap<string, string>): SupplierSummary[] {
    const out: SupplierSummary[] = [];
    const cells = this.cells;
    for (let slot = 0; slot < this.gstins.length; slot += 1) {
      const at = slot * SLOT;
      const key = this.gstins[slot]!;
      const booksTax = cells[at + BOOKS_TAX]!;
      const portalTax = cells[at + PORTAL_TAX]!;
      const matched = cells[at + MATCHED]!;
      const available = cells[at + PORTAL_AVAILABLE_TAX]!;
      out.push({
        supplierGstin: key,
        supplierName: names ? (names.get(key) ?? '') : this.names[slot]!,
        booksCounts: countsOf(this.counts, slot * COUNT_SLOT + BOOKS_COUNTS),
        portalCounts: countsOf(this.counts, slot * COUNT_SLOT + PORTAL_COUNTS),
        booksTaxable: cells[at + BOOKS_TAXABLE]!,
        booksTax,
        portalTaxable: cells[at + PORTAL_TAXABLE]!,
        portalTax,
        taxDifference: booksTax - portalTax,
        itcAtRisk: cells[at + AT_RISK]!,
        itcMissed: cells[at + MISSED]!,
        itcMatched: matched,
        shareMatched: available !== 0 ? matched / available : null,
        lastFilingDate: this.filed[slot]!,
        signals: this.signals?.[key] ?? null,
      });
    }
    out.sort(byRiskThenGstin);
    return out;
  }

  private addAmounts(slot: number, c: number, books: Float64Array, portal: Float64Array, filingDate: string | null | undefined,
    atRisk: number, missed: number, matched: number): void {
    const cells = this.cells;
    const at = slot * SLOT;
    const counts = this.counts;
    const ct = slot * COUNT_SLOT + c;
    if (books[SIDE.PRESENT] === 1) {
      counts[ct + BOOKS_COUNTS] = counts[ct + BOOKS_COUNTS]! + 1;
      if (c !== OUT_OF_SCOPE) {
        const sign = books[SIDE.SIGN]!;
        cells[at + BOOKS_TAXABLE] = cells[at + BOOKS_TAXABLE]! + sign * books[SIDE.TAXABLE]!;
        cells[at + BOOKS_TAX] = cells[at + BOOKS_TAX]! + sign * sideTax(books);
      }
    }
    if (portal[SIDE.PRESENT] === 1) {
      counts[ct + PORTAL_COUNTS] = counts[ct + PORTAL_COUNTS]! + 1;
      if (c !== SUPERSEDED) {
        const sign = portal[SIDE.SIGN]!;
        const tax = sign * sideTax(portal);
        cells[at + PORTAL_TAXABLE] = cells[at + PORTAL_TAXABLE]! + sign * portal[SIDE.TAXABLE]!;
        cells[at + PORTAL_TAX] = cells[at + PORTAL_TAX]! + tax;
        if (portal[SIDE.ITC] === 1) cells[at + PORTAL_AVAILABLE_TAX] = cells[at + PORTAL_AVAILABLE_TAX]! + tax;
      }
      if (filingDate) {
        const last = this.filed[slot];
        if (last === null || filingDate > last!) this.filed[slot] = filingDate;
      }
    }
    cells[at + AT_RISK] = cells[at + AT_RISK]! + atRisk;
    cells[at + MISSED] = cells[at + MISSED]! + missed;
    cells[at + MATCHED] = cells[at + MATCHED]! + matched;
  }

  /** The slot of a small integer standing for `supplierGstin` (the engine's GSTIN id). */
  slotById(supplier: number, supplierGstin: string): number {
    if (supplier >= this.slotOfId.length) {
      const grown = new Int32Array(Math.max(supplier + 1, this.slotOfId.length * 2)).fill(-1);
      grown.set(this.slotOfId);
      this.slotOfId = grown;
    }
    let slot = this.slotOfId[supplier]!;
    if (slot < 0) {
      slot = this.slotOf(supplierGstin);
      this.slotOfId[supplier] = slot;
    }
    return slot;
  }

  /** The slot of a supplier GSTIN. */
  slotOf(key: string): number {
    if (key === this.lastGstin) return this.lastSlot;
    let slot = this.slotOfGstin.get(key);
    if (slot === undefined) {
      slot = this.gstins.length;
      this.gstins.push(key);
      this.names.push('');
      this.filed.push(null);
      this.slotOfGstin.set(key, slot);
      if ((slot + 1) * SLOT > this.cells.length) {
        const grown = new Float64Array(this.cells.length * 2);
        grown.set(this.cells);
        this.cells = grown;
        const counts = new Int32Array(this.counts.length * 2);
        counts.set(this.counts);
        this.counts = counts;
      }
    }
    this.lastGstin = key;
    this.lastSlot = slot;
    return slot;
  }
}

/** Tax heads helper kept here so report code can total a supplier's rows the same way. */
export function sumRowTax(rows: readonly ResultRow[], field: 'atRisk' | 'missed' | 'matched'): number {
  const acc = zeroHeads();
  for (const r of rows) addHeadsInto(acc, r.itc[field]);
  return totalOfHeads(acc);
}
