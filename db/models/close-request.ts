import type { CloseEvidence } from '../period-evidence';
import { TenantModel } from './tenant-model';

export const CLOSE_REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn', 'stale', 'expired', 'abandoned'] as const;
export type CloseRequestStatus = (typeof CLOSE_REQUEST_STATUSES)[number];

/** One request to close a client's period, its evidence snapshot and its decision. */
export class CloseRequest extends TenantModel {
  static override tableName = 'close_requests';
  static override clientColumn = 'client_id';

  clientId!: string;
  periodId!: string;
  period!: string;
  status!: CloseRequestStatus;
  fromState!: 'open' | 'reopened';
  requestedBy!: string;
  requestedByEmail!: string;
  requestedByRole!: string;
  note!: string | null;
  evidence!: CloseEvidence;
  evidenceHash!: string;
  workflowId!: string;
  decidedBy!: string | null;
  decidedByEmail!: string | null;
  decidedByRole!: string | null;
  decidedAt!: Date | null;
  decisionNote!: string | null;
  selfApproved!: boolean;
  staleEvidenceHash!: string | null;
  remindedAt!: Date | null;
  escalatedAt!: Date | null;
}
