/** The only places rows become JSON: no column reaches a response by accident (hashes, secrets). */
import type { AuditEvent } from '../db/models/audit-event';
import type { Client } from '../db/models/client';
import type { User } from '../db/models/user';
import { istIso } from '../domain/calendar/dates';

export function presentUserRecord(user: User) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    firmId: user.firmId,
    clientId: user.clientId,
    active: user.active,
    totpEnabled: user.totpEnabled,
    lastLoginAt: istInstant(user.lastLoginAt),
    createdAt: istInstant(user.createdAt),
  };
}

/** An instant as `2026-12-07T15:30:00.000+05:30`; null when the row does not carry it. */
export function istInstant(value: Date | string | null | undefined): string | null {
  return value ? istIso(new Date(value)) : null;
}

export function presentClient(client: Client) {
  return {
    id: client.id,
    name: client.name,
    gstin: client.gstin,
    email: client.email,
    filingFrequency: client.filingFrequency,
    stateCode: client.stateCode,
    active: client.active,
    ownerId: client.ownerId ?? null,
    scheme: client.scheme ?? 'regular',
    // Instants in India's offset, as the rest of the product writes them (docs/api.md, "Times").
    createdAt: istInstant(client.createdAt),
    updatedAt: istInstant(client.updatedAt),
  };
}

/**
 * An audit event as the export files write it: `at` stays the Date (CSV and JSON export write it in UTC,
 * as the chain verification reads it). GET /api/audit shows it through presentAuditItem instead.
 */
export function presentAuditEvent(event: AuditEvent) {
  return {
    id: event.id,
    seq: Number(event.seq),
    at: event.at,
    actor: { id: event.actorId, email: event.actorEmail, role: event.actorRole },
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    before: event.before,
    after: event.after,
    requestId: event.requestId,
    ip: event.ip,
  };
}

/** An audit event as GET /api/audit answers it: `at` in India's offset, like every other response instant. */
export function presentAuditItem(event: AuditEvent) {
  return { ...presentAuditEvent(event), at: istInstant(event.at) };
}
