/** The sign-in service's settings, inputs and shared shapes (api/auth/service.ts and the modules it is made of). */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { SecretBox } from '../../db/security/secret-box';
import type { Actor } from '../../db/tenant';
import type { LoginThrottle } from './throttle';
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

/** A user row as the sign-in reads it (before any firm is known). */
export type UserRow = {
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

/**
 * The actor of a request that proves nothing about who sent it: a refused sign-in (known address or
 * not) and a "forgot password" request. Typing an address, even with its password, is not being
 * signed in, so such an event is never put in the account's name (docs/security-and-tenancy.md).
 */
export const ANONYMOUS_ACTOR: Actor = { userId: null, email: 'anonymous', role: 'anonymous' };

function actorOf(user: { id: string; email: string; role: string }): Actor {
  return { userId: user.id, email: user.email, role: user.role };
}

/** The tenant scope of a person's own request (sign-in, re-authentication): their firm, portal client and themselves. */
export function scopeOf(user: { id: string; firmId: string; email: string; role: string; clientId?: string | null }, client: ClientInfo) {
  return { firmId: user.firmId, clientId: user.clientId ?? null, actor: actorOf(user), requestId: client.requestId, ip: client.ip };
}
