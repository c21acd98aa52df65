/**
 * Reconciliation activities. `reconciliationMatchAndStore` does the run's database work in one
 * transaction: load both imports in batches, match, delete whatever an earlier attempt of this run
 * left, write results and supplier lines in batches, store the summary and mark the run completed.
 * A worker that dies (or shuts down) mid-run rolls that transaction back; the retry on another
 * worker starts from scratch and writes each result exactly once. Heartbeats between batches keep
 * the server informed and deliver cancellation (worker shutdown), which aborts the transaction.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { CATEGORIES, reconcile, type Category, type ReconcileResult } from '../domain/recon';
import { awaitWriterCommit, withinCommitGrace } from './commit-grace';
import { reapplyDecisions } from './reconciliation-decisions';
import { recordAuditEvent } from '../db/audit';
import { isPeriodClosedError } from '../db/db-errors';
import { deleteRunResults, insertSupplierRows, ResultRowTooLarge } from '../db/recon-rows';
import { writeResultRows, type WrittenRows } from './reconciliation-parts';
import { loadRunDocuments, type RunImports } from './reconciliation-load';
import { inFirmJobTransaction } from '../db/tenant';
import { PROGRESS_WEIGHTS, reconciliationProgressSignal } from '../workflows/reconciliation-definitions';

export type ReconciliationDeps = {
  knex: Knex;
  logger: Logger;
  /**
   * Runs after each batch's heartbeat, inside the activity (so it may use the activity's Context,
   * whose sleep a cancellation interrupts). Production passes none; a caller that must stop a run
   * half-way (a worker shut down mid-run) passes one that waits there.
   */
  afterBatch?: (details: Record<string, unknown>) => Promise<void>;
  /**
   * The most bytes one result row's COPY line may be (db/recon-rows.ts, `MAX_RESULT_LINE`, 256 MB).
   * Production passes none; a test lowers it rather than building a row of hundreds of MB.
   */
  maxResultLine?: number;
  /**
   * The fewest result rows written in two parts at once (reconciliation-parts.ts, `SPLIT_MIN`).
   * Production passes none; a test lowers it rather than building a run of twenty thousand rows.
   */
  splitMin?: number;
};

type RunRow = {
  id: string;
  client_id: string;
  period: string;
  status: string;
  register_import_id: string;
  gstr2b_import_id: string;
  options: { amountTolerance: number; dateWindowDays: number };
};

const JOB = 'reconciliation';
/** Warnings kept in the stored summary; the count of all of them is kept too. */
const MAX_STORED_WARNINGS = 100;


/**
 * A missing run. The first step waits for the api's transaction that inserts the run (and starts the
 * workflow inside it) to end before it reads; missing then, that transaction rolled back and it is
 * retried within the commit grace (a retried request writes the same run id). After that, and for a
 * later step (the run existed and vanished), a non-retryable failure.
 */
function runNotFound(runId: string, mayAppear: boolean): ApplicationFailure {
  if (mayAppear && withinCommitGrace()) return ApplicationFailure.retryable(`reconciliation run ${runId} is not visible yet`, 'RunNotYetVisible');
  return ApplicationFailure.nonRetryable(`reconciliation run ${runId} does not exist`, 'RunMissing');
}

async function loadRun(trx: Knex.Transaction, runId: string, options: { lock: boolean; mayAppear?: boolean }): Promise<RunRow> {
  const q = trx('reconciliation_runs').where({ id: runId }).first<RunRow | undefined>();
  // FOR NO KEY UPDATE: the steps of a run take turns, and rows referencing the run (results, decisions,
  // follow-ups) can still be written by a transaction holding the firm's audit lock (docs/architecture.md, "Locks").
  const run = await (options.lock ? q.forNoKeyUpdate() : q);
  if (!run) throw runNotFound(runId, options.mayAppear ?? false);
  return run;
}

/**
 * Loads both imports and matches them. The loader's two arrays of documents end with this call:
 * the engine keeps the documents in arrays of its own (the bills of entry it merges replace theirs
 * there), so holding the loader's through the writes kept a second reference per document, 8 bytes
 * each (docs/performance.md, "Memory").
 */
