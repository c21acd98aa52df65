/**
 * A run re-applies the manual decisions (docs/reconciliation.md, "Manual decisions") its client and period collected on earlier runs,
 * oldest first, before its rows are stored. Without decisions the engine's output is stored as is;
 * with them the summaries are recomputed from the final rows, and decisions whose documents
 * changed are reported as one warning.
 *
 * The engine's rows are built a batch at a time, never all at once (at 10 lakh a side every row
 * as an object is more than the documents and the engine's tables together; docs/performance.md,
 * "Memory"): one pass finds the rows the decisions name, the decisions are applied to those rows
 * only, and the stored rows read the engine's other rows batch by batch. The summaries are summed
 * from the final rows as the writer asks for them in order (the write is the second and last time
 * the rows are built), or by a pass of their own if they are read before the rows are all out.
 */
import type { Knex } from 'knex';
import {
  matchOptions, type Issue, type MatchOptions, type PortalDoc, type ReconcileResult, type ResultRow, type RunSummary, type SupplierSummary,
} from '../domain/recon';
import { applyDecisionSlots, booksDocKey, portalDocKey, type StoredDecision } from '../domain/recon/manual';
import { SummaryAccumulator } from '../domain/recon/summary';

type DecisionRow = {
  id: string;
  action: StoredDecision['action'];
  note: string | null;
  created_by_email: string;
  created_at: Date;
  books_key: string | null;
  portal_key: string | null;
};

/** Engine rows built per step while looking for the decisions' rows and summing the final rows. */
const BATCH = 2000;

export async function reapplyDecisions(
  trx: Knex.Transaction,
  run: { client_id: string; period: string; options: Partial<MatchOptions> },
  outcome: ReconcileResult,
): Promise<ReconcileResult> {
  const rows: DecisionRow[] = await trx('reconciliation_decisions')
    .select('id', 'action', 'note', 'created_by_email', 'created_at', 'books_key', 'portal_key')
    .where({ client_id: run.client_id, period: run.period })
    .whereNull('revoked_at')
    .orderBy([{ column: 'created_at' }, { column: 'id' }]);
  if (rows.length === 0) return outcome;
  const decisions: StoredDecision[] = rows.map((r) => ({
    id: r.id, action: r.action, note: r.note, by: r.created_by_email, at: new Date(r.created_at).toISOString(),
    booksKey: r.books_key, portalKey: r.portal_key,
  }));
  return applyDecisionsInBatches(outcome, decisions, matchOptions(run.options ?? {}));
}

/**
 * The engine's result with the decisions applied, as applyDecisions over all its rows would give
 * it (same rows in the same order, same summaries), holding only the rows the decisions name.
 *
 * applyDecisions looks rows up only by the decisions' own document keys, each at the first row in
 * result order that carries it, so applying the decisions to those first rows alone (in result
 * order) changes exactly the rows it would change; every other row stays the engine's.
 */
export function applyDecisionsInBatches(outcome: ReconcileResult, decisions: readonly StoredDecision[], options: MatchOptions): ReconcileResult {
  const booksKeys = new Set<string>();
  const portalKeys = new Set<string>();
  for (const d of decisions) {
    if (d.booksKey !== null) booksKeys.add(d.booksKey);
    if (d.portalKey !== null) portalKeys.add(d.portalKey);
  }
  // The first row carrying each decision key, in result order (no further once all are found).
  const named: number[] = [];
  const namedRows: ResultRow[] = [];
  for (let from = 0; from < outcome.rowCount && booksKeys.size + portalKeys.size > 0; from += BATCH) {
    const batch = outcome.rowsBetween(from, Math.min(outcome.rowCount, from + BATCH));
    for (let k = 0; k < batch.length; k += 1) {
      const row = batch[k]!;
      let take = false;
      if (row.books && booksKeys.delete(booksDocKey(row.books))) take = true;
      if (row.portal && portalKeys.delete(portalDocKey(row.portal))) take = true;
      if (take) {
        named.push(from + k);
        namedRows.push(row);
      }
    }
  }
  const { slots, stale } = applyDecisionSlots(namedRows, decisions, options);
  const warnings: Issue[] = stale.length === 0 ? outcome.warnings : [...outcome.warnings, {
    code: 'manual_decision_stale',
    message: `${stale.length} earlier manual decision(s) no longer apply: their documents changed or are gone`,
    count: stale.length,
  }];
  const decided = new DecidedRows(outcome, named, slots, options);
  return decided.result(outcome.rejected, warnings);
}

