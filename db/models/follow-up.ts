import type { FollowUpClock, FollowUpPolicy } from '../../domain/follow-ups';
import { TenantModel } from './tenant-model';

export type FollowUpStatus = 'open' | 'snoozed' | 'completed' | 'cancelled' | 'exhausted';
export type ItemStatus = 'outstanding' | 'received' | 'not_applicable';

/** A request to a client for documents or answers, chased by its own workflow. */
export class FollowUp extends TenantModel {
  static override tableName = 'follow_ups';
  static override clientColumn = 'client_id';

  clientId!: string;
  title!: string;
  status!: FollowUpStatus;
  dueDate!: string;
  deadline!: { returnType: string; period: string } | null;
  period!: string | null;
  ownerId!: string;
  /** When the present owner got it (a change of owner sets it); null for rows older than the column: their creation counts. */
  assignedAt!: Date | null;
  noticeId!: string | null;
  /** Made from this completed reconciliation run (a mismatch follow-up); its items name result rows. */
  reconciliationRunId!: string | null;
  /** Whom the letters go to: the client, or (a supplier chase) one supplier on the client's behalf. */
  recipient!: 'client' | 'supplier';
  /** A supplier chase's recipient; null for a client's request. */
  supplierEmail!: string | null;
  policy!: FollowUpPolicy;
  clock!: FollowUpClock;
  workflowId!: string;
  idempotencyKey!: string | null;
  createdBy!: string;
  snoozedUntil!: Date | null;
  nextMessageAt!: Date | null;
  schedule!: unknown[];
  escalations!: unknown[];
  endedAt!: Date | null;
  endNote!: string | null;

  static override get jsonAttributes() {
    return ['deadline', 'policy', 'clock', 'schedule', 'escalations'];
  }

  /** A `date` column arrives as a local-midnight Date: the business date is its local Y-M-D. */
  override $parseDatabaseJson(json: Record<string, unknown>): Record<string, unknown> {
    const parsed = super.$parseDatabaseJson(json);
    const due = parsed.dueDate;
    if (due instanceof Date) parsed.dueDate = `${due.getFullYear()}-${String(due.getMonth() + 1).padStart(2, '0')}-${String(due.getDate()).padStart(2, '0')}`;
    return parsed;
  }
}

export class FollowUpItem extends TenantModel {
  static override tableName = 'follow_up_items';
  static override clientColumn = 'client_id';

  clientId!: string;
  followUpId!: string;
  position!: number;
  description!: string;
  period!: string | null;
  status!: ItemStatus;
  reason!: string | null;
  answeredAt!: Date | null;
  /** Mismatch follow-ups: the supplier, the run's result row and its category when the request was made. */
  supplierGstin!: string | null;
  resultId!: string | null;
  category!: 'missing_in_books' | 'mismatch' | 'missing_in_2b' | null;
}

export class FollowUpLink extends TenantModel {
  static override tableName = 'follow_up_links';
  static override clientColumn = 'client_id';

  clientId!: string;
  followUpId!: string;
  tokenHash!: string;
  expiresAt!: Date;
  revokedAt!: Date | null;
  lastUsedAt!: Date | null;
}

export type FileStatus = 'awaiting_upload' | 'received' | 'rejected' | 'expired';

export class FollowUpFile extends TenantModel {
  static override tableName = 'follow_up_files';
  static override clientColumn = 'client_id';

  clientId!: string;
  followUpId!: string;
  itemId!: string;
  linkId!: string;
  filename!: string;
  declaredType!: string;
  declaredSize!: number;
  status!: FileStatus;
  detectedType!: string | null;
  sizeBytes!: number | null;
  sha256!: string | null;
  content!: Buffer | null;
  uploadExpiresAt!: Date;
  receivedAt!: Date | null;
}
