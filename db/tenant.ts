/**
 * Transactions scoped to one firm. Every firm-scoped read or write runs inside one: it carries the
 * firm (and portal client) for row-level security and the actor for the audit triggers, as
 * transaction-local settings, so nothing leaks into the next user of a pooled connection.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import { platformRoleOf } from './knex';
import { currentContext, runWithContext, type RequestContext } from './request-context';

export type Actor = { userId: string | null; email: string; role: string };

export type TenantScope = {
  firmId: string;
  clientId?: string | null;
  actor: Actor;
  requestId?: string;
  ip?: string | null;
};

export async function applyScope(trx: Knex.Transaction, scope: TenantScope & { system?: boolean }): Promise<void> {
  await trx.raw(
    `select set_config('app.firm_id', ?, true), set_config('app.client_id', ?, true), set_config('app.user_id', ?, true),
            set_config('app.user_email', ?, true), set_config('app.role', ?, true), set_config('app.request_id', ?, true),
            set_config('app.ip', ?, true), set_config('app.system', ?, true)`,
    [
      scope.firmId,
      scope.clientId ?? '',
      scope.actor.userId ?? '',
      scope.actor.email,
      scope.actor.role,
      scope.requestId ?? '',
      scope.ip ?? '',
      scope.system ? 'on' : '',
    ],
  );
}

/** Names the next audited change(s) of this transaction (default: `<entity>.create|update|delete`). */
export async function setAuditAction(trx: Knex.Transaction, action: string | null): Promise<void> {
  await trx.raw(`select set_config('app.audit_action', ?, true)`, [action ?? '']);
}

/** Runs `write` with its audit events named `action` (the triggers read it), then clears the name. */
export async function withAuditAction<T>(trx: Knex.Transaction, action: string, write: () => PromiseLike<T>): Promise<T> {
  await setAuditAction(trx, action);
  const result = await write();
  await setAuditAction(trx, null);
  return result;
}

function contextFor(scope: TenantScope, trx: Knex.Transaction): RequestContext {
  const outer = currentContext();
  return {
    ...outer,
    requestId: scope.requestId ?? outer?.requestId ?? randomUUID(),
    firmId: scope.firmId,
    clientId: scope.clientId ?? null,
    userId: scope.actor.userId ?? undefined,
    userEmail: scope.actor.email,
    role: scope.actor.role,
    trx,
  };
}

export type TransactionOptions = {
  /**
   * A request's deadline: once aborted, the transaction rolls back instead of committing, even when
   * fn succeeds afterwards (its caller has already been told it failed).
   */
  signal?: AbortSignal;
  isolationLevel?: Knex.IsolationLevels;
};

/** Runs fn in a transaction scoped to the firm; firm-scoped models inside use it automatically. */
export async function inTenantTransaction<T>(knex: Knex, scope: TenantScope, fn: (trx: Knex.Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const { signal, isolationLevel } = options;
  signal?.throwIfAborted();
  return knex.transaction(
    async (trx) => {
      await applyScope(trx, scope);
      const result = await runWithContext(contextFor(scope, trx), () => fn(trx));
      signal?.throwIfAborted();
      return result;
    },
    isolationLevel ? { isolationLevel } : undefined,
  );
}

/**
 * Background work for one firm with no person behind it (activities, scheduled jobs): an explicit
 * system actor, audited as such.
 */
export async function inFirmJobTransaction<T>(knex: Knex, firmId: string, job: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return inTenantTransaction(knex, { firmId, actor: { userId: null, email: `system:${job}`, role: 'system' } }, fn);
}

/**
 * Platform work that is not one firm's (backups, onboarding a firm before it exists): the system
 * context, which row-level security only lets see platform rows (firm_id null) unless a firm is set.
 */
export async function inSystemTransaction<T>(knex: Knex, job: string, fn: (trx: Knex.Transaction) => Promise<T>, firmId?: string): Promise<T> {
  return knex.transaction(async (trx) => {
    // The system context needs the platform role (migration 008): taken for this transaction only.
    // A pool that logs in as the application role (the api's) is refused here, by the database.
    const platformRole = platformRoleOf(knex);
    if (platformRole) await trx.raw(`SET LOCAL ROLE ${pg.escapeIdentifier(platformRole)}`);
    const scope: TenantScope = { firmId: firmId ?? '', actor: { userId: null, email: `system:${job}`, role: 'system' } };
    await applyScope(trx, { ...scope, system: true });
    return runWithContext({ ...contextFor(scope, trx), firmId }, () => fn(trx));
  });
}
