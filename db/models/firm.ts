import type { JSONSchema } from 'objection';
import { TenantModel } from './tenant-model';

export type FirmSettings = {
  /** One-person firms may approve their own close requests, with a mandatory note. */
  allowSelfApproval?: boolean;
  /** Firm admins must have TOTP enabled to sign in. */
  requireTotpForAdmins?: boolean;
  /** The firm's own matching defaults (a run's options override them): rupees and days. */
  reconciliationDefaults?: { amountTolerance?: number; dateWindowDays?: number };
};

/** The firm itself: readable only as the firm of the current tenant context. */
export class Firm extends TenantModel {
  static override tableName = 'firms';
  static override firmColumn = 'id';

  name!: string;
  slug!: string;
  settings!: FirmSettings;

  static override jsonSchema: JSONSchema = {
    type: 'object',
    required: ['name', 'slug'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      slug: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' },
      settings: { type: 'object' },
    },
  };
}
