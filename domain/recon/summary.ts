/**
 * Run summary (docs/reconciliation.md, "The report"): counts and taxable/tax totals per category,
 * separately for each side, and the ITC figures (docs/reconciliation.md, "ITC figures"); and, from
 * the same rows, the vendor view (supplier-summary.ts). Totals are signed paise (credit notes
 * subtract).
 *
 * One accumulator (`SummaryAccumulator`) sums both, from one path: the engine hands it each row's
 * parts as it decides the rows (a `RowSink`: no row object is built), and the functions used
 * after manual decisions (`summariseRun`, `summariseSuppliers`, `computeItcFigures`) hand it built
 * rows, which `addRow` turns into the same parts. Every figure is an order-independent sum of
 * integer paise; the one order-dependent field, each supplier's name, comes from the rows in
 * result order (`addRow`) or from the sorted order the engine computes (`finishSuppliers(names)`).
 */
import { CATEGORIES, CATEGORY_INDEX, type Category } from './categories';
import {
  addItcParts, booksSide, effectOfRowItc, itcEffectOfSides, itcFiguresOf, type ItcFigures, type ItcRowLike, newItcAccumulator, newItcEffect,
  newSide, portalSide, SIDE, sideTax,
} from './itc';
import { keepShape } from './kept-shapes';
import { matchOptions, type MatchOptions, type ResultRow, type RowSink, type SupplierSignal } from './match/options';
import { signOf } from './normalise';
import { SupplierTotals, type SupplierSummary } from './supplier-summary';
import type { Heads, Issue, PortalDoc } from './types';

export interface SideTotals {
  count: number;
  taxable: number;
  tax: number;
}

export interface RunSummary {
  /** Input counts: every books row and portal document is accounted for exactly once. */
  input: { booksRows: number; portalDocuments: number };
  books: Record<Category, SideTotals> & { all: SideTotals };
  portal: Record<Category, SideTotals> & { all: SideTotals };
  /** IMS-rejected documents kept aside (docs/reconciliation.md, "Special documents"). */
  rejected: SideTotals;
  itc: ItcFigures;
  options: MatchOptions;
  warningCount: number;
}

function zero(): SideTotals {
  return { count: 0, taxable: 0, tax: 0 };
}

function sideTable(acc: Float64Array): Record<Category, SideTotals> & { all: SideTotals } {
  const t = {} as Record<Category, SideTotals>;
  const all = zero();
  for (let c = 0; c < CATEGORIES.length; c += 1) {
    const cell = { count: acc[c * 3]!, taxable: acc[c * 3 + 1]!, tax: acc[c * 3 + 2]! };
    t[CATEGORIES[c]!] = cell;
    all.count += cell.count;
    all.taxable += cell.taxable;
    all.tax += cell.tax;
  }
  return Object.assign(t, { all });
}

/**
 * The run summary and the vendor view, one row at a time. Counts and totals accumulate in typed
 * arrays indexed by category (3 cells per category and side), the ITC figures in one
 * accumulator, the vendor view per supplier slot; they become objects once, at the end.
 */
export class SummaryAccumulator implements RowSink {
  private readonly bAcc = new Float64Array(CATEGORIES.length * 3);
  private readonly pAcc = new Float64Array(CATEGORIES.length * 3);
  private readonly itc = newItcAccumulator();
  private booksRows = 0;
  private readonly suppliers: SupplierTotals;
  /** Work arrays: a row's effect and its two sides (rows are summed one at a time). */
  private readonly effect = newItcEffect();
  private readonly rowBooks = newSide();
  private readonly rowPortal = newSide();

  constructor(private readonly options: MatchOptions) {
    this.suppliers = new SupplierTotals(options.supplierSignals);
  }

  /**
   * A row as the engine decides it (RowSink): its sides from the matcher's columns, its effect
   * computed here. Rows arrive in build order; `supplier` is the engine's small id of the GSTIN.
   */
  add(category: number, accepted: boolean, books: Float64Array, booksRows: number, portal: Float64Array,
    filingDate: string | undefined, amendment: Readonly<Heads> | null, supplier: number, supplierGstin: string): void {
    const has = itcEffectOfSides(this.effect, category, accepted, books, portal, this.options.amountTolerance);
    this.addParts(category, books, booksRows, portal, has, amendment);
    this.suppliers.add(this.suppliers.slotById(supplier, supplierGstin), category, books, portal, filingDate, this.effect);
  }