/**
 * The final rows: the engine's, with the rows standing where each named engine row stood (none,
 * one or two) in its place. Built a range at a time from the engine's rows.
 */
class DecidedRows {
  readonly rowCount: number;

  constructor(
    private readonly engine: ReconcileResult,
    /** Engine row numbers the decisions named, ascending. */
    private readonly named: readonly number[],
    /** The rows standing in each named row's place. */
    private readonly slots: readonly ResultRow[][],
    options: MatchOptions,
  ) {
    let count = engine.rowCount;
    for (const s of slots) count += s.length - 1;
    this.rowCount = count;
    this.runSums = new SummaryAccumulator(options);
    this.vendorSums = new SummaryAccumulator(matchOptions({ supplierSignals: options.supplierSignals }));
  }

  /**
   * The summaries as summariseRun and summariseSuppliers sum them: every final row in result
   * order. `summed` rows have been added so far; rows handed out in order are added as they go.
   */
  private readonly runSums: SummaryAccumulator;
  private readonly vendorSums: SummaryAccumulator;
  private summed = 0;

  /** Adds the rows of `out` (final rows from `from`) that follow the last row summed. */
  private sum(from: number, out: readonly ResultRow[]): void {
    if (from > this.summed || from + out.length <= this.summed) return;
    for (let j = this.summed - from; j < out.length; j += 1) {
      this.runSums.addRow(out[j]!);
      this.vendorSums.addRow(out[j]!);
    }
    this.summed = from + out.length;
  }

  /** Sums the rows not summed yet (a pass of their own): the summaries were asked for first. */
  private sumRest(): void {
    while (this.summed < this.rowCount) this.rowsBetween(this.summed, Math.min(this.rowCount, this.summed + BATCH));
  }

  /** The engine row at final position `at`, and the position inside its slot (0 for a row not named). */
  private locate(at: number): { row: number; inSlot: number } {
    let shift = 0;
    for (let k = 0; k < this.named.length; k += 1) {
      const start = this.named[k]! + shift;
      if (at < start) break;
      const len = this.slots[k]!.length;
      if (at < start + len) return { row: this.named[k]!, inSlot: at - start };
      shift += len - 1;
    }
    return { row: at - shift, inSlot: 0 };
  }

  rowsBetween(from: number, to: number): ResultRow[] {
    const out: ResultRow[] = [];
    if (from >= to) return out;
    let { row, inSlot } = this.locate(from);
    // The first named row at or after `row`.
    let k = 0;
    while (k < this.named.length && this.named[k]! < row) k += 1;
    while (out.length < to - from && row < this.engine.rowCount) {
      const upTo = Math.min(this.engine.rowCount, row + Math.max(to - from - out.length, 1));
      const batch = this.engine.rowsBetween(row, upTo);
      for (let j = 0; j < batch.length && out.length < to - from; j += 1, row += 1) {
        if (k < this.named.length && this.named[k] === row) {
          const slot = this.slots[k]!;
          for (let m = inSlot; m < slot.length && out.length < to - from; m += 1) out.push(slot[m]!);
          k += 1;
        } else {
          out.push(batch[j]!);
        }
        inSlot = 0;
      }
    }
    this.sum(from, out);
    return out;
  }

  result(rejected: PortalDoc[], warnings: Issue[]): ReconcileResult {
    let built: ResultRow[] | null = null;
    let sums: { summary: RunSummary; suppliers: SupplierSummary[] } | null = null;
    const finished = () => {
      if (sums === null) {
        this.sumRest();
        sums = { summary: this.runSums.finishRun(rejected, warnings), suppliers: this.vendorSums.finishSuppliers() };
      }
      return sums;
    };
    const all = (): ResultRow[] => {
      if (built === null) {
        // As the engine's result does: all rows built once and kept, its tables given back.
        built = this.rowsBetween(0, this.rowCount);
        finished();
        this.engine.release();
      }
      return built;
    };
    return {
      get results(): ResultRow[] {
        return all();
      },
      rowCount: this.rowCount,
      rowsBetween: (from, to) => (built !== null ? built.slice(from, to) : this.rowsBetween(from, to)),
      // Read the summaries before this unless every row was handed out: they need the rows.
      release: () => this.engine.release(),
      rejected,
      get summary(): RunSummary {
        return finished().summary;
      },
      get suppliers(): SupplierSummary[] {
        return finished().suppliers;
      },
      warnings,
    };
  }
}
