import type { JSONSchema } from 'objection';
import { ROLES, type Role } from '../../domain/roles';
import { TenantModel } from './tenant-model';

// The roles are domain/roles.ts's, the one list; here for what imports only db/ (the console).
export { ROLES, type Role };

export class User extends TenantModel {
  static override tableName = 'users';

  clientId!: string | null;
  email!: string;
  name!: string;
  role!: Role;
  active!: boolean;
  passwordHash!: string;
  totpSecret!: string | null;
  totpPendingSecret!: string | null;
  totpEnabled!: boolean;
  totpLastStep!: number | null;
  passwordChangedAt!: Date | null;
  lastLoginAt!: Date | null;

  static override jsonSchema: JSONSchema = {
    type: 'object',
    required: ['email', 'name', 'role', 'passwordHash'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      firmId: { type: 'string', format: 'uuid' },
      clientId: { type: ['string', 'null'], format: 'uuid' },
      email: { type: 'string', maxLength: 320 },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      role: { type: 'string', enum: [...ROLES] },
      active: { type: 'boolean' },
      passwordHash: { type: 'string' },
      totpSecret: { type: ['string', 'null'] },
      totpPendingSecret: { type: ['string', 'null'] },
      totpEnabled: { type: 'boolean' },
      totpLastStep: { type: ['integer', 'null'] },
    },
  };
}
