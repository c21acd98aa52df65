import { TenantModel } from './tenant-model';

export type ImportKind = 'gstr2b' | 'purchase_register';
export type ImportStatus = 'awaiting_upload' | 'validated' | 'rejected' | 'expired';

/** An uploaded GSTR-2B or purchase register of one client and period (migration 004). */
export class Import extends TenantModel {
  static override tableName = 'imports';
  static override clientColumn = 'client_id';

  clientId!: string;
  kind!: ImportKind;
  period!: string;
  filename!: string | null;
  contentType!: string | null;
  declaredSize!: string | number | null;
  status!: ImportStatus;
  sha256!: string | null;
  sizeBytes!: string | number | null;
  rows!: number | null;
  warnings!: unknown[];
  errors!: unknown[];
  detectedFormat!: string | null;
  duplicateOf!: string | null;
  metadata!: Record<string, unknown>;
  createdBy!: string | null;
  uploadExpiresAt!: Date | null;
  uploadedAt!: Date | null;

  static override get jsonAttributes() {
    return ['warnings', 'errors', 'metadata'];
  }
}
