/**
 * Signed-in sessions after the sign-in: the check every request makes, the activity it records, and
 * sign-out (one device, or all of a person's). docs/security-and-tenancy.md, "Sign-in and sessions".
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Firm } from '../../db/models/firm';
import { Session } from '../../db/models/session';
import { inTenantTransaction, setAuditAction } from '../../db/tenant';
import { unauthenticated } from '../errors';
import type { AuthenticatedSession, AuthenticatedUser } from '../state';
import type { SessionPolicy } from './types';

/** A session's last_seen_at (and idle expiry) is written at most this often. */
export const SESSION_TOUCH_EVERY_MS = 60_000;

/** The row of checkSession's query (the user's and firm's columns are null when the user is gone). */
type SessionCheckRow = {
  user_id: string;
  device_name: string;
  created_at: Date;
  absolute_expires_at: Date;
  idle_expires_at: Date;
  reauth_at: Date | null;
  revoked_at: Date | null;
  found_user_id: string | null;
  firm_id: string | null;
  client_id: string | null;
  email: string | null;
  name: string | null;
  role: string | null;
  active: boolean | null;
  totp_enabled: boolean | null;
  settings: Firm['settings'] | null;
  scoped: boolean | null;
};

export class Sessions {
  /** When this process last recorded each session's activity (touchSession). */
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly deps: { knex: Knex; policy: SessionPolicy; logger: Logger }) {}

  /**
   * Checks a verified token's session on every request: revoked, expired or a deactivated user is
   * refused at once. Slides the idle expiry. Runs inside the request's tenant transaction, whose
   * scope names the token's firm and user.
   *
   * One round trip: the session, its user and the firm's settings come in one query, which also
   * completes the transaction's scope with that user's firm, portal client, email and role (what
   * applyScope would set; row-level security and the audit triggers read them), so the caller need
   * not apply the scope again. A refusal throws, and the request's transaction rolls back with them.
   */
  async checkSession(trx: Knex.Transaction, sessionId: string, userId: string): Promise<{ user: AuthenticatedUser; session: AuthenticatedSession; firmSettings: Firm['settings'] }> {
    const { rows } = (await trx.raw(
      `select s.user_id, s.device_name, s.created_at, s.absolute_expires_at, s.idle_expires_at, s.reauth_at, s.revoked_at,
              u.id as found_user_id, u.firm_id, u.client_id, u.email, u.name, u.role, u.active, u.totp_enabled, f.settings,
              u.id = ? and set_config('app.firm_id', u.firm_id::text, true) is not null
                and set_config('app.client_id', coalesce(u.client_id::text, ''), true) is not null
                and set_config('app.user_email', u.email, true) is not null
                and set_config('app.role', u.role, true) is not null as scoped
         from sessions s
         left join users u on u.id = s.user_id
         left join firms f on f.id = u.firm_id
        where s.id = ?`,
      [userId, sessionId],
    )) as { rows: SessionCheckRow[] };
    const row = rows[0];
    if (!row || row.user_id !== userId) throw unauthenticated('unauthenticated', 'Sign in again.');
    if (row.revoked_at) throw unauthenticated('session_revoked', 'This session was signed out. Sign in again.');
    const now = new Date();
    if (row.absolute_expires_at <= now || row.idle_expires_at <= now) throw unauthenticated('session_expired', 'Your session expired. Sign in again.');
    if (!row.found_user_id || !row.active || !row.firm_id) throw unauthenticated('unauthenticated', 'This account is not active.');
    if (!row.scoped) throw new Error('the session check did not scope the transaction to its user');
    const idleExpiresAt = new Date(Math.min(now.getTime() + this.deps.policy.idleMinutes * 60_000, row.absolute_expires_at.getTime()));
    // No write here: the request's transaction must not lock the session row (concurrent requests
    // of one session would queue behind each other). touchSession records the activity afterwards.
    return {
      user: { id: row.found_user_id, firmId: row.firm_id, email: row.email!, name: row.name!, role: row.role as AuthenticatedUser['role'], clientId: row.client_id, totpEnabled: Boolean(row.totp_enabled) },
      session: { id: sessionId, deviceName: row.device_name, createdAt: row.created_at, absoluteExpiresAt: row.absolute_expires_at, idleExpiresAt, reauthAt: row.reauth_at },
      firmSettings: row.settings ?? {},
    };
  }

  /**
   * Records that a session is in use: last_seen_at and the sliding idle expiry, at most once a
   * minute per session, in its own short transaction after the request's one ended. The row is
   * taken with SKIP LOCKED, so a touch never waits for another request (or another replica's touch).
   * Best effort: a failed touch is logged; the session then idles out up to a minute earlier.
   */
  touchSession(scope: { firmId: string; userId: string; requestId: string }, sessionId: string): void {
    const nowMs = Date.now();
    if (nowMs - (this.lastTouched.get(sessionId) ?? 0) < SESSION_TOUCH_EVERY_MS) return;
    this.lastTouched.set(sessionId, nowMs);
    if (this.lastTouched.size > 10_000) {
      for (const [id, at] of this.lastTouched) if (nowMs - at >= SESSION_TOUCH_EVERY_MS) this.lastTouched.delete(id);
    }
    const actor = { userId: scope.userId, email: '', role: '' };
    inTenantTransaction(this.deps.knex, { firmId: scope.firmId, actor, requestId: scope.requestId }, (trx) =>
      trx.raw(
        `update sessions set last_seen_at = now(),
                idle_expires_at = least(now() + make_interval(mins => ?), absolute_expires_at)
          where id = (select id from sessions where id = ? and revoked_at is null
                        and last_seen_at < now() - make_interval(secs => ?) for update skip locked)`,
        [this.deps.policy.idleMinutes, sessionId, SESSION_TOUCH_EVERY_MS / 1000],
      ),
    ).catch((error: Error) => this.deps.logger.warn({ err: error }, 'could not record session activity'));
  }

  async revokeSession(trx: Knex.Transaction, sessionId: string, by: string, reason: string, action: string): Promise<boolean> {
    await setAuditAction(trx, action);
    const count = await Session.query(trx).patch({ revokedAt: new Date(), revokedBy: by, revokedReason: reason }).where({ id: sessionId }).whereNull('revoked_at');
    await setAuditAction(trx, null);
    return count > 0;
  }

  async revokeAllSessions(trx: Knex.Transaction, userId: string, by: string, reason: string, exceptSessionId?: string): Promise<number> {
    await setAuditAction(trx, 'auth.session_revoked');
    const query = Session.query(trx).patch({ revokedAt: new Date(), revokedBy: by, revokedReason: reason }).where({ user_id: userId }).whereNull('revoked_at');
    if (exceptSessionId) query.whereNot({ id: exceptSessionId });
    const count = await query;
    await setAuditAction(trx, null);
    return count;
  }

  async activeSessions(trx: Knex.Transaction, userId: string): Promise<Session[]> {
    const now = new Date();
    return Session.query(trx).where({ user_id: userId }).whereNull('revoked_at').where('idle_expires_at', '>', now).where('absolute_expires_at', '>', now).orderBy('created_at');
  }
}
