/**
 * Run summary (§12.1): counts and taxable/tax totals per category, separately for each side,
 * and the §11 ITC figures. Totals are signed paise (credit notes subtract).
 */
import { CATEGORIES, CATEGORY_INDEX, type Category } from './categories';
import { addItcRow, itcFiguresOf, newItcAccumulator, type ItcFigures } from './itc';
import type { MatchOptions, ResultRow } from './matcher';
import { signOf } from './normalise';
import { SupplierAccumulator, type SupplierSummary } from './supplier-summary';
import type { BooksRow, Issue, PortalDoc } from './types';

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
  /** IMS-rejected documents kept aside (§9.6). */
  rejected: SideTotals;
  itc: ItcFigures;
  options: MatchOptions;
  warningCount: number;
}

function zero(): SideTotals {
  return { count: 0, taxable: 0, tax: 0 };
}

/*
 * Counts and totals accumulate in typed arrays indexed by category (3 cells per category and
 * side) and become objects once at the end; head totals are read at their own property sites
 * (books rows and portal documents), not through a helper shared by every shape.
 */
function booksTax(d: BooksRow): number {
  return d.igst + d.cgst + d.sgst + d.cess;
}

function portalTax(d: PortalDoc): number {
  return d.igst + d.cgst + d.sgst + d.cess;
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

export function summariseRun(
  rows: readonly ResultRow[],
  rejected: readonly PortalDoc[],
  options: MatchOptions,
  warnings: readonly Issue[],
): RunSummary {
  const acc = new RunAccumulator();
  for (let i = 0; i < rows.length; i += 1) acc.add(rows[i]!);
  return acc.finish(rejected, options, warnings);
}

/**
 * What `reconcile` uses: the run summary and the vendor view accumulated while the matcher builds
 * each result row (its documents are still in cache then; a pass over lakhs of finished rows is
 * mostly cache misses). Rows arrive in build order; every figure is an order-independent sum of
 * integer paise, and the one order-dependent field, the supplier's name, comes from the sorted
 * results (`MatchOutput.supplierNames`). Same figures as summariseRun and summariseSuppliers.
 */
export class RunSummarySink {
  private readonly run = new RunAccumulator();
  private readonly suppliers: SupplierAccumulator;

  constructor(private readonly options: MatchOptions) {
    this.suppliers = new SupplierAccumulator(options.supplierSignals);
  }

  /** `supplier`: a small integer standing for `row.supplierGstin`. */
  add(row: ResultRow, supplier: number): void {
    this.run.add(row);
    this.suppliers.addUnordered(row, supplier);
  }

  finish(rejected: readonly PortalDoc[], warnings: readonly Issue[], names: ReadonlyMap<string, string>): { summary: RunSummary; suppliers: SupplierSummary[] } {
    return { summary: this.run.finish(rejected, this.options, warnings), suppliers: this.suppliers.finish(names) };
  }
}

/** summariseRun one row at a time (counts and totals per category and side, §11 ITC figures). */
class RunAccumulator {
  private readonly bAcc = new Float64Array(CATEGORIES.length * 3);
  private readonly pAcc = new Float64Array(CATEGORIES.length * 3);
  private readonly itc = newItcAccumulator();
  private booksRows = 0;

  add(row: ResultRow): void {
    const bAcc = this.bAcc;
    const pAcc = this.pAcc;
    const c = CATEGORY_INDEX.get(row.category)! * 3;
    const b = row.books;
    if (b) {
      const s = signOf(b.docType);
      // A result can stand for several source rows (aggregated bills of entry).
      const n = row.booksRowRefs.length;
      bAcc[c] = bAcc[c]! + n;
      bAcc[c + 1] = bAcc[c + 1]! + s * b.taxableValue;
      bAcc[c + 2] = bAcc[c + 2]! + s * booksTax(b);
      this.booksRows += n;
    }
    const p = row.portal;
    if (p) {
      const s = signOf(p.docType);
      pAcc[c] = pAcc[c]! + 1;
      pAcc[c + 1] = pAcc[c + 1]! + s * p.taxableValue;
      pAcc[c + 2] = pAcc[c + 2]! + s * portalTax(p);
    }
    addItcRow(this.itc, row);
  }

  finish(rejected: readonly PortalDoc[], options: MatchOptions, warnings: readonly Issue[]): RunSummary {
    const books = sideTable(this.bAcc);
    const portal = sideTable(this.pAcc);
    const rej = zero();
    for (const d of rejected) {
      const s = signOf(d.docType);
      rej.count += 1;
      rej.taxable += s * d.taxableValue;
      rej.tax += s * portalTax(d);
    }
    return {
      input: { booksRows: this.booksRows, portalDocuments: portal.all.count + rej.count },
      books,
      portal,
      rejected: rej,
      itc: itcFiguresOf(this.itc, rejected),
      options,
      warningCount: warnings.length,
    };
  }
}
