/**
 * The client erasure workflow's contract: its id (one per client, so a double request finds the
 * same workflow), input, status query and the shapes its steps report. Pure: the workflow, the api,
 * the activities and the tests share it.
 */
import { defineQuery } from '@temporalio/workflow';

export const CLIENT_ERASURE_WORKFLOW = 'clientErasureWorkflow';

export function clientErasureWorkflowId(firmId: string, clientId: string): string {
  return `client-erasure:${firmId}:${clientId}`;
}

/**
 * The memo key of the erasure's run token: every run is started with its record's `run_token` in its
 * memo (the api's starts and a firm deletion's children alike), so a request, a status read or the
 * run itself can tell which decision a run belongs to (api/data-protection/erasure-run.ts).
 */
export const ERASURE_RUN_TOKEN_MEMO = 'erasureRunToken';

export type ClientErasureInput = {
  firmId: string;
  clientId: string;
  erasureId: string;
  /** How long the client's running workflows get to end after cancellation before they are terminated. */
  cancelGraceSeconds?: number;
};

export type ErasureStep = 'stopping_workflows' | 'deleting_data' | 'deleting_files' | 'certifying' | 'completed' | 'failed';

export type ClientErasureStatus = { erasureId: string; step: ErasureStep; stoppedWorkflows: number; failure: string | null };

export const clientErasureStatusQuery = defineQuery<ClientErasureStatus>('status');

export type StoppedWorkflows = { cancelled: string[]; terminated: string[] };

/** What the deletion step committed (domain/data-protection.ts). */
export type { ErasureDeleted } from '../domain/data-protection';

export const DEFAULT_CANCEL_GRACE_SECONDS = 60;
