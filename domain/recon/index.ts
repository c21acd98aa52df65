/**
 * Public API of the reconciliation engine: pure functions, no I/O. Readers accept strings,
 * Buffers or async iterables of chunks so the activities layer decides where bytes come from.
 */
import { matchDocumentsInto, matchOptions, type MatchedRows, type MatchOptions, type ResultRow } from './matcher';
import { SummaryAccumulator, type RunSummary } from './summary';
import type { SupplierSummary } from './supplier-summary';
import type { BooksRow, Issue, PortalDoc } from './types';

export interface ReconcileResult {
  /**
   * Every result row in result order (docs/reconciliation.md, "The report"). The engine decides
   * every row and sums the summaries without building row objects; this builds them all on first
   * read and keeps them. A writer that streams batches uses `rowsBetween` instead and never holds
   * them all.
   */
  readonly results: ResultRow[];
  /** How many result rows there are (without building them). */
  readonly rowCount: number;
  /** Result rows [from, to) in result order, built for this call (or sliced once `results` was read). */
  rowsBetween(from: number, to: number): ResultRow[];
  /**
   * Done with the rows: the engine's tables behind them go back to its pool for the next run
   * (table-pool.ts). Reading rows not built yet fails after this; reading `results` builds them
   * all and releases by itself. Without a call the tables are left to the garbage collector.
   */
  release(): void;
  /** IMS-rejected documents, kept aside (docs/reconciliation.md, "Special documents"). */
  readonly rejected: PortalDoc[];
  readonly summary: RunSummary;
  readonly suppliers: SupplierSummary[];
  readonly warnings: Issue[];
}

/**
 * A reconcile() result. `results` is an own enumerable property (a getter that builds the rows
 * once), so spreading, JSON and deep equality see the rows like any other field.
 */
class Reconciliation implements ReconcileResult {
  declare readonly results: ResultRow[];
  readonly rowCount: number;
  #rows: MatchedRows | null;
  #built: ResultRow[] | null;

  constructor(
    rows: MatchedRows | ResultRow[],
    readonly rejected: PortalDoc[],
    readonly summary: RunSummary,
    readonly suppliers: SupplierSummary[],
    readonly warnings: Issue[],
  ) {
    this.#rows = Array.isArray(rows) ? null : rows;
    this.#built = Array.isArray(rows) ? rows : null;
    this.rowCount = Array.isArray(rows) ? rows.length : rows.count;
    Object.defineProperty(this, 'results', { enumerable: true, get: () => this.all() });
  }

  private all(): ResultRow[] {
    if (this.#built === null) {
      if (this.#rows === null) throw new Error('the rows of this reconciliation were released');
      this.#built = this.#rows.between(0, this.rowCount);
      this.release();
    }
    return this.#built;
  }

  rowsBetween(from: number, to: number): ResultRow[] {
    if (this.#built !== null) return this.#built.slice(from, to);
    if (this.#rows === null) throw new Error('the rows of this reconciliation were released');
    return this.#rows.between(from, to);
  }

  release(): void {
    this.#rows?.release();
    this.#rows = null;
  }
}

/** A ReconcileResult over rows already built (e.g. after manual decisions changed some). */
export function reconcileResultOf(
  results: ResultRow[], rejected: PortalDoc[], summary: RunSummary, suppliers: SupplierSummary[], warnings: Issue[],
): ReconcileResult {
  return new Reconciliation(results, rejected, summary, suppliers, warnings);
}

/**
 * Reconcile canonical books rows against canonical portal documents (GSTR-2B `docdata` plus
 * `docRejdata` marked `rejected`). Same input (in any order) → identical output.
 */
export function reconcile(
  books: readonly BooksRow[],
  portal: readonly PortalDoc[],
  options: Partial<MatchOptions> = {},
): ReconcileResult {
  const opts = matchOptions(options);
  // The summaries are summed from each row's parts as the matcher decides it, by the accumulator
  // summariseRun and summariseSuppliers use over built rows (one path, the same figures).
  const sink = new SummaryAccumulator(opts);
  const { rows, rejected, warnings, supplierNames } = matchDocumentsInto(books, portal, opts, sink);
  return new Reconciliation(rows, rejected, sink.finishRun(rejected, warnings), sink.finishSuppliers(supplierNames), warnings);
}

export * from './types';
export * from './categories';
export * from './labels';
export { DEFAULT_MATCH_OPTIONS, matchDocuments, matchOptions } from './matcher';
export type { MatchOptions, MatchOutput, ResultRow, Difference, SupplierSignal } from './matcher';
export { rowItc } from './itc';
export type { ItcFigures, RowItc, HeadsTotal } from './itc';
export { computeItcFigures, summariseRun, summariseSuppliers } from './summary';
export type { RunSummary, SideTotals } from './summary';
export type { SupplierSummary } from './supplier-summary';
export * from './amounts';
export * from './dates';
export * from './hsn';
export * from './normalise';
// Readers without Node built-ins or heavy dependencies (safe for any importer, workflows included).
export { parseGstr2b, readGstr2b, mergeGstr2bResults } from './gstr2b-reader';
export type { Gstr2bReadResult, Gstr2bReadOptions, Gstr2bExpectations, SectionTotals } from './gstr2b-reader';
export { readGstr2a } from './gstr2a-reader';
export type { Gstr2aReadResult } from './gstr2a-reader';
export { sniffContent } from './sniff';
export type { SniffKind, SniffResult } from './sniff';
// The register reader (csv-parse, exceljs, node:stream) is imported from './register-reader'
// directly, so that importing the engine never drags those into a Temporal workflow bundle.
