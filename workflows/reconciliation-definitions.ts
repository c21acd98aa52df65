/**
 * What the api and the reconciliation workflow share: the input, the progress query and its shape.
 * No imports of activities or I/O, so the api can use them without pulling in the workflow.
 */
import { defineQuery } from '@temporalio/workflow';

export type ReconciliationWorkflowInput = {
  firmId: string;
  runId: string;
  /** Tests shorten these; production uses the defaults. */
  timeouts?: { heartbeatSeconds?: number; matchMinutes?: number; initialRetrySeconds?: number; maximumAttempts?: number };
};

export type ReconciliationProgress = {
  status: 'queued' | 'running' | 'completed' | 'failed';
  /** Documents (books rows + portal documents) reconciled so far, of all in the run. */
  done: number;
  total: number;
};

export const reconciliationProgressQuery = defineQuery<ReconciliationProgress>('reconciliationProgress');

export const DEFAULT_RECONCILIATION_TIMEOUTS = { heartbeatSeconds: 60, matchMinutes: 60, initialRetrySeconds: 2, maximumAttempts: 5 };
