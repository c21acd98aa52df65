/** What the middleware chain leaves on ctx.state for handlers. */
import type { Knex } from 'knex';
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

export type AppState = {
  requestId: string;
  user?: AuthenticatedUser;
  session?: AuthenticatedSession;
  /** How the request authenticated: cookie requests need the CSRF header on writes. */
  authMethod?: 'cookie' | 'bearer';
  trx?: Knex.Transaction;
  /** Aborted when the request's deadline passes (api/middleware/deadline.ts): its transaction then rolls back. */
  deadline?: AbortSignal;
  /** The firm requires TOTP for firm admins and this one has none yet: only self-service is open. */
  mustEnrollTotp?: boolean;
};
