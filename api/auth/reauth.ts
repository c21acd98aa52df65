/**
 * A signed-in person's own credential checks: re-authentication (`POST /api/auth/reauth`,
 * docs/api.md), and the counting it shares with a password change and a TOTP disable
 * (docs/security-and-tenancy.md, "Re-authentication"; docs/security-limits.md). Failures count against
 * the session (the fifth signs it out) and toward the account's lockout email; a success clears them.
 * The right password of an account with two-factor on, sent without a code, is no guess: it is
 * answered as at sign-in (401 `totp_required`) and counts nothing.
 */
import type { Knex } from 'knex';
import { Session } from '../../db/models/session';
import { User } from '../../db/models/user';
import { verifyPassword } from '../../db/security/passwords';
import { inTenantTransaction, setAuditAction, type TenantScope } from '../../db/tenant';
import { attemptsLeftHint } from '../../domain/accounts';
import { ApiError, unauthenticated } from '../errors';
import type { AuthenticatedSession, AuthenticatedUser } from '../state';
import { SESSION_MAX_FAILURES, type LoginThrottle } from './throttle';

/** The right password of an account with two-factor on, sent without a code: asks for it, counts nothing. */
export const totpRequired = () => new ApiError(401, 'totp_required', 'Enter the code from your authenticator app.');
/** A wrong or replayed code (sign-in and re-authentication answer alike). */
export const invalidTotp = () => new ApiError(401, 'invalid_totp', 'That code is not valid (or was already used).');

type Client = { ip: string; requestId?: string; knownDevice?: boolean };

/** What the sign-in service lends: its account count, its session revocation and its TOTP check. */
export type ReauthDeps<C extends Client> = {
  knex: Knex;
  throttle: LoginThrottle;
  policy: { reauthWindowMinutes: number };
  countFailure(email: string, row: { id: string; firm_id: string; active: boolean }, client: C): Promise<unknown>;
  revokeSession(trx: Knex.Transaction, sessionId: string, by: string, reason: string, action: string): Promise<boolean>;
  scope(user: AuthenticatedUser, client: C): TenantScope;
  totpOk(secretCiphertext: string, code: string, lastStep: number | null): number | null;
};

export class Reauthentication<C extends Client> {
  constructor(private readonly deps: ReauthDeps<C>) {}

  /**
   * A wrong password or code of a signed-in person. Counted against the session: the
   * `SESSION_MAX_FAILURES`th signs it out (401 `session_revoked`), so a stolen session cannot guess
   * on. Session holders are not held by the account's slow pace or the email+IP pair (outsiders
   * failing sign-ins, or a colleague behind the same NAT, would lock the owner out of re-auth), but
   * each failure still counts toward the account's lockout email. Audited outside the request's
   * transaction, which rolls back with the refusal; the revocation commits on its own for the same reason.
   */
  async failure(user: AuthenticatedUser, sessionId: string, client: C, refusal: ApiError, audit: { action: string; reason: string }): Promise<ApiError> {
    await this.deps.countFailure(user.email.toLowerCase(), { id: user.id, firm_id: user.firmId, active: true }, client);
    const failures = await this.deps.throttle.recordSessionFailure(sessionId);
    if (failures >= SESSION_MAX_FAILURES) {
      await inTenantTransaction(this.deps.knex, this.deps.scope(user, client), (trx) => this.deps.revokeSession(trx, sessionId, user.id, 'credential_failures', 'auth.session_revoked'));
      await this.deps.throttle.clearSession(sessionId);
      const revoked = unauthenticated('session_revoked', 'Too many wrong passwords or codes: this session was signed out. Sign in again.');
      return revoked.withAudit({ action: audit.action, entityType: 'session', entityId: sessionId, after: { reason: audit.reason, sessionRevoked: true } });
    }
    const attemptsLeft = attemptsLeftHint(failures, SESSION_MAX_FAILURES);
    const hint = attemptsLeft === undefined ? undefined : { attemptsLeft };
    const error = new ApiError(refusal.status, refusal.code, refusal.message, { ...refusal.details, ...hint });
    return error.withAudit({ action: audit.action, entityType: 'session', entityId: sessionId, after: { reason: audit.reason, ...hint } });
  }

  /** A signed-in person's right password or code: clears the account's, the pair's and the session's counts. */
  async success(user: AuthenticatedUser, sessionId: string, client: C): Promise<void> {
    await Promise.all([this.deps.throttle.recordSuccess(user.email.toLowerCase(), client.ip, client.knownDevice ?? false), this.deps.throttle.clearSession(sessionId)]);
  }

  async reauthenticate(trx: Knex.Transaction, user: AuthenticatedUser, sessionId: string, input: { password: string; totp?: string }, client: C): Promise<void> {
    const row = await User.query(trx).findById(user.id).throwIfNotFound();
    const refuse = (reason: 'password' | 'totp') =>
      this.failure(user, sessionId, client, reason === 'totp' ? invalidTotp() : new ApiError(401, 'invalid_credentials', 'Re-authentication failed.'), { action: 'auth.reauth_failed', reason });
    if (!(await verifyPassword(row.passwordHash, input.password))) throw await refuse('password');
    if (row.totpEnabled && row.totpSecret) {
      // As at sign-in: a form sent before its code field was filled is no guess, and must not sign the
      // session out nor throttle the account.
      if (!input.totp) throw totpRequired();
      const step = this.deps.totpOk(row.totpSecret, input.totp, row.totpLastStep === null ? null : Number(row.totpLastStep));
      if (step === null) throw await refuse('totp');
      await User.query(trx).patch({ totpLastStep: step }).where({ id: row.id });
    }
    await setAuditAction(trx, 'auth.reauth');
    await Session.query(trx).patch({ reauthAt: new Date() }).where({ id: sessionId });
    await setAuditAction(trx, null);
    await this.success(user, sessionId, client);
  }

  recentlyReauthenticated(session: AuthenticatedSession, now = new Date()): boolean {
    return session.reauthAt !== null && now.getTime() - session.reauthAt.getTime() <= this.deps.policy.reauthWindowMinutes * 60_000;
  }
}
