/**
 * The per-request (or per-job) context that travels with async work: the request id for log lines
 * and audit rows, and, once authenticated, who is acting for which firm, plus the transaction the
 * firm's row-level security settings live in. Only the auth middleware and the explicit background
 * helpers (db/tenant.ts) set the tenant fields, always from a verified session or a job's own input.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';

export type RequestContext = {
  requestId: string;
  ip?: string;
  firmId?: string;
  userId?: string;
  userEmail?: string;
  role?: string;
  clientId?: string | null;
  sessionId?: string;
  /** The tenant transaction: firm-scoped models run their queries in it. */
  trx?: Knex.Transaction;
};

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Adds fields to the current context for the rest of this async flow (e.g. after authentication). */
export function extendContext(fields: Partial<RequestContext>): void {
  const store = storage.getStore();
  if (!store) throw new Error('extendContext called outside a request context');
  Object.assign(store, fields);
}
