/** A client's export and erasure, as the API answers them. */
export type ClientExport = {
  exportId: string;
  clientId: string;
  status: 'queued' | 'running' | 'ready' | 'failed' | 'expired';
  sizeBytes: number | null;
  sha256: string | null;
  counts: Record<string, number> | null;
  expiresAt: string;
  downloadUrl: string | null;
  downloadedAt: string | null;
  failureReason: string | null;
  createdAt: string;
  readyAt: string | null;
};
export type Erasure = {
  erasureId: string;
  clientId: string;
  status: 'running' | 'completed' | 'failed';
  reason: string;
  requestedAt: string;
  completedAt: string | null;
  failureReason: string | null;
  certificate: Record<string, unknown> | null;
  certificateJws: string | null;
};
