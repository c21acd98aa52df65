/**
 * The per-request (or per-job) context that travels with async work: request id for log lines and
 * audit rows, and, once authenticated, who is acting for which firm. Only the auth middleware and
 * explicit background contexts set the tenant fields.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type RequestContext = {
  requestId: string;
  ip?: string;
  firmId?: string;
  userId?: string;
  role?: string;
  clientId?: string | null;
};

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
