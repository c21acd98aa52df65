import { BaseModel } from './base-model';

export const ROLES = ['firm_admin', 'manager', 'reviewer', 'staff', 'client'] as const;
export type Role = (typeof ROLES)[number];

export class User extends BaseModel {
  static override tableName = 'users';

  firmId!: string;
  clientId!: string | null;
  email!: string;
  name!: string;
  role!: Role;
  active!: boolean;
  passwordHash!: string;

  static override jsonSchema = {
    type: 'object',
    required: ['firmId', 'email', 'name', 'role', 'passwordHash'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      firmId: { type: 'string', format: 'uuid' },
      clientId: { type: ['string', 'null'], format: 'uuid' },
      email: { type: 'string', maxLength: 320 },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      role: { type: 'string', enum: [...ROLES] },
      active: { type: 'boolean' },
      passwordHash: { type: 'string' },
    },
  };
}
