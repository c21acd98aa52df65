/**
 * Sign-in and sessions, as the routes, the console and the account flows use them. Every promise of
 * the "Sign-in and sessions" section of docs/security-and-tenancy.md is kept in the modules this
 * service is made of: the sign-in (login.ts), the session check, activity and sign-out
 * (sessions.ts), two-factor codes (totp.ts), password rules and changes (passwords.ts) and
 * re-authentication (reauth.ts).
 */
import type { Knex } from 'knex';
import type { Session } from '../../db/models/session';
import { normaliseEmail } from '../../domain/email';
import type { AuthenticatedSession, AuthenticatedUser, TenantTransaction } from '../state';
import { SignIn } from './login';
import { changePassword } from './passwords';
import { Reauthentication } from './reauth';
import { Sessions } from './sessions';
import { TotpCodes } from './totp';
import { scopeOf, type AuthServiceDeps, type ClientInfo, type LockoutListener, type LoginInput } from './types';


export class AuthService {
  private readonly sessions: Sessions;
  private readonly totp: TotpCodes;
  private readonly signIn: SignIn;
  /** A signed-in person's own credential checks: re-authentication and the counting it shares. */
  private readonly reauth: Reauthentication<ClientInfo>;

  constructor(private readonly deps: AuthServiceDeps) {
    this.sessions = new Sessions(deps);
    this.totp = new TotpCodes(deps.secretBox);
    this.signIn = new SignIn(deps, this.totp);
    this.reauth = new Reauthentication<ClientInfo>({
      knex: deps.knex,
      throttle: deps.throttle,
      policy: deps.policy,
      countFailure: (email, row, client) => this.signIn.countFailure(email, row, client),
      revokeSession: (trx, sessionId, by, reason, action) => this.sessions.revokeSession(trx, sessionId, by, reason, action),
      scope: (user, client) => scopeOf(user, client),
      totpOk: (secret, code, lastStep) => this.totp.verify(secret, code, lastStep),
    });
  }

  /** Who hears of lockouts (the account emails, wired where Temporal is known). */
  onLockout(listener: LockoutListener): void {
    this.signIn.onLockout(listener);
  }

  /** Ends an account's sign-in lockout (an admin's unlock, a completed password reset). */
  async clearLockout(email: string): Promise<void> {
    await this.deps.throttle.clear(normaliseEmail(email));
  }

  /** Until when each of these people's sign-ins are held (what an unlock ends); people not held are absent. */
  async lockedUntil(trx: Knex.Transaction, emails: string[]): Promise<Map<string, Date>> {
    const normalised = new Map(emails.map((email) => [normaliseEmail(email), email]));
    const held = await this.deps.throttle.heldUntil([...normalised.keys()], trx);
    return new Map([...held].map(([email, until]) => [normalised.get(email) ?? email, until]));
  }

  login(input: LoginInput, client: ClientInfo) {
    return this.signIn.login(input, client);
  }

  checkSession(trx: Knex.Transaction, sessionId: string, userId: string) {
    return this.sessions.checkSession(trx, sessionId, userId);
  }

  touchSession(scope: { firmId: string; userId: string; requestId: string }, sessionId: string): void {
    this.sessions.touchSession(scope, sessionId);
  }

  async reissueToken(user: AuthenticatedUser, sessionId: string) {
    return this.deps.tokens.sign({ sub: user.id, firmId: user.firmId, sessionId, role: user.role });
  }

  revokeSession(trx: Knex.Transaction, sessionId: string, by: string, reason: string, action: string): Promise<boolean> {
    return this.sessions.revokeSession(trx, sessionId, by, reason, action);
  }

  revokeAllSessions(trx: Knex.Transaction, userId: string, by: string, reason: string, exceptSessionId?: string): Promise<number> {
    return this.sessions.revokeAllSessions(trx, userId, by, reason, exceptSessionId);
  }

  activeSessions(trx: Knex.Transaction, userId: string): Promise<Session[]> {
    return this.sessions.activeSessions(trx, userId);
  }

  /** `POST /api/auth/reauth` (api/auth/reauth.ts): its short transactions, no request transaction around them. */
  reauthenticate(tenantTransaction: TenantTransaction, user: AuthenticatedUser, sessionId: string, input: { password: string; totp?: string }, client: ClientInfo): Promise<void> {
    return this.reauth.reauthenticate(tenantTransaction, user, sessionId, input, client);
  }

  recentlyReauthenticated(session: AuthenticatedSession, now = new Date()): boolean {
    return this.reauth.recentlyReauthenticated(session, now);
  }

  totpSetup(trx: Knex.Transaction, user: AuthenticatedUser) {
    return this.totp.setup(trx, user);
  }

  totpEnable(trx: Knex.Transaction, user: AuthenticatedUser, code: string): Promise<void> {
    return this.totp.enable(trx, user, code);
  }

  /** `POST /api/auth/totp/disable` (api/auth/totp.ts): its short transactions, no request transaction around them. */
  totpDisable(tenantTransaction: TenantTransaction, user: AuthenticatedUser, session: AuthenticatedSession, code: string | undefined, client: ClientInfo): Promise<void> {
    return this.totp.disable(tenantTransaction, user, session, code, client, this.reauth);
  }

  /** `POST /api/auth/password` (api/auth/passwords.ts): its short transactions, no request transaction around them. */
  changePassword(tenantTransaction: TenantTransaction, user: AuthenticatedUser, sessionId: string, input: { currentPassword: string; newPassword: string }, client: ClientInfo): Promise<void> {
    return changePassword(tenantTransaction, user, sessionId, input, client, { reauth: this.reauth, sessions: this.sessions });
  }
}
