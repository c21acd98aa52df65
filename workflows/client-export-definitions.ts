/**
 * The client export workflow's contract: its id, input, status query and timeouts. Pure (Temporal
 * definitions only): the workflow, the api, the activities and the tests share it.
 */
import { defineQuery } from '@temporalio/workflow';

export const CLIENT_EXPORT_WORKFLOW = 'clientExportWorkflow';

/** One workflow per export request; the prefix finds every export of a client. */
export function clientExportWorkflowId(firmId: string, clientId: string, exportId: string): string {
  return `client-export:${firmId}:${clientId}:${exportId}`;
}

export type ClientExportInput = {
  firmId: string;
  clientId: string;
  exportId: string;
  /** From domain/data-protection.ts exportPlan, computed by the api and shown by it: the file is deleted then. */
  expiresAt: string;
};

export type ClientExportState = 'building' | 'ready' | 'failed' | 'expired';

export type ClientExportStatus = { exportId: string; state: ClientExportState; expiresAt: string; next: { step: 'expiry'; at: string } | null };

export const clientExportStatusQuery = defineQuery<ClientExportStatus>('status');

/** What the build activity reports (and stores on the export row). */
export type ClientExportBuilt = { exportId: string; sizeBytes: number; sha256: string; files: number };

export const CLIENT_EXPORT_TIMEOUTS = { buildMinutes: 120, heartbeatSeconds: 60 } as const;
