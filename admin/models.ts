/**
 * What the console may show. Each model is the firm-scoped model with a narrower JSON schema (the
 * properties AdminJS renders and its API returns) and a row filter that drops every secret column
 * before AdminJS ever sees the record, so no view or API response of the console can carry a
 * password hash, a TOTP seed or a ciphertext.
 */
import type { JSONSchema } from 'objection';
import type { Pojo } from 'objection';
import { z } from 'zod';
import { changeFilingFrequency } from '../db/calendar';
import { auditActorLabel, ENTITY_TYPE_LABEL, entityTypeLabel, SECURITY_EVENT_LABEL, securityEventLabel, TRIGGER_VERB } from '../db/console-labels';
import { CLIENT_FIELDS, USER_FIELDS } from '../db/editable-fields';
import { AuditEvent } from '../db/models/audit-event';
import { Client } from '../db/models/client';
import { Session } from '../db/models/session';
import { ROLES, User } from '../db/models/user';
import { currentContext } from '../db/request-context';

/**
 * What the console may change on a record, checked with the API's rules (admin/resource-adapter.ts
 * refuses every other field). A model without one is read-only in the console.
 */
export type ConsoleEdits = z.ZodObject<Record<string, z.ZodType>>;

/**
 * Per column, the words of its known codes; a code not listed reads as its own words (dots and
 * underscores as spaces), or, with `kinds`, as `<kind>.<verb>` in words: the kind's label, then the
 * verb (`verbs` for the trigger's own, else its words), as securityEventLabel says it.
 */
export type WordedFilter = { words: Readonly<Record<string, string>>; kinds?: Readonly<Record<string, string>>; verbs?: Readonly<Record<string, string>> };
export type WordedFilters = Record<string, WordedFilter>;

const USER_SECRETS = ['passwordHash', 'totpSecret', 'totpPendingSecret', 'totpLastStep'];

export class ConsoleUser extends User {
  /** Properties computed from others: shown, never filtered or sorted on (they are no column). */
  static computedProperties = ['label'];

  /** The name only: role changes and deactivation need a re-authentication, so they go through the API. */
  static consoleEdits: ConsoleEdits = z.object({ name: USER_FIELDS.name });

  static override jsonSchema: JSONSchema = {
    type: 'object',
    required: ['name'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      email: { type: 'string' },
      name: { type: 'string', minLength: 1, maxLength: 200 },
      role: { type: 'string', enum: [...ROLES] },
      clientId: { type: ['string', 'null'], format: 'uuid' },
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
  static consoleEdits: ConsoleEdits = z.object(CLIENT_FIELDS);

  /**
   * A new filing frequency is a dated change (the API's), so earlier periods keep their returns.
   * It goes first: the QRMP rule's refusal (a RuleRefusal, shown as the form's error) comes before
   * anything is written, so a refused form leaves the other fields as they were too (the console's
   * transaction commits, as the refusal is an answer, not a failure).
   */
  static async consoleUpdate(id: string, changes: Record<string, unknown>): Promise<void> {
    const { filingFrequency, ...rest } = changes as { filingFrequency?: 'monthly' | 'quarterly' };
    if (filingFrequency) {
      const context = currentContext();
      if (!context?.trx || !context.firmId) throw new Error('console changes run inside the firm transaction');
      await changeFilingFrequency(context.trx, context.firmId, id, filingFrequency, context.userId ?? null);
    }
    if (Object.keys(rest).length > 0) await ConsoleClient.query().patchAndFetchById(id, rest as Partial<ConsoleClient>);
  }

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
      userId: { type: 'string', format: 'uuid' },
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
  /** Words computed from the codes: shown, never filtered or sorted on (they are no column). */
  static computedProperties = ['actionLabel', 'actorLabel', 'entityTypeLabel'];

  /**
   * Columns shown in words and filtered by them: text typed into the filter matches the words the
   * list shows ("signed in" finds `auth.login`), as well as the code (admin/resource-adapter.ts).
   */
  static wordedFilters: WordedFilters = {
    action: { words: SECURITY_EVENT_LABEL, kinds: ENTITY_TYPE_LABEL, verbs: TRIGGER_VERB },
    entityType: { words: ENTITY_TYPE_LABEL },
  };

  override $parseDatabaseJson(json: Pojo): Pojo {
    const parsed = super.$parseDatabaseJson(json);
    // What happened in words ("Signed in", never `auth.login`), as the dashboard says it.
    parsed.actionLabel = securityEventLabel(String(parsed.action ?? ''));
    // Who acted when no person of the firm did: the job or emailed link in words.
    parsed.actorLabel = auditActorLabel(String(parsed.actorEmail ?? ''));
    // The kind of record in words ("Close request", never `close_request`).
    parsed.entityTypeLabel = entityTypeLabel(String(parsed.entityType ?? ''));
    return parsed;
  }

  static override jsonSchema: JSONSchema = {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      seq: { type: 'integer' },
      at: { type: 'string', format: 'date-time' },
      actorId: { type: ['string', 'null'], format: 'uuid' },
      actorEmail: { type: 'string' },
      actorRole: { type: 'string' },
      action: { type: 'string' },
      entityType: { type: 'string' },
      entityId: { type: ['string', 'null'], format: 'uuid' },
      before: { type: ['object', 'null'] },
      after: { type: ['object', 'null'] },
      requestId: { type: ['string', 'null'] },
      ip: { type: ['string', 'null'] },
      hash: { type: 'string' },
      actionLabel: { type: 'string' },
      actorLabel: { type: 'string' },
      entityTypeLabel: { type: 'string' },
    },
  };
}
