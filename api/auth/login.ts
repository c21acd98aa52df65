/**
 * The sign-in itself (`POST /api/auth/login`, and the console's): argon2id verification with equal
 * work for unknown emails, throttling and the account lockout, TOTP, at most N active sessions per
 * user under concurrent sign-ins (the user row is locked while counting), and a notice for sign-ins
 * from new IPs. docs/security-and-tenancy.md, "Sign-in and sessions".
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { recordAuditEvent, recordSignInEvent } from '../../db/audit';
import { Notification } from '../../db/models/notification';
import { Session } from '../../db/models/session';
import { User } from '../../db/models/user';
import { hashPassword, passwordNeedsRehash, verifyPassword } from '../../db/security/passwords';
import { inTenantTransaction, setAuditAction } from '../../db/tenant';
import { attemptsLeftHint } from '../../domain/accounts';
import { istIso } from '../../domain/calendar/dates';
import { normaliseEmail } from '../../domain/email';
import type { NotificationKind } from '../../domain/notifications';
import { ApiError, conflict, rateLimited } from '../errors';
import { presentUser } from './present';
import { invalidTotp, totpRequired } from './reauth';
import { ThrottledSignIns, type ThrottledRecord } from './throttled-audit';
import type { TotpCodes } from './totp';
import { ANONYMOUS_ACTOR, scopeOf, type AuthServiceDeps, type ClientInfo, type LockoutListener, type LoginInput, type UserRow } from './types';

export class SignIn {
  /** A real argon2id hash, verified when the email is unknown so both answers take the same time. */
  private readonly dummyHash: Promise<string>;
  private lockoutListener: LockoutListener | null = null;
  /** Throttled attempts in the audit trail: one row per subject and window, not one per request. */
  private readonly throttled: ThrottledSignIns;

  constructor(
    private readonly deps: AuthServiceDeps,
    private readonly totp: TotpCodes,
  ) {
    this.dummyHash = hashPassword(randomBytes(16).toString('hex'));
    this.throttled = new ThrottledSignIns(deps.knex, deps.throttle.windowSeconds);
  }

  /** Who hears of lockouts (the account emails, wired where Temporal is known). */
  onLockout(listener: LockoutListener): void {
    this.lockoutListener = listener;
  }

  /**
   * Counts a refused attempt; the failure that reaches the limit tells the lockout listener (not
   * awaited: the answer takes as long whether or not the account exists). Returns the attempts-left
   * hint for the answer, the same for unknown emails as for known ones.
   */
  async countFailure(email: string, row: Pick<UserRow, 'id' | 'firm_id' | 'active'> | undefined, client: ClientInfo): Promise<{ attemptsLeft: number } | undefined> {
    const failures = await this.deps.throttle.recordFailure(email, client.ip);
    const max = this.deps.throttle.maxFailuresPerAccount;
    if (failures === max && row?.active && this.lockoutListener) {
      this.lockoutListener({ id: row.id, firmId: row.firm_id }, new Date()).catch((error: Error) => this.deps.logger.error({ err: error }, 'could not announce a lockout'));
    }
    const attemptsLeft = attemptsLeftHint(failures, max);
    return attemptsLeft === undefined ? undefined : { attemptsLeft };
  }

  /** The user row for an email, read through the sign-in policy (no firm is known yet). */
  private async findForLogin(email: string): Promise<UserRow | undefined> {
    return this.deps.knex.transaction(async (trx) => {
      await trx.raw(`select set_config('app.login_email', ?, true)`, [email]);
      return trx<UserRow>('users').whereRaw('lower(email) = ?', [email]).first();
    });
  }

  async login(input: LoginInput, client: ClientInfo) {
    const email = normaliseEmail(input.email);
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
      if (!input.totp) throw totpRequired();
      totpStep = this.totp.verify(row.totp_secret, input.totp, row.totp_last_step === null ? null : Number(row.totp_last_step));
      if (totpStep === null) {
        await this.countFailure(email, row, client);
        await this.recordRefusal(row, client, 'auth.login_failed', { reason: 'invalid_totp' });
        throw invalidTotp();
      }
    }

    if (input.onlyRoles && !input.onlyRoles.includes(row.role)) {
      // Refused before a session exists: the refusal takes none of the user's device slots.
      await this.recordRefusal(row, client, 'auth.login_refused', { reason: 'role_not_allowed_here' }, true);
      throw new ApiError(403, 'forbidden', 'The console is for firm admins.');
    }

    // A hash of weaker parameters than today's is replaced by one of the password just verified, made
    // here holding nothing (argon2id, slow under load): inside the transaction below it held the user
    // row and, after the session's audited insert, the firm's audit lock.
    const rehash = passwordNeedsRehash(row.password_hash) ? await hashPassword(input.password) : null;
    const user = { id: row.id, firmId: row.firm_id, email: row.email, role: row.role, clientId: row.client_id };
    const result = await inTenantTransaction(this.deps.knex, scopeOf(user, client), async (trx) => {
      // Lock the user: concurrent sign-ins of one user count and insert one at a time. NO KEY UPDATE,
      // not UPDATE: a transaction of this firm that holds the audit lock may be checking a foreign
      // key to this user (FOR KEY SHARE), and our session insert then waits for that audit lock; with
      // FOR UPDATE the two would deadlock (tests/integration/auth/login-lock-order.test.ts).
      const locked = await trx('users').where({ id: row.id }).forNoKeyUpdate().first('id', 'totp_last_step', 'password_hash');
      // The code was checked against the step read before the lock: a sign-in that took the lock
      // first with the same code (or a later one) has used it, so this one is refused.
      if (totpStep !== null && locked?.totp_last_step !== null && locked?.totp_last_step !== undefined && Number(locked.totp_last_step) >= totpStep) {
        return { totpReplayed: true as const };
      }
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
            deviceLimit: active.map((s) => ({ id: s.id, deviceName: s.deviceName, ip: s.ip, createdAt: istIso(s.createdAt), lastSeenAt: istIso(s.lastSeenAt) })),
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
      // Only over the hash it verified: a password changed meanwhile stays changed.
      if (rehash && locked?.password_hash === row.password_hash) patch.passwordHash = rehash;
      await User.query().patch(patch).where({ id: row.id });

      const known = await trx('user_known_ips').where({ user_id: row.id, ip: client.ip }).first();
      if (!known) {
        const firstEver = !(await trx('user_known_ips').where({ user_id: row.id }).first());
        await trx('user_known_ips').insert({ firm_id: row.firm_id, user_id: row.id, ip: client.ip });
        if (!firstEver) {
          await recordAuditEvent(trx, { action: 'auth.new_ip', entityType: 'user', entityId: row.id, after: { ip: client.ip, deviceName: session.deviceName } });
          await Notification.query().insert({ userId: row.id, kind: 'sign_in_new_ip' satisfies NotificationKind, payload: { ip: client.ip, deviceName: session.deviceName, at: now.toISOString() } } as Partial<Notification>);
        }
      }
      const fullUser = await User.query().findById(row.id).throwIfNotFound();
      return { session, user: fullUser };
    });

    if ('totpReplayed' in result) {
      await this.countFailure(email, row, client);
      await this.recordRefusal(row, client, 'auth.login_failed', { reason: 'invalid_totp' });
      throw invalidTotp();
    }
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

  /**
   * A refused sign-in of a known address, in the account's firm chain with the user as its entity.
   * Its actor is `anonymous` while any credential is unproved (a wrong password or code, a deactivated
   * account): whoever typed the address is not signed in, as for an unknown address. Only a refusal
   * after every credential was proved (`proved`: the console's role check) names the user.
   */
  private async recordRefusal(row: UserRow, client: ClientInfo, action: string, after: Record<string, unknown>, proved = false): Promise<void> {
    const user = { id: row.id, firmId: row.firm_id, email: row.email, role: row.role, clientId: row.client_id };
    const scope = proved ? scopeOf(user, client) : { ...scopeOf(user, client), clientId: null, actor: ANONYMOUS_ACTOR };
    await inTenantTransaction(this.deps.knex, scope, (trx) =>
      recordAuditEvent(trx, { action, entityType: 'user', entityId: row.id, after }),
    ).catch((error: Error) => this.deps.logger.error({ err: error }, 'could not record a refused sign-in'));
  }
}
