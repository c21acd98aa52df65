/**
 * A run of the matcher (docs/reconciliation.md, "Pools and pairing"): both sides into the columns,
 * then the phases (normalisation, special documents, passes, categories) in order, each its own
 * module taking the run's state, then the row plan and the result order. One-to-one, greedy,
 * ordered passes P1–P6 inside GSTIN blocks (PAN blocks for P6), deterministic whatever the input
 * order: both sides are ordered by a total order that does not depend on input position (GSTIN,
 * date, then rowRef / ref, which are unique), and every map is iterated in insertion order of that
 * sequence.
 */
import { keepShape } from '../kept-shapes';
import { TableLease } from '../table-pool';
import type { BooksRow, Issue, PortalDoc } from '../types';
import { supersedeAmendments } from './amendments';
import { aggregateBillsOfEntry } from './bills-of-entry';
import { MANUAL } from './codes';
import { cmpStr, Docs, pair } from './docs';
import { markDuplicates } from './duplicates';
import { fuzzyPasses } from './fuzzy-passes';
import { Groups, Interner } from './interning';
import { keyedPasses } from './keyed-passes';
import { hintsAndRejected } from './leftovers';
import { assignFySlots, normaliseBooks, normalisePortal, warnInvalidGstins } from './normalise-docs';
import { type MatchedRows, type MatchOptions, matchOptions, type MatchOutput, type ResultRow, type RowSink } from './options';
import { panPass } from './pan-pass';
import { RowKeys, sortResults, supplierNamesOf } from './result-order';
import { PlannedRows, Rows } from './row-builder';
import { planRows } from './row-plan';
import { Run } from './run-state';
import { applySupplierSignals } from './supplier-signals';

export function matchDocuments(
  booksIn: readonly BooksRow[],
  portalIn: readonly PortalDoc[],
  opts: Partial<MatchOptions> = {},
): MatchOutput {
  const { rows, rejected, warnings } = matchDocumentsInto(booksIn, portalIn, opts, null);
  const results = rows.between(0, rows.count);
  rows.release();
  return { results, rejected, warnings };
}

/**
 * The result row of a pair a user linked by hand (docs/reconciliation.md, "Manual decisions",
 * category `manual_match`): the same differences, flags and ITC effect the engine gives a pair,
 * whatever the passes would have done with the two documents.
 */
export function manualPairRow(books: BooksRow, portal: PortalDoc, opts: Partial<MatchOptions> = {}): ResultRow {
  const o = matchOptions(opts);
  const it = new Interner();
  const s = new Docs(1, 2, it.texts);
  normaliseBooks(s, it, [books]);
  normalisePortal(s, it, [{ ...portal, rejected: false }]);
  assignFySlots(s, 2);
  applySupplierSignals(new Run(s, it, o, 1, 2, [], [], new TableLease(), new TableLease()));
  pair(s, 0, 1, MANUAL);
  return new Rows(s, o, it.gstinById).pairRow(0, 1);
}

/**
 * matchDocuments that decides every result row without building it: each row's parts go to
 * `sink` as it is decided, the rows themselves come from `rows` when asked for, and each
 * supplier is named as a pass over the sorted rows would name it (`supplierNames`).
 */
export function matchDocumentsInto(
  booksIn: readonly BooksRow[],
  portalIn: readonly PortalDoc[],
  opts: Partial<MatchOptions>,
  sink: RowSink | null,
): { rows: MatchedRows; rejected: PortalDoc[]; warnings: Issue[]; supplierNames: Map<string, string> } {
  // Typed arrays from the table pool (table-pool.ts): the phases' tables go back when this
  // returns, the columns and the row order behind the rows when the result is released.
  const tables = new TableLease();
  const kept = new TableLease();
  try {
    return matchWith(booksIn, portalIn, matchOptions(opts), sink, tables, kept);
  } catch (error) {
    kept.release();
    throw error;
  } finally {
    tables.release();
  }
}

function matchWith(booksIn: readonly BooksRow[], portalIn: readonly PortalDoc[], o: MatchOptions, sink: RowSink | null,
  tables: TableLease, kept: TableLease): { rows: MatchedRows; rejected: PortalDoc[]; warnings: Issue[]; supplierNames: Map<string, string> } {
  const warnings: Issue[] = [];
  const it = new Interner(tables);

  // Both sides into the columns, then the phases (normalisation, special documents, passes,
  // categories) in order, each its own function (V8 optimises each phase's loops while they run; as
  // one function, every loop re-compiled it all).
  const nb = booksIn.length;
  const s = new Docs(nb, nb + portalIn.length, it.texts, kept);
  normaliseBooks(s, it, booksIn);
  const rejected = normalisePortal(s, it, portalIn);
  const end = nb + s.np;
  assignFySlots(s, end);
  const run = new Run(s, it, o, nb, end, warnings, rejected, tables, kept);
  warnInvalidGstins(run);
  aggregateBillsOfEntry(run);
  markDuplicates(run);
  supersedeAmendments(run);
  keyedPasses(run);
  fuzzyPasses(run);
  panPass(run);
  hintsAndRejected(run);
  applySupplierSignals(run);
  const plan = planRows(run, sink);
  const perm = sortResults(plan.count, plan.rowGstin, it.gstinById, new RowKeys(s.ref, plan.rowB, plan.rowP, plan.rowDay), tables, kept);
  const supplierNames = sink === null ? new Map<string, string>() : supplierNamesOf(s, perm, plan, it.gstinById);
  // The row keys' tables back to the lease (what is left of the match needs only the order).
  tables.give(plan.rowGstin);
  tables.give(plan.rowDay);
  // Warnings in a fixed order too (block iteration order depends on input order).
  warnings.sort(byWarning);
  return { rows: new PlannedRows(new Rows(s, o, it.gstinById), perm, plan.rowB, plan.rowP, kept), rejected, warnings, supplierNames };
}

function byWarning(x: Issue, y: Issue): number {
  return cmpStr(x.code, y.code) || cmpStr(x.rowRef ?? '', y.rowRef ?? '') || cmpStr(x.message, y.message);
}

// A run's columns, interner, hash groups, row keys and row builders die with it; their hidden
// classes must not, or each run re-compiles the engine (kept-shapes.ts).
{
  const it = keepShape(new Interner());
  const docs = keepShape(new Docs(0, 0, it.texts));
  keepShape(new Groups(0));
  keepShape(new Run(docs, it, matchOptions({}), 0, 0, [], [], new TableLease(), new TableLease()));
  keepShape(new RowKeys([], new Int32Array(0), new Int32Array(0), new Float64Array(0)));
  keepShape(new PlannedRows(keepShape(new Rows(docs, matchOptions({}), [])), new Int32Array(0), new Int32Array(0), new Int32Array(0), new TableLease()));
}
