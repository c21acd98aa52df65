/** The only places rows become JSON: no column reaches a response by accident (hashes, secrets). */
import type { AuditEvent } from '../db/models/audit-event';
import type { Client } from '../db/models/client';
import type { User } from '../db/models/user';

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
    lastLoginAt: user.lastLoginAt,
    createdAt: user.createdAt,
  };
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
    createdAt: client.createdAt,
    updatedAt: client.updatedAt,
  };
}

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
