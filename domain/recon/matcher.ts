/**
 * The matcher's public face. The engine itself lives in `./match`, one module per job (options and
 * result types, codes and layouts, the document columns, interning and grouping, the run, one
 * module per phase, the verdict, row planning, result order, the row builder): see
 * domain/recon/README.md for the map.
 */
export { DEFAULT_MATCH_OPTIONS, matchOptions } from './match/options';
export type { Difference, MatchedRows, MatchOptions, MatchOutput, ResultRow, RowDecision, RowSink, SupplierSignal } from './match/options';
export { manualPairRow, matchDocuments, matchDocumentsInto } from './match/run';
/** Heads of a canonical document (re-exported for report builders). */
export { headsOf } from './itc';