  /** A built row (after manual decisions, or from storage), in result order: the same parts, its effect as the row carries it. */
  addRow(row: ItcRowLike & Pick<ResultRow, 'booksRowRefs' | 'supplierGstin' | 'supplierName'>): void {
    const books = this.rowBooks;
    const portal = this.rowPortal;
    booksSide(books, row.books);
    portalSide(portal, row.portal);
    const category = CATEGORY_INDEX.get(row.category)!;
    const has = effectOfRowItc(this.effect, row.itc);
    const amendment = row.amendmentDelta && row.amendmentOfEarlierPeriod ? row.amendmentDelta : null;
    // A result can stand for several source rows (aggregated bills of entry).
    this.addParts(category, books, row.booksRowRefs.length, portal, has, amendment);
    const slot = this.suppliers.slotOf(row.supplierGstin);
    this.suppliers.name(slot, row.portal?.supplierName, row.supplierName);
    this.suppliers.add(slot, category, books, portal, row.portal?.supplierFilingDate, this.effect);
  }

  /**
   * Counts, totals and ITC figures of one row's parts; `booksRows`: the source rows its books side
   * stands for.
   */
  private addParts(category: number, b: Float64Array, booksRows: number, p: Float64Array, has: number, amendment: Readonly<Heads> | null): void {
    const c = category * 3;
    if (b[SIDE.PRESENT] === 1) {
      const bAcc = this.bAcc;
      const s = b[SIDE.SIGN]!;
      bAcc[c] = bAcc[c]! + booksRows;
      bAcc[c + 1] = bAcc[c + 1]! + s * b[SIDE.TAXABLE]!;
      bAcc[c + 2] = bAcc[c + 2]! + s * sideTax(b);
      this.booksRows += booksRows;
    }
    if (p[SIDE.PRESENT] === 1) {
      const pAcc = this.pAcc;
      const s = p[SIDE.SIGN]!;
      pAcc[c] = pAcc[c]! + 1;
      pAcc[c + 1] = pAcc[c + 1]! + s * p[SIDE.TAXABLE]!;
      pAcc[c + 2] = pAcc[c + 2]! + s * sideTax(p);
    }
    addItcParts(this.itc, category, b, p, this.effect, has, amendment);
  }

  /** The ITC figures so far (plus the IMS-rejected documents kept aside). */
  finishItc(rejected: readonly PortalDoc[]): ItcFigures {
    return itcFiguresOf(this.itc, rejected);
  }

  finishRun(rejected: readonly PortalDoc[], warnings: readonly Issue[]): RunSummary {
    const books = sideTable(this.bAcc);
    const portal = sideTable(this.pAcc);
    const rej = zero();
    for (const d of rejected) {
      const s = signOf(d.docType);
      rej.count += 1;
      rej.taxable += s * d.taxableValue;
      rej.tax += s * (d.igst + d.cgst + d.sgst + d.cess);
    }
    return {
      input: { booksRows: this.booksRows, portalDocuments: portal.all.count + rej.count },
      books,
      portal,
      rejected: rej,
      itc: this.finishItc(rejected),
      options: this.options,
      warningCount: warnings.length,
    };
  }

  /** The vendor view; `names`: each supplier's name from the sorted order (the engine's), else the names addRow saw. */
  finishSuppliers(names?: ReadonlyMap<string, string>): SupplierSummary[] {
    return this.suppliers.finish(names);
  }
}

export function summariseRun(
  rows: readonly ResultRow[],
  rejected: readonly PortalDoc[],
  options: MatchOptions,
  warnings: readonly Issue[],
): RunSummary {
  const acc = new SummaryAccumulator(options);
  for (let i = 0; i < rows.length; i += 1) acc.addRow(rows[i]!);
  return acc.finishRun(rejected, warnings);
}

/** The vendor view of rows in result order (docs/reconciliation.md, "The report"). */
export function summariseSuppliers(
  rows: readonly ResultRow[],
  signals?: Readonly<Record<string, SupplierSignal>>,
): SupplierSummary[] {
  const acc = new SummaryAccumulator(matchOptions({ supplierSignals: signals }));
  for (let i = 0; i < rows.length; i += 1) acc.addRow(rows[i]!);
  return acc.finishSuppliers();
}

/** The ITC figures over result rows (and the IMS-rejected documents kept aside). */
export function computeItcFigures(rows: readonly (ItcRowLike & Pick<ResultRow, 'booksRowRefs' | 'supplierGstin' | 'supplierName'>)[],
  rejected: readonly PortalDoc[]): ItcFigures {
  const acc = new SummaryAccumulator(matchOptions({}));
  for (let i = 0; i < rows.length; i += 1) acc.addRow(rows[i]!);
  return acc.finishItc(rejected);
}

// A run's accumulator dies with the run; its hidden classes must not (kept-shapes.ts).
keepShape(new SummaryAccumulator(matchOptions({})));
