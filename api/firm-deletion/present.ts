/** Firm deletions as the API shows them (docs/data-export-and-erasure.md, "Deleting a whole firm"). */
import type { JWK } from 'jose';

export type FirmDeletionRow = {
  id: string;
  firm_id: string;
  workflow_id: string;
  status: 'scheduled' | 'cancelled' | 'running' | 'completed' | 'failed';
  requested_via: 'firm_admin' | 'operator';
  reason: string;
  requested_by: string | null;
  requested_at: Date;
  execute_after: Date;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  started_at: Date | null;
  certificate: unknown;
  certificate_jws: string | null;
  certificate_sent_at: Date | null;
  failure_reason: string | null;
  completed_at: Date | null;
};

/** What the firm can still take out before the deletion: its clients and which of them have a downloaded export. */
export type ExportOffer = { clients: number; exported: number; clientsWithoutExport: string[] };

export function presentFirmDeletion(row: FirmDeletionRow, publicKey: JWK | null, exportOffer?: ExportOffer) {
  return {
    deletionId: row.id,
    workflowId: row.workflow_id,
    status: row.status,
    reason: row.reason,
    requestedVia: row.requested_via,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    /** The end of the cooling-off period: the deletion starts then unless a firm admin cancels it. */
    executeAfter: row.execute_after,
    cancelledAt: row.cancelled_at,
    cancelledBy: row.cancelled_by,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    failureReason: row.failure_reason,
    ...(exportOffer ? { exports: exportOffer } : {}),
    certificate: row.certificate,
    certificateJws: row.certificate_jws,
    certificateKey: row.certificate_jws ? publicKey : null,
    /** When the certificate was emailed to the admin who asked (the address is not kept after). */
    certificateSentAt: row.certificate_sent_at,
  };
}
