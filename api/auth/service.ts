/**
 * Sign-in and sessions. Every promise of the "Sign-in and sessions" section of docs/security-and-tenancy.md is kept
 * here: argon2id verification with equal work for unknown emails, throttling, TOTP with single-use
 * codes, at most N active sessions per user under concurrent sign-ins (the user row is locked while
 * counting), remote sign-out, re-authentication, and a notice for sign-ins from new IPs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { generateSecret, generateURI, verifySync } from 'otplib';
import type { Logger } from 'pino';
import { recordAuditEvent, recordSignInEvent } from '../../db/audit';
import type { Firm } from '../../db/models/firm';
import { Notification } from '../../db/models/notification';
import { Session } from '../../db/models/session';
import { User } from '../../db/models/user';
import { passwordProblem, PASSWORD_PROBLEM_MESSAGES } from '../../db/security/password-policy';
import { hashPassword, passwordNeedsRehash, verifyPassword } from '../../db/security/passwords';
import type { SecretBox } from '../../db/security/secret-box';
import { inTenantTransaction, setAuditAction, type Actor } from '../../db/tenant';
import { attemptsLeftHint } from '../../domain/accounts';
import { ApiError, conflict, invalidInput, rateLimited, unauthenticated } from '../errors';
import type { AuthenticatedSession, AuthenticatedUser } from '../state';
import { SESSION_MAX_FAILURES, type LoginThrottle } from './throttle';
import { ThrottledSignIns, type ThrottledRecord } from './throttled-audit';
import type { SessionTokens } from './tokens';

export type SessionPolicy = {
  idleMinutes: number;
  absoluteHours: number;
  reauthWindowMinutes: number;
  maxSessionsPerUser: number;
};

export type AuthServiceDeps = {
  knex: Knex;
  tokens: SessionTokens;
  secretBox: SecretBox;
  throttle: LoginThrottle;
  policy: SessionPolicy;
  logger: Logger;
};

export type LoginInput = {
  email: string;
  password: string;
  totp?: string;
  deviceName?: string;
  replaceSessionId?: string;
  /** Only these roles may sign in here (the console: firm admins); others are refused before any session exists. */
  onlyRoles?: readonly string[];
};

/** Told when a sign-in failure starts an account's lockout (docs/accounts.md: the user gets an email). */
export type LockoutListener = (user: { id: string; firmId: string }, at: Date) => Promise<void>;
export type ClientInfo = {
  ip: string;
  userAgent: string | null;
  requestId: string;
  /** The device signed in to this email before (api/auth/device-cookie.ts): the account lockout does not apply. */
  knownDevice?: boolean;
};

type UserRow = {
  id: string;
  firm_id: string;
  client_id: string | null;
  email: string;
  name: string;
  role: string;
  active: boolean;
  password_hash: string;
  totp_enabled: boolean;
  totp_secret: string | null;
  totp_last_step: number | null;
};

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

const TOTP_ISSUER = 'Taalmel';
/** A session's last_seen_at (and idle expiry) is written at most this often. */
export const SESSION_TOUCH_EVERY_MS = 60_000;
// ±1 step of 30 s: a phone clock a little off still works.
const TOTP_TOLERANCE_SECONDS = 30;

export function presentUser(user: Pick<User, 'id' | 'email' | 'name' | 'role' | 'firmId' | 'clientId'>) {
  return { id: user.id, email: user.email, name: user.name, role: user.role, firmId: user.firmId, clientId: user.clientId };
}

export function presentSession(session: Session, currentId?: string) {
  return {
    id: session.id,
    deviceName: session.deviceName,
    ip: session.ip,
    userAgent: session.userAgent,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    ...(currentId !== undefined ? { current: session.id === currentId } : {}),
  };
}

function actorOf(user: { id: string; email: string; role: string }): Actor {
  return { userId: user.id, email: user.email, role: user.role };
}

export class AuthService {
  /** A real argon2id hash, verified when the email is unknown so both answers take the same time. */
  private readonly dummyHash: Promise<string>;
  /** When this process last recorded each session's activity (touchSession). */
  private readonly lastTouched = new Map<string, number>();
  private lockoutListener: LockoutListener | null = null;
  /** Throttled attempts in the audit trail: one row per subject and window, not one per request. */
  private readonly throttled: ThrottledSignIns;

