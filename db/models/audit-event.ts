import { TenantModel } from './tenant-model';

/** Read side of the audit trail (rows are written by triggers and db/audit.ts, never updated). */
export class AuditEvent extends TenantModel {
  static override tableName = 'audit_events';

  seq!: number;
  at!: Date;
  actorId!: string | null;
  actorEmail!: string;
  actorRole!: string;
  action!: string;
  entityType!: string;
  entityId!: string | null;
  before!: Record<string, unknown> | null;
  after!: Record<string, unknown> | null;
  requestId!: string | null;
  ip!: string | null;
  prevHash!: string;
  hash!: string;
}
