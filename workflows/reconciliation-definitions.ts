/**
 * What the api and the reconciliation workflow share: the input, the progress query and its shape.
 * No imports of activities or I/O, so the api can use them without pulling in the workflow.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const RECONCILIATION_WORKFLOW = 'reconciliationWorkflow';

export type ReconciliationWorkflowInput = {
  firmId: string;
  runId: string;
  /** Tests shorten these; production uses the defaults. */
  timeouts?: { heartbeatSeconds?: number; matchMinutes?: number; initialRetrySeconds?: number; maximumAttempts?: number };
};

export type ReconciliationWorkflowResult = { runId: string; status: 'completed'; results: number; total: number };

export type ReconciliationProgress = {
  status: 'queued' | 'running' | 'completed' | 'failed';
  /** Documents (books rows + portal documents) reconciled so far, of all in the run. */
  done: number;
  total: number;
};

export const reconciliationProgressQuery = defineQuery<ReconciliationProgress>('reconciliationProgress');

/**
 * The match-and-store activity reports how far it got (load 40 %, match 10 %, store 50 % of the
 * documents), so the progress query moves during the one long step rather than jumping at its end.
 */
export const reconciliationProgressSignal = defineSignal<[{ done: number }]>('reconciliationProgressUpdate');

/** Progress weights of the long step's phases (they add up to 1). */
export const PROGRESS_WEIGHTS = { load: 0.4, match: 0.1, store: 0.5 } as const;

export const DEFAULT_RECONCILIATION_TIMEOUTS = { heartbeatSeconds: 60, matchMinutes: 60, initialRetrySeconds: 2, maximumAttempts: 5 };
