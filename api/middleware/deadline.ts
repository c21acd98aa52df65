/**
 * A deadline for every request. When it passes, the client gets 503 `request_timeout` at once and the
 * request's signal is aborted: the tenant transaction sees it and rolls back instead of committing
 * (db/tenant.ts), whatever the handler still does. The handler itself cannot be stopped mid-await,
 * but the database limits of the app's connections (statement, lock and idle-in-transaction
 * timeouts, db/knex.ts) end anything it still waits for, so its connection comes back too.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Middleware } from 'koa';
import { requestTimedOut } from '../errors';
import type { FirmGate } from '../limits/firm-gate';
import type { TemporalHandle } from '../temporal-client';

/** The deadline signal of the request whose handler is running (for waits deep in helpers). */
const requestSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * Waits on Temporal for the running request (an update's result, say) no longer than its deadline:
 * once the client has had its 503, a wait left running would long-poll and retry for nothing. Only
 * waits go through here: a workflow started or signalled is not cut off half-sent, and work a
 * request does after it committed (an email started, say) is never bound to the deadline.
 */
export function waitWithinDeadline<T>(temporal: TemporalHandle, wait: () => Promise<T>): Promise<T> {
  const signal = requestSignal.getStore();
  return signal ? temporal.client.withAbortSignal(signal, wait) : wait();
}

/**
 * One of the firm's slots for a request (the API's routes, the admin console), waiting no longer than
 * the request's deadline: by then the client has had its 503 `request_timeout`, and a waiter left
 * queued would be handed a slot for a request nobody waits for. A wait given up holds nothing, so
 * there is nothing to give back; a granted slot is the caller's to release exactly once.
 */
export function enterFirmWithinDeadline(gate: FirmGate, firmId: string, ctx: { state: { deadline?: AbortSignal } }): Promise<() => void> {
  return gate.enter(firmId, { signal: ctx.state.deadline });
}

export type DeadlineOptions = {
  /** Most requests. */
  ms: number;
  /** Requests that carry a large body (uploads) get this longer deadline. */
  longMs: number;
  isLong: (ctx: Context) => boolean;
};

export function requestDeadline(options: DeadlineOptions): Middleware {
  return async (ctx, next) => {
    const ms = options.isLong(ctx) ? options.longMs : options.ms;
    const controller = new AbortController();
    ctx.state.deadline = controller.signal;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const error = requestTimedOut(Math.round(ms / 100) / 10);
        controller.abort(error);
        // The rest of a body we stopped waiting for is not read: close the connection after answering.
        ctx.set('Connection', 'close');
        reject(error);
      }, ms);
    });
    const work = requestSignal.run(controller.signal, next);
    // Once the deadline answered, a late failure of the abandoned work has nowhere to go.
    work.catch(() => undefined);
    try {
      await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
