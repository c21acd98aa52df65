/**
 * The api starts some workflows inside the request's transaction that writes their row (so a start
 * Temporal refuses commits nothing). Under load a workflow's first activity can run before that
 * commit and find no row. Such a read may retry for a while rather than conclude the row is gone.
 */
import { Context } from '@temporalio/activity';

/**
 * Attempts that may still find no row. With a retry policy starting at 2 s and doubling, the fifth
 * attempt starts about 30 s after the first (at 1 s, about 15 s): time enough for a slow commit.
 */
export const COMMIT_GRACE_ATTEMPTS = 5;

/**
 * Whether this activity attempt, having found no row, should retry: true until the last attempt the
 * grace allows (or the retry policy's last, if that comes sooner), so that attempt can still say so.
 */
export function withinCommitGrace(): boolean {
  const { attempt, retryPolicy } = Context.current().info;
  const policyMax = retryPolicy?.maximumAttempts;
  const last = policyMax && policyMax > 0 ? Math.min(policyMax, COMMIT_GRACE_ATTEMPTS) : COMMIT_GRACE_ATTEMPTS;
  return attempt < last;
}
