/** Exports and erasures as the API shows them (docs/data-export-and-erasure.md). */
import type { JWK } from 'jose';
import { istInstant } from '../presenters';

export type ExportRow = {
  id: string;
  firm_id: string;
  client_id: string;
  status: 'queued' | 'running' | 'ready' | 'failed' | 'expired';
  workflow_id: string;
  file_name: string | null;
  size_bytes: number | null;
  sha256: string | null;
  manifest: { counts?: Record<string, number> } | null;
  expires_at: Date;
  ready_at: Date | null;
  downloaded_at: Date | null;
  failure_reason: string | null;
  created_at: Date;
};

export type ErasureRow = {
  id: string;
  firm_id: string;
  client_id: string;
  status: 'running' | 'completed' | 'failed';
  workflow_id: string;
  reason: string;
  /** Which decision the current run carries (migration 035, erasure-run.ts); never shown. */
  run_token: string | null;
  /** The run token whose start was accepted or seen (migration 039, erasure-run.ts); never shown. */
  started_run_token: string | null;
  /** The run token whose start Temporal refused (migration 045, erasure-run.ts); never shown. */
  start_failed_run_token: string | null;
  certificate: unknown;
  certificate_jws: string | null;
  failure_reason: string | null;
  created_at: Date;
  completed_at: Date | null;
};

/** The download URL only while it can still be used: ready, not yet downloaded, not expired. */
export function presentExport(row: ExportRow, downloadUrl: string) {
  const usable = row.status === 'ready' && !row.downloaded_at && new Date(row.expires_at) > new Date();
  return {
    exportId: row.id,
    clientId: row.client_id,
    workflowId: row.workflow_id,
    status: row.status,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    sha256: row.sha256,
    counts: row.manifest?.counts ?? null,
    expiresAt: istInstant(row.expires_at),
    downloadUrl: usable ? downloadUrl : null,
    downloadedAt: istInstant(row.downloaded_at),
    failureReason: row.failure_reason,
    createdAt: istInstant(row.created_at),
    readyAt: istInstant(row.ready_at),
  };
}

export function presentErasure(row: ErasureRow, publicKey: JWK | null) {
  return {
    erasureId: row.id,
    clientId: row.client_id,
    workflowId: row.workflow_id,
    status: row.status,
    reason: row.reason,
    requestedAt: istInstant(row.created_at),
    completedAt: istInstant(row.completed_at),
    failureReason: row.failure_reason,
    certificate: row.certificate,
    /** The certificate as signed (compact JWS, EdDSA): verify it with `certificateKey` alone. */
    certificateJws: row.certificate_jws,
    certificateKey: publicKey,
  };
}
