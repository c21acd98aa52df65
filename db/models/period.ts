import type { PeriodState } from '../../domain/periods';
import { TenantModel } from './tenant-model';

/** A client's GST period and its close state (migration 005; transitions guarded by a trigger). */
export class Period extends TenantModel {
  static override tableName = 'periods';
  static override clientColumn = 'client_id';

  clientId!: string;
  period!: string;
  state!: PeriodState;
  reopenCount!: number;
  closeRequestId!: string | null;
  evidenceHash!: string | null;
  transitionNote!: string | null;
  reasonCode!: string | null;
  selfApproved!: boolean;
  changedBy!: string | null;
  changedAt!: Date | null;
  closedAt!: Date | null;
  closedBy!: string | null;
}
