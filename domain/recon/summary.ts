/**
 * Run summary (§12.1): counts and taxable/tax totals per category, separately for each side,
 * and the §11 ITC figures. Totals are signed paise (credit notes subtract).
 */
import { CATEGORIES, CATEGORY_INDEX, type Category } from './categories';
import {
  addItcParts, addItcRow, booksSide, itcEffectOfSides, itcFiguresOf, newItcAccumulator, newItcEffect, newSide, portalSide, SIDE,
  sideTax as itcSideTax, type ItcFigures,
} from './itc';
import { keepShape } from './kept-shapes';
import { matchOptions, type MatchOptions, type ResultRow, type RowSink } from './matcher';
import { signOf } from './normalise';
import { SupplierAccumulator, type SupplierSummary } from './supplier-summary';
import type { Heads, Issue, PortalDoc } from './types';

// Imported bindings used per row, read once into module constants: under tsx's CommonJS interop
// every read of an imported binding is two getter calls (README → Performance).
const { PRESENT: SIDE_PRESENT, SIGN: SIDE_SIGN, TAXABLE: SIDE_TAXABLE } = SIDE;
const effectOfSides = itcEffectOfSides;
const addEffect = addItcParts;
const sideTax = itcSideTax;

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
 * side) and become objects once at the end; rows' documents are read as sides (itc.ts), the
 * same numbers the matcher hands over from its columns.
 */
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
 * What `reconcile` uses: the run summary and the vendor view accumulated from each result row's
 * parts while the matcher decides the rows, without the rows being built (they are built later,
 * in batches, by whoever stores or shows them). Rows arrive in build order; every figure is an
 * order-independent sum of integer paise, and the one order-dependent field, the supplier's
 * name, comes from the sorted order (`supplierNames`). Same figures as summariseRun and
 * summariseSuppliers over the built rows (a unit test holds them to it).
 */
export class RunSummarySink implements RowSink {
  private readonly run = new RunAccumulator();
  private readonly suppliers: SupplierAccumulator;
  private readonly effect = newItcEffect();

  constructor(private readonly options: MatchOptions) {
    this.suppliers = new SupplierAccumulator(options.supplierSignals);
  }

  add(category: number, accepted: boolean, books: Float64Array, booksRows: number, portal: Float64Array,
    filingDate: string | undefined, amendment: Readonly<Heads> | null, supplier: number, supplierGstin: string): void {
    const e = this.effect;
    const has = effectOfSides(e, category, accepted, books, portal, this.options.amountTolerance);
    this.run.addSides(category, books, booksRows, portal);
    addEffect(this.run.itc, category, books, portal, e, has, amendment);
    this.suppliers.addSidesUnordered(supplier, supplierGstin, category, books, portal, filingDate, e);
  }

  finish(rejected: readonly PortalDoc[], warnings: readonly Issue[], names: ReadonlyMap<string, string>): { summary: RunSummary; suppliers: SupplierSummary[] } {
    return { summary: this.run.finish(rejected, this.options, warnings), suppliers: this.suppliers.finish(names) };
  }
}

const rowBooks = newSide();
const rowPortal = newSide();

/** summariseRun one row at a time (counts and totals per category and side, §11 ITC figures). */
class RunAccumulator {
  private readonly bAcc = new Float64Array(CATEGORIES.length * 3);
  private readonly pAcc = new Float64Array(CATEGORIES.length * 3);
  readonly itc = newItcAccumulator();
  private booksRows = 0;

  add(row: ResultRow): void {
    booksSide(rowBooks, row.books);
    portalSide(rowPortal, row.portal);
    // A result can stand for several source rows (aggregated bills of entry).
    this.addSides(CATEGORY_INDEX.get(row.category)!, rowBooks, row.booksRowRefs.length, rowPortal);
    addItcRow(this.itc, row);
  }

  /** Counts and totals of one row's two sides; `booksRows`: the source rows its books side stands for. */
  addSides(category: number, b: Float64Array, booksRows: number, p: Float64Array): void {
    const c = category * 3;
    if (b[SIDE_PRESENT] === 1) {
      const bAcc = this.bAcc;
      const s = b[SIDE_SIGN]!;
      bAcc[c] = bAcc[c]! + booksRows;
      bAcc[c + 1] = bAcc[c + 1]! + s * b[SIDE_TAXABLE]!;
      bAcc[c + 2] = bAcc[c + 2]! + s * sideTax(b);
      this.booksRows += booksRows;
    }
    if (p[SIDE_PRESENT] === 1) {
      const pAcc = this.pAcc;
      const s = p[SIDE_SIGN]!;
      pAcc[c] = pAcc[c]! + 1;
      pAcc[c + 1] = pAcc[c + 1]! + s * p[SIDE_TAXABLE]!;
      pAcc[c + 2] = pAcc[c + 2]! + s * sideTax(p);
    }
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

// A run's sink (with its run and supplier accumulators) dies with the run; its hidden classes must
// not (kept-shapes.ts).
keepShape(new RunSummarySink(matchOptions({})));
