import { TenantModel } from './tenant-model';

export type SecretKind = 'smtp' | 'gsp';

/** A firm's credentials for an outside service: settings in clear, the secret part sealed. */
export class FirmSecret extends TenantModel {
  static override tableName = 'firm_secrets';

  kind!: SecretKind;
  settings!: Record<string, unknown>;
  ciphertext!: string | null;
  keyId!: string | null;
}