async function loadAndMatch(trx: Knex.Transaction, run: RunImports & RunRow, hooks: Parameters<typeof loadRunDocuments>[2]): Promise<{ matched: ReconcileResult; total: number }> {
  const { books, portal } = await loadRunDocuments(trx, run, hooks);
  return { matched: reconcile(books, portal, run.options), total: books.length + portal.length };
}

export function createReconciliationActivities(deps: ReconciliationDeps) {
  const { knex } = deps;

  /** Between batches: say we are alive, stop if cancelled (the transaction then rolls back). */
  async function checkpoint(details: Record<string, unknown>): Promise<void> {
    const ctx = Context.current();
    ctx.heartbeat(details);
    await deps.afterBatch?.(details);
    if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
  }

  /**
   * Tells the workflow how far the long step got, at most once a second. Best effort: without a
   * Temporal client (a mock environment) or when the signal fails, the run goes on regardless.
   */
  function progressReporter(total: number) {
    let last = 0;
    return (fraction: number) => {
      const now = Date.now();
      if (now - last < 1000 || total === 0) return;
      last = now;
      try {
        const ctx = Context.current();
        const workflowId = ctx.info.workflowExecution?.workflowId;
        if (!workflowId) return;
        void ctx.client.workflow
          .getHandle(workflowId)
          .signal(reconciliationProgressSignal, { done: Math.floor(total * Math.min(fraction, 1)) })
          .catch(() => undefined);
      } catch {
        // no client here: progress stays coarse
      }
    };
  }

  return {
    /** Marks the run running and counts its documents (books rows + portal documents). */
    async reconciliationPrepare(input: { firmId: string; runId: string }): Promise<{ total: number }> {
      // The first read: the run's creating transaction may not have ended yet (see runNotFound).
      await awaitWriterCommit(knex, input.runId);
      return inFirmJobTransaction(knex, input.firmId, JOB, async (trx) => {
        const run = await loadRun(trx, input.runId, { lock: true, mayAppear: true });
        const imports: Array<{ id: string; rows: number | null }> = await trx('imports').select('id', 'rows').whereIn('id', [run.register_import_id, run.gstr2b_import_id]);
        const total = imports.reduce((n, i) => n + (i.rows ?? 0), 0);
        if (run.status === 'queued' || run.status === 'failed') {
          await trx('reconciliation_runs').where({ id: run.id }).update({ status: 'running', progress_done: 0, progress_total: total, failure_reason: null, started_at: trx.fn.now(), updated_at: trx.fn.now() });
        }
        return { total };
      });
    },

    async reconciliationMatchAndStore(input: { firmId: string; runId: string }): Promise<{ results: number }> {
      const started = Date.now();
      try {
        return await inFirmJobTransaction(knex, input.firmId, JOB, async (trx) => {
          const run = await loadRun(trx, input.runId, { lock: true });
          if (run.status === 'completed') {
            // An earlier attempt committed but could not report back: nothing to redo.
            const counted = await trx('reconciliation_results').where({ run_id: run.id }).count({ n: '*' });
            return { results: Number(counted[0]?.n ?? 0) };
          }
          const documents = Number((await trx('imports').sum({ n: 'rows' }).whereIn('id', [run.register_import_id, run.gstr2b_import_id]))[0]?.n ?? 0);
          const report = progressReporter(documents);
          let booksLoaded = 0;
          const { matched, total } = await loadAndMatch(trx, { firmId: input.firmId, ...run }, {
            books: (done) => {
              booksLoaded = done;
              report((PROGRESS_WEIGHTS.load * done) / documents);
              return checkpoint({ phase: 'load_books', done });
            },
            portal: (done) => {
              report((PROGRESS_WEIGHTS.load * (booksLoaded + done)) / documents);
              return checkpoint({ phase: 'load_portal', done });
            },
          });
          // The client-period's manual decisions (docs/reconciliation.md) shape this run's rows as they did earlier runs'.
          const outcome = await reapplyDecisions(trx, run, matched);
          report(PROGRESS_WEIGHTS.load + PROGRESS_WEIGHTS.match);
          await checkpoint({ phase: 'matched', results: outcome.rowCount });

          const scope = { firmId: input.firmId, clientId: run.client_id, period: run.period, runId: run.id };
          // Rows an earlier attempt left (only a commit lost after the second part's, reconciliation-parts.ts) are rewritten on this connection alone.
          const leftovers = await deleteRunResults(trx, run.id);
          // Rows are built a batch at a time as they are written (the engine decided them all).
          const resultCounts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
          const rowCount = outcome.rowCount;
          let written: WrittenRows;
          let sums: Pick<typeof outcome, 'summary' | 'suppliers'>;
          try {
            written = await writeResultRows({
              knex,
              trx,
              job: JOB,
              scope,
              rows: {
                count: rowCount,
                between: (from, to) => outcome.rowsBetween(from, to).map((row) => {
                  resultCounts[row.category] += 1;
                  return { category: row.category, supplierGstin: row.supplierGstin, row };
                }),
              },
              onBatch: (done) => {
                report(PROGRESS_WEIGHTS.load + PROGRESS_WEIGHTS.match + (PROGRESS_WEIGHTS.store * done) / Math.max(rowCount, 1));
                return checkpoint({ phase: 'store', done, of: rowCount });
              },
              maxLine: deps.maxResultLine,
              split: leftovers === 0,
              splitMin: deps.splitMin,
            });
            // Read before the release: with manual decisions they are summed from the rows, and rows the
            // second part asked for out of order are summed again from the engine's tables (reconciliation-decisions.ts).
            sums = { summary: outcome.summary, suppliers: outcome.suppliers };
          } finally {
            // The engine's tables behind the rows go back to its pool for the worker's next run.
            outcome.release();
          }
          try {
            await insertSupplierRows(trx, scope, sums.suppliers.map((s) => ({ supplierGstin: s.supplierGstin, itcAtRisk: s.itcAtRisk, summary: s })));

            const summary = {
              run: sums.summary,
              resultCounts,
              results: rowCount,
              suppliers: sums.suppliers.length,
              rejectedInIms: outcome.rejected.length,
              warnings: outcome.warnings.slice(0, MAX_STORED_WARNINGS),
              warningCount: outcome.warnings.length,
              durationMs: Date.now() - started,
            };
            await trx('reconciliation_runs')
              .where({ id: run.id })
              .update({ status: 'completed', progress_done: total, progress_total: total, summary: JSON.stringify(summary), failure_reason: null, completed_at: trx.fn.now(), updated_at: trx.fn.now() });
            // The result rows have no row-level audit triggers (a lakh events per run); this is their one event.
            await recordAuditEvent(trx, {
              action: 'reconciliation.results_written',
              entityType: 'reconciliation',
              entityId: run.id,
              after: { results: rowCount, suppliers: sums.suppliers.length, resultCounts },
            });
            // The second part of the rows commits first, then this transaction, which makes the run complete.
            await written.finish(true);
          } finally {
            await written.finish(false);
          }
          deps.logger.info({ runId: run.id, results: rowCount, parts: written.parts, ms: Date.now() - started }, 'reconciliation stored');
          return { results: rowCount };
        });
      } catch (error) {
        if (isPeriodClosedError(error)) throw ApplicationFailure.nonRetryable('period_closed: the period was closed while the run was in progress', 'PeriodClosed');
        // The same inputs give the same row again: a retry would fail the same way. Its message
        // names the row's number and size, never its text.
        if (error instanceof ResultRowTooLarge) throw ApplicationFailure.nonRetryable(error.message, 'ResultRowTooLarge');
        throw error;
      }
    },

    /** Records why a run failed. Never touches a run that completed (a late failure report). */
    async reconciliationFailed(input: { firmId: string; runId: string; reason: string }): Promise<void> {
      await inFirmJobTransaction(knex, input.firmId, JOB, async (trx) => {
        const failed: unknown[] = await trx('reconciliation_runs')
          .where({ id: input.runId })
          .whereNot({ status: 'completed' })
          .update({ status: 'failed', failure_reason: input.reason.slice(0, 2000), updated_at: trx.fn.now() }, ['id']);
        // A failed run holds no rows: the second part of an attempt whose own commit was lost (reconciliation-parts.ts) goes too.
        if (failed.length > 0) await deleteRunResults(trx, input.runId);
      });
    },
  };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