  constructor(private readonly deps: AuthServiceDeps) {
    this.dummyHash = hashPassword(randomBytes(16).toString('hex'));
    this.throttled = new ThrottledSignIns(deps.knex, deps.throttle.windowSeconds);
  }

  /** Who hears of lockouts (the account emails, wired where Temporal is known). */
  onLockout(listener: LockoutListener): void {
    this.lockoutListener = listener;
  }

  /** Ends an account's sign-in lockout (an admin's unlock, a completed password reset). */
  async clearLockout(email: string): Promise<void> {
    await this.deps.throttle.clear(email.trim().toLowerCase());
  }

  /**
   * Counts a refused attempt; the failure that reaches the limit tells the lockout listener (not
   * awaited: the answer takes as long whether or not the account exists). Returns the attempts-left
   * hint for the answer, the same for unknown emails as for known ones.
   */
  private async countFailure(email: string, row: Pick<UserRow, 'id' | 'firm_id' | 'active'> | undefined, client: ClientInfo): Promise<{ attemptsLeft: number } | undefined> {
    const failures = await this.deps.throttle.recordFailure(email, client.ip);
    const max = this.deps.throttle.maxFailuresPerAccount;
    if (failures === max && row?.active && this.lockoutListener) {
      this.lockoutListener({ id: row.id, firmId: row.firm_id }, new Date()).catch((error: Error) => this.deps.logger.error({ err: error }, 'could not announce a lockout'));
    }
    const attemptsLeft = attemptsLeftHint(failures, max);
    return attemptsLeft === undefined ? undefined : { attemptsLeft };
  }

  private scope(user: { id: string; firmId: string; email: string; role: string; clientId?: string | null }, client: ClientInfo) {
    return { firmId: user.firmId, clientId: user.clientId ?? null, actor: actorOf(user), requestId: client.requestId, ip: client.ip };
  }

  /** The user row for an email, read through the sign-in policy (no firm is known yet). */
  private async findForLogin(email: string): Promise<UserRow | undefined> {
    return this.deps.knex.transaction(async (trx) => {
      await trx.raw(`select set_config('app.login_email', ?, true)`, [email]);
      return trx<UserRow>('users').whereRaw('lower(email) = ?', [email]).first();
    });
  }

  private totpOk(secretCiphertext: string, code: string, lastStep: number | null): number | null {
    const secret = this.deps.secretBox.decrypt(secretCiphertext);
    const result = verifySync({
      secret,
      token: code,
      epochTolerance: TOTP_TOLERANCE_SECONDS,
      ...(lastStep !== null ? { afterTimeStep: lastStep } : {}),
    });
    // The functional API's result type is the HOTP/TOTP union; TOTP results carry the matched step.
    return result.valid && 'timeStep' in result ? (result as { timeStep: number }).timeStep : null;
  }

