/**
 * The nightly retention run's contract: workflow name, id, input and result. Pure and I/O-free:
 * the scheduler, the api, the workflow and the activities share it.
 *
 * The id is the Indian calendar day (`retention-2026-11-20`), started with REJECT_DUPLICATE, so two
 * schedulers, or a restart, run a day once. Each firm's part is idempotent as well: a second run of
 * the same day finds nothing due (the purged items are recorded) and deletes nothing.
 */
import type { RetentionTotals } from '../domain/retention';

export type { RetentionTotals };

export const RETENTION_WORKFLOW = 'retentionWorkflow';

/** Items purged per activity call: keeps each call short and its result small. */
export const RETENTION_BATCH = 50;

export type RetentionInput = { day: string };

export type FirmRetentionResult = {
  firmId: string;
  runId: string | null;
  status: 'completed' | 'failed';
  /** Everything the firm's run of this day has purged (a second run of the day reports the first one's too). */
  totals: RetentionTotals | null;
  /** Items purged by this execution (0 when a second run of the day finds everything done). */
  purgedNow: number;
  /** Items found not closed any more when their turn came (reopened since the plan): left alone. */
  skipped: number;
  failure: string | null;
};

export type RetentionResult = { day: string; firms: FirmRetentionResult[] };

export type RetentionBatchResult = { purged: number; alreadyPurged: number; skipped: number; more: boolean };

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function isRetentionDay(value: string): boolean {
  return DAY.test(value);
}

/** The Indian calendar day of a scheduler tick. */
export function retentionDay(tick: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(tick);
}

export function retentionWorkflowId(day: string): string {
  if (!isRetentionDay(day)) throw new Error(`not a day: ${day}`);
  return `retention-${day}`;
}
