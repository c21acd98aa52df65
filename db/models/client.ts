import type { JSONSchema } from 'objection';
import { TenantModel } from './tenant-model';

export type FilingFrequency = 'monthly' | 'quarterly';

export class Client extends TenantModel {
  static override clientColumn = 'id';
  static override tableName = 'clients';

  name!: string;
  gstin!: string;
  email!: string;
  filingFrequency!: FilingFrequency;
  stateCode!: string;
  active!: boolean;

  static override jsonSchema: JSONSchema = {
    type: 'object',
    required: ['name', 'gstin', 'email', 'filingFrequency', 'stateCode'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      firmId: { type: 'string', format: 'uuid' },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      gstin: { type: 'string', pattern: '^[0-9A-Z]{15}$' },
      email: { type: 'string', maxLength: 320 },
      filingFrequency: { type: 'string', enum: ['monthly', 'quarterly'] },
      stateCode: { type: 'string', pattern: '^[0-9]{2}$' },
      active: { type: 'boolean' },
    },
  };
}
