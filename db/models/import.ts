import { TenantModel } from './tenant-model';

export type ImportKind = 'gstr2b' | 'gstr2a' | 'purchase_register';
export const IMPORT_KINDS = ['gstr2b', 'gstr2a', 'purchase_register'] as const;
/** `discarded` and `superseded` are undone uploads (migration 014, docs/reconciliation.md, "Undoing an import"). */
export type ImportStatus = 'awaiting_upload' | 'validated' | 'rejected' | 'expired' | 'discarded' | 'superseded';

/** An uploaded GSTR-2B, GSTR-2A or purchase register of one client and period (migrations 004, 014). */
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
  discardedAt!: Date | null;
  discardedBy!: string | null;

  static override get jsonAttributes() {
    return ['warnings', 'errors', 'metadata'];
  }
}
