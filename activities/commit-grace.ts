/**
 * The api starts some workflows inside the request's transaction that writes their row (so a start
 * Temporal refuses commits nothing). Their first step first waits for that transaction to end
 * (`awaitWriterCommit`, an advisory lock the writer holds: db/row-commit.ts), so it never takes an
 * open transaction for a missing row. A row still missing after that was rolled back; the step may
 * then retry for a few attempts (the grace), as a retried request may write it again under the same
 * id (a reconciliation run's id comes from its workflow id).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { awaitRowCommit, RowCommitPending } from '../db/row-commit';

/**
 * Attempts that may still find no row once its writer ended. With a retry policy starting at 2 s
 * and doubling, the fifth attempt starts about 30 s after the first (at 1 s, about 15 s).
 */
export const COMMIT_GRACE_ATTEMPTS = 5;

/** The longest one attempt waits for the writer: well inside the step's start-to-close timeout. */
export const WRITER_WAIT_MAX_MS = 30_000;

/**
 * Waits until no transaction writing `rowId` is open. A writer still open after the wait (at most
 * half the attempt's time, and WRITER_WAIT_MAX_MS) fails the attempt retryably: the step waits again
 * on its next attempt rather than concluding anything.
 */
export async function awaitWriterCommit(knex: Knex, rowId: string): Promise<void> {
  const { startToCloseTimeoutMs } = Context.current().info;
  const timeoutMs = Math.min(WRITER_WAIT_MAX_MS, startToCloseTimeoutMs > 0 ? startToCloseTimeoutMs / 2 : WRITER_WAIT_MAX_MS);
  try {
    await awaitRowCommit(knex, rowId, timeoutMs);
  } catch (error) {
    if (error instanceof RowCommitPending) throw ApplicationFailure.retryable(error.message, 'RowCommitPending');
    throw error;
  }
}

/**
 * Whether this activity attempt, having found no row after its writer ended, should retry: true
 * until the last attempt the grace allows (or the retry policy's last, if sooner), so that attempt
 * can still say so.
 */
export function withinCommitGrace(): boolean {
  const { attempt, retryPolicy } = Context.current().info;
  const policyMax = retryPolicy?.maximumAttempts;
  const last = policyMax && policyMax > 0 ? Math.min(policyMax, COMMIT_GRACE_ATTEMPTS) : COMMIT_GRACE_ATTEMPTS;
  return attempt < last;
}