  async login(input: LoginInput, client: ClientInfo) {
    const email = input.email.trim().toLowerCase();
    const verdict = await this.deps.throttle.check(email, client.ip, client.knownDevice ?? false);
    if (verdict.reason !== null) {
      const { reason } = verdict;
      await this.recordThrottled(client, () => this.throttled.refused(reason, email, client.ip, verdict.retryAfterSeconds));
      throw rateLimited(verdict.retryAfterSeconds);
    }
    await this.recordThrottled(client, () => this.throttled.allowed(email, client.ip));

    const row = await this.findForLogin(email);
    const passwordOk = await verifyPassword(row?.password_hash ?? (await this.dummyHash), input.password);
    if (!row || !passwordOk || !row.active) {
      const hint = await this.countFailure(email, row, client);
      if (row) await this.recordRefusal(row, client, 'auth.login_failed', { reason: passwordOk ? 'inactive' : 'wrong_password' });
      else await this.recordPlatformSignIn('auth.login_failed', client, { email, reason: 'unknown_email' });
      throw new ApiError(401, 'invalid_credentials', 'The email or password is not right.', hint);
    }

    let totpStep: number | null = null;
    if (row.totp_enabled && row.totp_secret) {
      if (!input.totp) throw new ApiError(401, 'totp_required', 'Enter the code from your authenticator app.');
      totpStep = this.totpOk(row.totp_secret, input.totp, row.totp_last_step === null ? null : Number(row.totp_last_step));
      if (totpStep === null) {
        await this.countFailure(email, row, client);
        await this.recordRefusal(row, client, 'auth.login_failed', { reason: 'invalid_totp' });
        throw new ApiError(401, 'invalid_totp', 'That code is not valid (or was already used).');
      }
    }

    if (input.onlyRoles && !input.onlyRoles.includes(row.role)) {
      // Refused before a session exists: the refusal takes none of the user's device slots.
      await this.recordRefusal(row, client, 'auth.login_refused', { reason: 'role_not_allowed_here' });
      throw new ApiError(403, 'forbidden', 'The console is for firm admins.');
    }

    const user = { id: row.id, firmId: row.firm_id, email: row.email, role: row.role, clientId: row.client_id };
    const result = await inTenantTransaction(this.deps.knex, this.scope(user, client), async (trx) => {
      // Lock the user: concurrent sign-ins of one user count and insert one at a time.
      await trx('users').where({ id: row.id }).forUpdate().first('id');
      const now = new Date();
      const active = await Session.query()
        .where({ user_id: row.id })
        .whereNull('revoked_at')
        .where('idle_expires_at', '>', now)
        .where('absolute_expires_at', '>', now)
        .orderBy('created_at');

      if (active.length >= this.deps.policy.maxSessionsPerUser) {
        const replace = input.replaceSessionId ? active.find((s) => s.id === input.replaceSessionId) : undefined;
        if (!replace) {
          return {
            deviceLimit: active.map((s) => ({ id: s.id, deviceName: s.deviceName, ip: s.ip, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt })),
          };
        }
        await setAuditAction(trx, 'auth.session_replaced');
        await Session.query().patch({ revokedAt: now, revokedBy: row.id, revokedReason: 'replaced_at_sign_in' }).where({ id: replace.id });
      }

      const idleExpiresAt = new Date(now.getTime() + this.deps.policy.idleMinutes * 60_000);
      const absoluteExpiresAt = new Date(now.getTime() + this.deps.policy.absoluteHours * 3_600_000);
      await setAuditAction(trx, 'auth.login');
      const session = await Session.query().insertAndFetch({
        id: randomUUID(),
        userId: row.id,
        deviceName: (input.deviceName ?? client.userAgent ?? 'unnamed device').slice(0, 200),
        userAgent: client.userAgent?.slice(0, 500) ?? null,
        ip: client.ip,
        lastSeenAt: now,
        idleExpiresAt,
        absoluteExpiresAt,
        tokenIssuedAt: now,
      } as Partial<Session>);
      await setAuditAction(trx, null);

      const patch: Partial<User> = { lastLoginAt: now };
      if (totpStep !== null) patch.totpLastStep = totpStep;
      if (passwordNeedsRehash(row.password_hash)) patch.passwordHash = await hashPassword(input.password);
      await User.query().patch(patch).where({ id: row.id });

      const known = await trx('user_known_ips').where({ user_id: row.id, ip: client.ip }).first();
      if (!known) {
        const firstEver = !(await trx('user_known_ips').where({ user_id: row.id }).first());
        await trx('user_known_ips').insert({ firm_id: row.firm_id, user_id: row.id, ip: client.ip });
        if (!firstEver) {
          await recordAuditEvent(trx, { action: 'auth.new_ip', entityType: 'user', entityId: row.id, after: { ip: client.ip, deviceName: session.deviceName } });
          await Notification.query().insert({ userId: row.id, kind: 'sign_in_new_ip', payload: { ip: client.ip, deviceName: session.deviceName, at: now.toISOString() } } as Partial<Notification>);
        }
      }
      const fullUser = await User.query().findById(row.id).throwIfNotFound();
      return { session, user: fullUser };
    });

    if ('deviceLimit' in result) {
      throw conflict('device_limit', 'You are signed in on the maximum number of devices. Sign out of one, or retry with replaceSessionId.', {
        sessions: result.deviceLimit,
      });
    }
    await this.deps.throttle.recordSuccess(email, client.ip, client.knownDevice ?? false);
    const { token, expiresAt } = await this.deps.tokens.sign({ sub: row.id, firmId: row.firm_id, sessionId: result.session.id, role: row.role });
    return {
      user: presentUser(result.user),
      session: { id: result.session.id, expiresAt: result.session.absoluteExpiresAt },
      token,
      tokenExpiresAt: expiresAt,
    };
  }

