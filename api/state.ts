/** What the middleware chain leaves on ctx.state for handlers. */
import type { Knex } from 'knex';
import type { TenantScope } from '../db/tenant';
import type { Role } from './rbac/permissions';

export type AuthenticatedUser = {
  id: string;
  firmId: string;
  email: string;
  name: string;
  role: Role;
  clientId: string | null;
  totpEnabled: boolean;
};

export type AuthenticatedSession = {
  id: string;
  deviceName: string;
  createdAt: Date;
  absoluteExpiresAt: Date;
  idleExpiresAt: Date;
  reauthAt: Date | null;
};

/** Options of one short transaction a `transaction: 'handler'` route opens (api/routes.ts). */
export type TenantTransactionOptions = {
  /**
   * `false` lets a transaction that records what already happened outside (an email sent) commit,
   * and wait for its firm's slot, even after the client has had its 503.
   */
  untilDeadline?: boolean;
};

/**
 * A short tenant transaction, bound by the auth middleware to the api's own pool and fairness gate:
 * the caller's firm (row-level security) and the caller as actor (audit triggers), in one of the
 * firm's slots held only while it runs.
 */
export type TenantTransaction = <T>(fn: (trx: Knex.Transaction) => Promise<T>, options?: TenantTransactionOptions) => Promise<T>;

export type AppState = {
  requestId: string;
  user?: AuthenticatedUser;
  session?: AuthenticatedSession;
  /** How the request authenticated: cookie requests need the CSRF header on writes. */
  authMethod?: 'cookie' | 'bearer';
  trx?: Knex.Transaction;
  /** The verified firm and actor of an authenticated request (kept for auditing a refusal after a rollback). */
  tenantScope?: TenantScope;
  /** A `transaction: 'handler'` route's own short transactions (api/routes.ts); absent on every other route. */
  tenantTransaction?: TenantTransaction;
  /** Aborted when the request's deadline passes (api/middleware/deadline.ts): its transaction then rolls back. */
  deadline?: AbortSignal;
  /** The firm requires TOTP for firm admins and this one has none yet: only self-service is open. */
  mustEnrollTotp?: boolean;
};
