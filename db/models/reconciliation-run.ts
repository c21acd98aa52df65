import { TenantModel } from './tenant-model';

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed';

/** One reconciliation of a register import against a GSTR-2B import (migration 004). */
export class ReconciliationRun extends TenantModel {
  static override tableName = 'reconciliation_runs';
  static override clientColumn = 'client_id';

  clientId!: string;
  period!: string;
  registerImportId!: string;
  gstr2bImportId!: string;
  /** Engine options in engine units (paise, days), defaults filled in. */
  options!: { amountTolerance: number; dateWindowDays: number };
  workflowId!: string;
  status!: RunStatus;
  progressDone!: number;
  progressTotal!: number;
  /** The stored run summary (see activities/reconciliation-store.ts), money in paise. */
  summary!: Record<string, unknown> | null;
  failureReason!: string | null;
  createdBy!: string | null;
  startedAt!: Date | null;
  completedAt!: Date | null;

  static override get jsonAttributes() {
    return ['options', 'summary'];
  }
}
