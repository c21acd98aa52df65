import { BaseModel } from './base-model';

export type FirmSettings = {
  allowSelfApproval?: boolean;
  requireTotpForAdmins?: boolean;
};

export class Firm extends BaseModel {
  static override tableName = 'firms';

  name!: string;
  slug!: string;
  settings!: FirmSettings;

  static override jsonSchema = {
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
