import type { Pojo } from 'objection';
import { TenantModel } from './tenant-model';

export const RECONCILIATION_DECISION_ACTIONS = ['link', 'unlink', 'accept', 'pending', 'ignore', 'clear'] as const;
export type ReconciliationDecisionAction = (typeof RECONCILIATION_DECISION_ACTIONS)[number];

/**
 * A manual reconciliation decision (docs/reconciliation.md, "Manual decisions") of a client's period (migration 007): re-applied to every
 * re-run of that period until a later decision revokes it. Never deleted; revoking sets revokedAt
 * and revokedBy. Inserts and revocations of a closed period are refused by the database.
 */
export class ReconciliationDecision extends TenantModel {
  static override tableName = 'reconciliation_decisions';
  static override clientColumn = 'client_id';

  clientId!: string;
  period!: string;
  /** The run the decision was made on (no foreign key: decisions outlive runs). */
  runId!: string;
  action!: ReconciliationDecisionAction;
  /** The engine row id the user acted on, for readability; documents are matched by their keys. */
  resultId!: string;
  /** Content keys of the books and portal documents; at least one is set. */
  booksKey!: string | null;
  portalKey!: string | null;
  note!: string | null;
  createdBy!: string;
  createdByEmail!: string;
  revokedAt!: Date | null;
  /** The id of the later decision that replaced this one. */
  revokedBy!: string | null;

  /** The table has created_at only (a decision is revoked, not edited): BaseModel's updatedAt is not a column. */
  override $formatDatabaseJson(json: Pojo): Pojo {
    const row = super.$formatDatabaseJson(json);
    delete row.updated_at;
    return row;
  }
}
