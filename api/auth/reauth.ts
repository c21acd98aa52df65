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
import { normaliseEmail } from '../../domain/email';
import { ApiError, conflict, unauthenticated } from '../errors';
import type { AuthenticatedSession, AuthenticatedUser, TenantTransaction } from '../state';
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
    await this.deps.countFailure(normaliseEmail(user.email), { id: user.id, firm_id: user.firmId, active: true }, client);
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

  /**
   * A signed-in person's right password or code, counted in `trx`, the short transaction that writes
   * what it allows: the session's, the account's and the pair's counts are cleared when that commits.
   */
  async success(trx: Knex.Transaction, user: AuthenticatedUser, sessionId: string, client: C): Promise<void> {
    await this.deps.throttle.recordSessionSuccess(trx, sessionId, normaliseEmail(user.email), client.ip, client.knownDevice ?? false);
  }

  /**
   * The write half of a proof checked holding nothing: locks the user's row, then the session's (the
   * user first, as every writer of both), before the first audited write, and refuses when what the
   * proof was checked against moved meanwhile: the session signed out (401 `session_revoked`), or,
   * given the row the password was checked against, the password changed (409 `password_changed`).
   * The change is told by `password_changed_at`, which only a password change or reset moves: a
   * sign-in re-hashing an old-format hash of the same password replaces the hash meanwhile, and the
   * password proved is still the account's. Returns the locked user row.
   */
  async lockForWrite(trx: Knex.Transaction, userId: string, sessionId: string, checked?: Pick<User, 'passwordChangedAt'>): Promise<User> {
    const locked = await User.query(trx).findById(userId).forNoKeyUpdate().throwIfNotFound();
    // Of two proofs at once the second proved a password that is no longer the account's: refused
    // rather than written over the first, and counted as no guess.
    if (checked && instant(locked.passwordChangedAt) !== instant(checked.passwordChangedAt)) throw conflict('password_changed', 'The password was changed meanwhile: use the new one.');
    if (!(await Session.query(trx).findById(sessionId).whereNull('revoked_at').forNoKeyUpdate())) throw unauthenticated('session_revoked', 'This session was signed out. Sign in again.');
    return locked;
  }

  /**
   * `POST /api/auth/reauth`. The password (argon2id: tens of milliseconds of CPU, far more under load)
   * and the code are checked holding nothing (no transaction, connection, lock or slot of the firm),
   * as a failure's counting is; then a short transaction locks the user and the session, re-checks
   * what may have moved meanwhile (the session signed out, the password changed, two-factor turned on,
   * the code used by another proof: refused as a replay, counted), clears the counts and records the
   * re-authentication. Inside the request's transaction, re-authentications at once held the pool's
   * connections while they hashed and then waited for one more to count (503 `unavailable`).
   */
  async reauthenticate(tenantTransaction: TenantTransaction, user: AuthenticatedUser, sessionId: string, input: { password: string; totp?: string }, client: C): Promise<void> {
    const row = await tenantTransaction(async (trx) => User.query(trx).findById(user.id).throwIfNotFound());
    const refuse = (reason: 'password' | 'totp') =>
      this.failure(user, sessionId, client, reason === 'totp' ? invalidTotp() : new ApiError(401, 'invalid_credentials', 'Re-authentication failed.'), { action: 'auth.reauth_failed', reason });
    if (!(await verifyPassword(row.passwordHash, input.password))) throw await refuse('password');
    let step: number | null = null;
    if (row.totpEnabled && row.totpSecret) {
      // As at sign-in: a form sent before its code field was filled is no guess, and must not sign the
      // session out nor throttle the account.
      if (!input.totp) throw totpRequired();
      step = this.deps.totpOk(row.totpSecret, input.totp, lastStep(row));
      if (step === null) throw await refuse('totp');
    }
    const replayed = await tenantTransaction(async (trx) => {
      const locked = await this.lockForWrite(trx, user.id, sessionId, row);
      if (locked.totpEnabled && locked.totpSecret) {
        // Turned on while the password was checked: the proof lacks the code the account now asks.
        if (step === null) throw totpRequired();
        // The code was checked against the step read before the lock: a proof that took the lock first
        // with the same code (or a later one) used it, or a new secret replaced the one it matched.
        if (locked.totpSecret !== row.totpSecret || (lastStep(locked) ?? -1) >= step) return true;
        await User.query(trx).patch({ totpLastStep: step }).where({ id: user.id });
      }
      await this.success(trx, user, sessionId, client);
      await setAuditAction(trx, 'auth.reauth');
      await Session.query(trx).patch({ reauthAt: new Date() }).where({ id: sessionId });
      await setAuditAction(trx, null);
      return false;
    });
    // Counted after the transaction: the count and a fifth failure's sign-out take connections of their own.
    if (replayed) throw await refuse('totp');
  }

  recentlyReauthenticated(session: AuthenticatedSession, now = new Date()): boolean {
    return session.reauthAt !== null && now.getTime() - session.reauthAt.getTime() <= this.deps.policy.reauthWindowMinutes * 60_000;
  }
}

/** A user's last accepted TOTP step (a bigint, read as a string by pg). */
export function lastStep(row: Pick<User, 'totpLastStep'>): number | null {
  return row.totpLastStep === null ? null : Number(row.totpLastStep);
}

/** A timestamp as a comparable number (null for never). */
function instant(at: Date | string | null): number | null {
  return at === null ? null : new Date(at).getTime();
}
