/**
 * What the console may show. Each model is the firm-scoped model with a narrower JSON schema (the
 * properties AdminJS renders and its API returns) and a row filter that drops every secret column
 * before AdminJS ever sees the record, so no view or API response of the console can carry a
 * password hash, a TOTP seed or a ciphertext.
 */
import type { JSONSchema } from 'objection';
import type { Pojo } from 'objection';
import { AuditEvent } from '../db/models/audit-event';
import { Client } from '../db/models/client';
import { Session } from '../db/models/session';
import { User } from '../db/models/user';

const USER_SECRETS = ['passwordHash', 'totpSecret', 'totpPendingSecret', 'totpLastStep'];

export class ConsoleUser extends User {
  /** Properties computed from others: shown, never filtered or sorted on (they are no column). */
  static computedProperties = ['label'];

  static override jsonSchema: JSONSchema = {
    type: 'object',
    required: ['name'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      email: { type: 'string' },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      role: { type: 'string', enum: ['firm_admin', 'manager', 'reviewer', 'staff', 'client'] },
      clientId: { type: ['string', 'null'] },
      active: { type: 'boolean' },
      totpEnabled: { type: 'boolean' },
      lastLoginAt: { type: ['string', 'null'], format: 'date-time' },
      createdAt: { type: 'string', format: 'date-time' },
      /** "Name <email>": how the console names a person wherever another list refers to them. */
      label: { type: 'string' },
    },
  };

  override $parseDatabaseJson(json: Pojo): Pojo {
    const parsed = super.$parseDatabaseJson(json);
    for (const key of USER_SECRETS) delete parsed[key];
    parsed.label = personLabel(parsed.name as string, parsed.email as string);
    return parsed;
  }

  override $formatDatabaseJson(json: Pojo): Pojo {
    const formatted = super.$formatDatabaseJson(json);
    delete formatted.label; // computed, never a column
    return formatted;
  }
}

export function personLabel(name: string, email: string): string {
  return `${name} <${email}>`;
}

export class ConsoleClient extends Client {
  static override jsonSchema: JSONSchema = {
    type: 'object',
    required: ['name', 'email', 'filingFrequency'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      gstin: { type: 'string' },
      email: { type: 'string', maxLength: 320 },
      filingFrequency: { type: 'string', enum: ['monthly', 'quarterly'] },
      stateCode: { type: 'string' },
      active: { type: 'boolean' },
      createdAt: { type: 'string', format: 'date-time' },
    },
  };
}

export class ConsoleSession extends Session {
  static override jsonSchema: JSONSchema = {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      userId: { type: 'string' },
      deviceName: { type: 'string' },
      ip: { type: ['string', 'null'] },
      userAgent: { type: ['string', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
      lastSeenAt: { type: 'string', format: 'date-time' },
      absoluteExpiresAt: { type: 'string', format: 'date-time' },
      revokedAt: { type: ['string', 'null'], format: 'date-time' },
      revokedReason: { type: ['string', 'null'] },
    },
  };
}

export class ConsoleAuditEvent extends AuditEvent {
  static override jsonSchema: JSONSchema = {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      seq: { type: 'integer' },
      at: { type: 'string', format: 'date-time' },
      actorId: { type: ['string', 'null'] },
      actorEmail: { type: 'string' },
      actorRole: { type: 'string' },
      action: { type: 'string' },
      entityType: { type: 'string' },
      entityId: { type: ['string', 'null'] },
      before: { type: ['object', 'null'] },
      after: { type: ['object', 'null'] },
      requestId: { type: ['string', 'null'] },
      ip: { type: ['string', 'null'] },
      hash: { type: 'string' },
    },
  };
}
