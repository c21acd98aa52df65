/**
 * A run's result rows written in two parts at once, each over its own connection, so that two
 * PostgreSQL backends (two cores) parse and insert them side by side: one backend is CPU-bound on
 * the write, which was the run's longest stage (docs/performance.md, "End to end").
 *
 * The run's own transaction writes the first half; a second transaction of the same firm and job
 * (row-level security and the period lock apply to it as to any write of the firm) writes the
 * second half and then waits. The run's transaction goes on to its suppliers, summary, status and
 * audit event, and only as its last step tells the second part to commit, then commits itself:
 *
 * - **Never visible before the run is complete.** Results are served only for a completed run
 *   (`requireCompleted`), and the run is marked completed in the run's transaction, which commits
 *   after the second part. A failure of either part before that point rolls both back: the part
 *   that failed stops the other at its next batch, and the second part never commits unless told.
 * - **A commit that fails after the second part's** (the connection lost between the two commits)
 *   leaves the second half stored for a run that is not completed. The run's next attempt finds
 *   those rows, deletes them and writes every row on its own connection (a second connection would
 *   wait on the rows' keys that the run's transaction has deleted but not committed, while that
 *   transaction waits for it); a run that fails for good deletes them with its failure
 *   (`reconciliationFailed`). The table's key (firm, run, seq) holds at most one row per position.
 * - **Locks.** The second part takes no lock the run's transaction holds: its inserts' check of
 *   their run (migration 043's, once a statement) locks it `FOR KEY SHARE`, as the foreign key it
 *   replaced did, which the run's `FOR NO KEY UPDATE` (and its later
 *   update of the run's status) does not block, and the result rows have no audit trigger, so it
 *   never waits for the firm's audit lock that the run's transaction holds at its end
 *   (docs/architecture.md, "Locks").
 * - **The pool.** A run that holds one connection and waits for a second could wait for ever if
 *   every connection were held by runs doing the same: the second part is used only when the pool
 *   can lend a connection at once, and otherwise the run writes all of its rows itself, as before.
 */
import type { Knex } from 'knex';
import { insertResultRows, type BatchHook, type ResultSource, type RowScope } from '../db/recon-rows';
import { inFirmJobTransaction } from '../db/tenant';

/** Fewer rows than this are written on one connection: a second one would cost more than it saves (about four chunks). */
export const SPLIT_MIN = 20_000;

/** The end of a write: commits the second part (`true`) or rolls it back, once it has ended; calls after the first do nothing. */
export type WrittenRows = { finish(commit: boolean): Promise<void>; parts: 1 | 2 };

type TarnPool = { numFree(): number; numUsed(): number; numPendingAcquires(): number; numPendingCreates(): number; max: number };

/** Whether the pool can lend a connection now, without waiting for one to come back. */
export function spareConnection(knex: Knex): boolean {
  const pool = (knex.client as { pool?: TarnPool }).pool;
  if (!pool || pool.numPendingAcquires() > 0) return false;
  return pool.numFree() > 0 || pool.numUsed() + pool.numPendingCreates() < pool.max;
}

/** The second part's transaction ends without committing: the run's transaction said so. */
class PartAbandoned extends Error {}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // awaited by whoever needs it; not unhandled meanwhile
  return { promise, resolve, reject };
}

export type ResultRowsWrite = {
  knex: Knex;
  /** The run's transaction: it writes the first part (or all of the rows). */
  trx: Knex.Transaction;
  /** The job the second part's transaction is audited as (the run's). */
  job: string;
  scope: RowScope & { runId: string };
  rows: ResultSource;
  /** Progress: the rows handed over by both parts together. */
  onBatch: BatchHook;
  maxLine?: number;
  /** False when the run's transaction deleted rows of an earlier attempt: one connection then. */
  split: boolean;
  /** `SPLIT_MIN` unless given (lower only in tests). */
  splitMin?: number;
};

/**
 * Writes the run's result rows, in two parts when they are many and a connection is spare. The
 * caller must call `finish` as the last step of the run's transaction (`true`), or with `false`
 * when that transaction fails; the run's transaction must not end before `finish` has resolved.
 */
export async function writeResultRows(w: ResultRowsWrite): Promise<WrittenRows> {
  const { knex, trx, scope, rows, onBatch } = w;
  const count = rows.count;
  if (!w.split || count < (w.splitMin ?? SPLIT_MIN) || !spareConnection(knex)) {
    await insertResultRows(trx, scope, rows, onBatch, w.maxLine);
    return { finish: async () => undefined, parts: 1 };
  }
  const half = Math.ceil(count / 2);
  let doneFirst = 0;
  let doneSecond = 0;
  let failure: { error: unknown } | null = null;
  const word = deferred<boolean>();
  const written = deferred<void>();
  const second = inFirmJobTransaction(knex, scope.firmId, w.job, async (part) => {
    await insertResultRows(part, scope, rows, async (done) => {
      doneSecond = done;
      if (failure) throw failure.error;
      await onBatch(doneFirst + doneSecond);
    }, w.maxLine, { from: half, to: count });
    written.resolve();
    if (!(await word.promise)) throw new PartAbandoned();
  });
  const ended = second.then(() => undefined, (error: unknown) => {
    if (!(error instanceof PartAbandoned)) failure ??= { error };
    written.reject(error);
  });
  let finished = false;
  const finish = async (commit: boolean): Promise<void> => {
    if (finished) return;
    finished = true;
    word.resolve(commit);
    await ended;
    if (commit && failure) throw failure.error;
  };
  try {
    await insertResultRows(trx, scope, rows, async (done) => {
      doneFirst = done;
      if (failure) throw failure.error;
      await onBatch(doneFirst + doneSecond);
    }, w.maxLine, { from: 0, to: half });
    await written.promise;
  } catch (error) {
    failure ??= { error };
    await finish(false);
    throw failure.error;
  }
  return { finish, parts: 2 };
}
