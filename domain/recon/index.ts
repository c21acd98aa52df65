/**
 * Public API of the reconciliation engine: pure functions, no I/O. Readers accept strings,
 * Buffers or async iterables of chunks so the activities layer decides where bytes come from.
 */
import { DEFAULT_MATCH_OPTIONS, matchDocumentsInto, type MatchOptions, type ResultRow } from './matcher';
import { RunSummarySink, type RunSummary } from './summary';
import type { SupplierSummary } from './supplier-summary';
import type { BooksRow, Issue, PortalDoc } from './types';

export interface ReconcileResult {
  results: ResultRow[];
  /** IMS-rejected documents, kept aside (§9.6). */
  rejected: PortalDoc[];
  summary: RunSummary;
  suppliers: SupplierSummary[];
  warnings: Issue[];
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
  const opts: MatchOptions = { ...DEFAULT_MATCH_OPTIONS, ...options };
  // The summaries accumulate while the rows are built (= summariseRun + summariseSuppliers).
  const sink = new RunSummarySink(opts);
  const { results, rejected, warnings, supplierNames } = matchDocumentsInto(books, portal, opts, sink);
  const { summary, suppliers } = sink.finish(rejected, warnings, supplierNames);
  return { results, rejected, summary, suppliers, warnings };
}

export * from './types';
export * from './categories';
export { DEFAULT_MATCH_OPTIONS, matchDocuments } from './matcher';
export type { MatchOptions, MatchOutput, ResultRow, Difference, SupplierSignal } from './matcher';
export { computeItcFigures, rowItc } from './itc';
export type { ItcFigures, RowItc, HeadsTotal } from './itc';
export { summariseRun } from './summary';
export type { RunSummary, SideTotals } from './summary';
export { summariseSuppliers } from './supplier-summary';
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