  /** A sign-in attempt of no firm (an unknown email) in the platform chain, with its IP (throttled ones: recordThrottled). */
  private async recordPlatformSignIn(action: 'auth.login_failed', client: ClientInfo, details: Record<string, unknown>): Promise<void> {
    await recordSignInEvent(this.deps.knex, { action, details, requestId: client.requestId, ip: client.ip }).catch((error: Error) =>
      this.deps.logger.error({ err: error }, 'could not record a sign-in attempt'),
    );
  }

  /** The throttled-attempt rows due now (api/auth/throttled-audit.ts); a failure is logged, never the caller's. */
  private async recordThrottled(client: ClientInfo, due: () => Promise<ThrottledRecord[]>): Promise<void> {
    try {
      for (const record of await due()) {
        await recordSignInEvent(this.deps.knex, { action: 'auth.login_throttled', details: record.details, requestId: client.requestId, ip: record.ip });
      }
    } catch (error) {
      this.deps.logger.error({ err: error as Error }, 'could not record a throttled sign-in');
    }
  }

  private async recordRefusal(row: UserRow, client: ClientInfo, action: string, after: Record<string, unknown>): Promise<void> {
    const user = { id: row.id, firmId: row.firm_id, email: row.email, role: row.role, clientId: row.client_id };
    await inTenantTransaction(this.deps.knex, this.scope(user, client), (trx) =>
      recordAuditEvent(trx, { action, entityType: 'user', entityId: row.id, after }),
    ).catch((error: Error) => this.deps.logger.error({ err: error }, 'could not record a refused sign-in'));
  }

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

