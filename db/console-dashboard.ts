/**
 * What the console's dashboard shows a firm admin (docs/accounts.md): the firm's people with their
 * last sign-in and live devices, recent security events, pending approvals and the last verified
 * backup. People always appear by name and email, roles and events in words (`roleLabel`,
 * `actionLabel`: db/console-labels.ts, the web app's names) beside their codes. Runs in the admin's
 * tenant transaction, so row-level security keeps it to the admin's firm.
 */
import type { Knex } from 'knex';
import { auditActorLabel, roleLabel, SECURITY_EVENT_PREFIXES, securityEventLabel } from './console-labels';

export type DashboardPerson = { name: string; email: string };

export type ConsoleDashboard = {
  users: Array<DashboardPerson & { id: string; role: string; roleLabel: string; active: boolean; lastLoginAt: string | null; devices: Array<{ deviceName: string; ip: string | null; lastSeenAt: string }> }>;
  securityEvents: Array<{ at: string; action: string; actionLabel: string; actor: DashboardPerson | string; subject: DashboardPerson | null }>;
  pendingApprovals: Array<{ kind: 'period_close'; client: string; period: string; requestedBy: DashboardPerson; requestedAt: string }>;
  pendingInvitations: Array<DashboardPerson & { role: string; roleLabel: string; expiresAt: string }>;
  lastVerifiedBackup: { id: string; createdAt: string; verifiedAt: string | null } | null;
};

const SECURITY_ACTIONS = SECURITY_EVENT_PREFIXES.map((prefix) => `${prefix}.%`);

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

export async function consoleDashboard(trx: Knex.Transaction, now = new Date()): Promise<ConsoleDashboard> {
  const people = await trx('users').select('id', 'name', 'email', 'role', 'active', 'last_login_at').orderBy('name');
  const byId = new Map(people.map((u: { id: string; name: string; email: string }) => [u.id, { name: u.name, email: u.email }]));
  const sessions = await trx('sessions')
    .select('user_id', 'device_name', 'ip', 'last_seen_at')
    .whereNull('revoked_at')
    .where('idle_expires_at', '>', now)
    .where('absolute_expires_at', '>', now)
    .orderBy('last_seen_at', 'desc');

  const events = await trx('audit_events')
    .select('at', 'action', 'actor_id', 'actor_email', 'entity_type', 'entity_id')
    .where((q) => {
      for (const pattern of SECURITY_ACTIONS) q.orWhere('action', 'like', pattern);
    })
    .orderBy('seq', 'desc')
    .limit(20);

  // Who an invitation's, a password reset's or a device's event concerns: the invitee, the user whose reset or device it is.
  const idsOf = (type: string) => events.filter((e: { entity_type: string; entity_id: string | null }) => e.entity_type === type && e.entity_id).map((e: { entity_id: string }) => e.entity_id);
  const invitees = new Map<string, DashboardPerson>(
    (await trx('account_invitations').whereIn('id', idsOf('invitation')).select('id', 'name', 'email')).map((i: { id: string; name: string; email: string }) => [i.id, { name: i.name, email: i.email }]),
  );
  const resetOwners = new Map<string, string>((await trx('password_resets').whereIn('id', idsOf('password_reset')).select('id', 'user_id')).map((r: { id: string; user_id: string }) => [r.id, r.user_id]));
  // A device's events (signed out by a reset, by an admin, replaced at sign-in) concern its owner.
  const deviceOwners = new Map<string, string>((await trx('sessions').whereIn('id', idsOf('session')).select('id', 'user_id')).map((r: { id: string; user_id: string }) => [r.id, r.user_id]));
  const subjectOf = (type: string, id: string | null): DashboardPerson | null => {
    if (!id) return null;
    if (type === 'user') return byId.get(id) ?? null;
    if (type === 'invitation') return invitees.get(id) ?? null;
    if (type === 'password_reset') return byId.get(resetOwners.get(id) ?? '') ?? null;
    if (type === 'session') return byId.get(deviceOwners.get(id) ?? '') ?? null;
    return null;
  };

  const approvals = await trx('close_requests as r')
    .join('clients as c', function () {
      this.on('c.id', '=', 'r.client_id').andOn('c.firm_id', '=', 'r.firm_id');
    })
    .where('r.status', 'pending')
    .select('c.name as client', 'r.period', 'r.requested_by', 'r.requested_by_email', 'r.created_at')
    .orderBy('r.created_at');

  const invitations = await trx('account_invitations').whereNull('accepted_at').whereNull('revoked_at').where('expires_at', '>', now).select('name', 'email', 'role', 'expires_at').orderBy('created_at', 'desc');

  // The backup catalogue is the platform's; a firm admin sees only when the data was last proven restorable.
  const backup = await trx('backups').where('status', 'verified').orderBy('created_at', 'desc').first('id', 'created_at', 'drill_finished_at');

  return {
    users: people.map((u: { id: string; name: string; email: string; role: string; active: boolean; last_login_at: Date | null }) => ({
      id: u.id,
      name: u.name,
      email: u.email,
      role: u.role,
      roleLabel: roleLabel(u.role),
      active: u.active,
      lastLoginAt: iso(u.last_login_at),
      devices: sessions
        .filter((s: { user_id: string }) => s.user_id === u.id)
        .map((s: { device_name: string; ip: string | null; last_seen_at: Date }) => ({ deviceName: s.device_name, ip: s.ip, lastSeenAt: iso(s.last_seen_at) as string })),
    })),
    securityEvents: events.map((e: { at: Date; action: string; actor_id: string | null; actor_email: string; entity_type: string; entity_id: string | null }) => ({
      at: iso(e.at) as string,
      action: e.action,
      actionLabel: securityEventLabel(e.action),
      // A person by name and email; the system (jobs, emailed links) in words ("System (account email)").
      actor: (e.actor_id && byId.get(e.actor_id)) || auditActorLabel(e.actor_email),
      subject: subjectOf(e.entity_type, e.entity_id),
    })),
    pendingApprovals: approvals.map((a: { client: string; period: string; requested_by: string; requested_by_email: string; created_at: Date }) => ({
      kind: 'period_close' as const,
      client: a.client,
      period: a.period,
      requestedBy: byId.get(a.requested_by) ?? { name: a.requested_by_email, email: a.requested_by_email },
      requestedAt: iso(a.created_at) as string,
    })),
    pendingInvitations: invitations.map((i: { name: string; email: string; role: string; expires_at: Date }) => ({ name: i.name, email: i.email, role: i.role, roleLabel: roleLabel(i.role), expiresAt: iso(i.expires_at) as string })),
    lastVerifiedBackup: backup ? { id: backup.id as string, createdAt: iso(backup.created_at as Date) as string, verifiedAt: iso((backup.drill_finished_at as Date | null) ?? null) } : null,
  };
}
