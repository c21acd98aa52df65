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
  /** The staff member who owns the client's work (calendar alerts go to them and the managers). */
  ownerId!: string | null;
  scheme!: 'regular' | 'composition';
  turnoverBand!: 'up_to_2cr' | '2cr_to_5cr' | 'above_5cr' | null;
  /** Overrides the firm's target-date buffer for this client. */
  targetBufferDays!: number | null;

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
      ownerId: { type: ['string', 'null'], format: 'uuid' },
      scheme: { type: 'string', enum: ['regular', 'composition'] },
      turnoverBand: { type: ['string', 'null'], enum: ['up_to_2cr', '2cr_to_5cr', 'above_5cr', null] },
      targetBufferDays: { type: ['integer', 'null'], minimum: 0, maximum: 30 },
    },
  };
}