  async reissueToken(user: AuthenticatedUser, sessionId: string) {
    return this.deps.tokens.sign({ sub: user.id, firmId: user.firmId, sessionId, role: user.role });
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

  /**
   * A wrong password or code of a signed-in person. Counted against the session: the
   * `SESSION_MAX_FAILURES`th signs it out (401 `session_revoked`), so a stolen session cannot guess
   * on. Session holders are not held by the account's slow pace or the email+IP pair (outsiders
   * failing sign-ins, or a colleague behind the same NAT, would lock the owner out of re-auth), but
   * each failure still counts toward the account's lockout email. Audited outside the request's
   * transaction, which rolls back with the refusal; the revocation commits on its own for the same reason.
   */
  private async credentialFailure(user: AuthenticatedUser, sessionId: string, client: ClientInfo, refusal: ApiError, audit: { action: string; reason: string }): Promise<ApiError> {
    await this.countFailure(user.email.toLowerCase(), { id: user.id, firm_id: user.firmId, active: true }, client);
    const failures = await this.deps.throttle.recordSessionFailure(sessionId);
    if (failures >= SESSION_MAX_FAILURES) {
      await inTenantTransaction(this.deps.knex, this.scope(user, client), (trx) => this.revokeSession(trx, sessionId, user.id, 'credential_failures', 'auth.session_revoked'));
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
  private async credentialSuccess(user: AuthenticatedUser, sessionId: string, client: ClientInfo): Promise<void> {
    await Promise.all([this.deps.throttle.recordSuccess(user.email.toLowerCase(), client.ip, client.knownDevice ?? false), this.deps.throttle.clearSession(sessionId)]);
  }

  async reauthenticate(trx: Knex.Transaction, user: AuthenticatedUser, sessionId: string, input: { password: string; totp?: string }, client: ClientInfo): Promise<void> {
    const row = await User.query(trx).findById(user.id).throwIfNotFound();
    const refuse = (reason: 'password' | 'totp') =>
      this.credentialFailure(user, sessionId, client, new ApiError(401, reason === 'totp' ? 'invalid_totp' : 'invalid_credentials', 'Re-authentication failed.'), { action: 'auth.reauth_failed', reason });
    if (!(await verifyPassword(row.passwordHash, input.password))) throw await refuse('password');
    if (row.totpEnabled && row.totpSecret) {
      const step = input.totp ? this.totpOk(row.totpSecret, input.totp, row.totpLastStep === null ? null : Number(row.totpLastStep)) : null;
      if (step === null) throw await refuse('totp');
      await User.query(trx).patch({ totpLastStep: step }).where({ id: row.id });
    }
    await setAuditAction(trx, 'auth.reauth');
    await Session.query(trx).patch({ reauthAt: new Date() }).where({ id: sessionId });
    await setAuditAction(trx, null);
    await this.credentialSuccess(user, sessionId, client);
  }

  recentlyReauthenticated(session: AuthenticatedSession, now = new Date()): boolean {
    return session.reauthAt !== null && now.getTime() - session.reauthAt.getTime() <= this.deps.policy.reauthWindowMinutes * 60_000;
  }

  async totpSetup(trx: Knex.Transaction, user: AuthenticatedUser) {
    if (user.totpEnabled) throw conflict('totp_already_enabled', 'Two-factor authentication is already on; disable it first.');
    const secret = generateSecret();
    await setAuditAction(trx, 'auth.totp_setup');
    await User.query(trx).patch({ totpPendingSecret: this.deps.secretBox.encrypt(secret) }).where({ id: user.id });
    await setAuditAction(trx, null);
    return { secret, otpauthUrl: generateURI({ issuer: TOTP_ISSUER, label: user.email, secret }) };
  }

  async totpEnable(trx: Knex.Transaction, user: AuthenticatedUser, code: string): Promise<void> {
    const row = await User.query(trx).findById(user.id).throwIfNotFound();
    if (row.totpEnabled) throw conflict('totp_already_enabled', 'Two-factor authentication is already on.');
    if (!row.totpPendingSecret) throw conflict('totp_not_set_up', 'Call /api/auth/totp/setup first.');
    const step = this.totpOk(row.totpPendingSecret, code, null);
    if (step === null) throw new ApiError(400, 'invalid_totp', 'That code is not valid.', { fields: { code: 'does not match' } });
    await setAuditAction(trx, 'auth.totp_enabled');
    await User.query(trx).patch({ totpEnabled: true, totpSecret: row.totpPendingSecret, totpPendingSecret: null, totpLastStep: step }).where({ id: user.id });
    await setAuditAction(trx, null);
  }

  async totpDisable(trx: Knex.Transaction, user: AuthenticatedUser, sessionId: string, code: string, client: ClientInfo): Promise<void> {
    const row = await User.query(trx).findById(user.id).throwIfNotFound();
    if (!row.totpEnabled || !row.totpSecret) throw conflict('totp_not_enabled', 'Two-factor authentication is not on.');
    const step = this.totpOk(row.totpSecret, code, row.totpLastStep === null ? null : Number(row.totpLastStep));
    if (step === null) {
      const refusal = new ApiError(400, 'invalid_totp', 'That code is not valid (or was already used).', { fields: { code: 'does not match' } });
      throw await this.credentialFailure(user, sessionId, client, refusal, { action: 'auth.totp_disable_failed', reason: 'totp' });
    }
    await this.credentialSuccess(user, sessionId, client);
    await setAuditAction(trx, 'auth.totp_disabled');
    await User.query(trx).patch({ totpEnabled: false, totpSecret: null, totpPendingSecret: null, totpLastStep: null }).where({ id: user.id });
    await setAuditAction(trx, null);
  }

  async changePassword(trx: Knex.Transaction, user: AuthenticatedUser, sessionId: string, input: { currentPassword: string; newPassword: string }, client: ClientInfo): Promise<void> {
    const { currentPassword, newPassword } = input;
    const row = await User.query(trx).findById(user.id).throwIfNotFound();
    if (!(await verifyPassword(row.passwordHash, currentPassword))) {
      const refusal = new ApiError(401, 'invalid_credentials', 'The current password is not right.');
      throw await this.credentialFailure(user, sessionId, client, refusal, { action: 'auth.password_change_failed', reason: 'password' });
    }
    await this.credentialSuccess(user, sessionId, client);
    // The body names it `newPassword` (docs/api.md), so the refusal does too: a form shows it under that input.
    assertPasswordAcceptable(newPassword, row.email, 'newPassword');
    await setAuditAction(trx, 'auth.password_changed');
    await User.query(trx).patch({ passwordHash: await hashPassword(newPassword), passwordChangedAt: new Date() }).where({ id: user.id });
    await this.revokeAllSessions(trx, user.id, user.id, 'password_changed', sessionId);
  }

}

/**
 * 400 invalid_input naming `field` when the password is weak. No default: each route passes its own
 * body's name for the password (`password`, `newPassword`), or its form would show the refusal nowhere.
 */
export function assertPasswordAcceptable(password: string, email: string, field: 'password' | 'newPassword'): void {
  const problem = passwordProblem(password, email);
  if (problem) throw invalidInput({ fields: { [field]: PASSWORD_PROBLEM_MESSAGES[problem] } }, `The password ${PASSWORD_PROBLEM_MESSAGES[problem]}.`);
}
