/**
 * Per-firm fairness for database work. Every request that opens a firm's transaction (API routes,
 * the console, uploads) first takes one of that firm's slots; a firm has at most `perFirm` of them,
 * fewer than the pool has connections, so one firm's hung or slow requests can never hold every
 * connection: the other firms always find the rest of the pool free. A request that finds its firm's
 * slots taken waits a little in that firm's own queue, then is refused with 503 `unavailable`. A call
 * may wait longer than the gate's default (an upload already parsed waits its turn to be stored) and
 * may end its wait early with a signal (its request is over): either way it only waits in its own
 * firm's queue, behind that firm's earlier callers, so other firms are never queued behind it.
 */
import { unavailable } from '../errors';

export type FirmGateOptions = {
  /** Connections one firm may hold at once (keep it below the pool's size). */
  perFirm: number;
  /** How long a request waits for one of its firm's slots before it is refused. */
  waitMs: number;
  /** The refusal's message (the default speaks of the firm's requests). */
  busyMessage?: string;
};

/** One call's wait, when it is not the gate's default. */
export type EnterOptions = {
  /** How long this call waits for a slot before 503 (the gate's `waitMs` when absent). */
  waitMs?: number;
  /** Ends the wait with the signal's reason; a call that gave up is never granted a slot later. */
  signal?: AbortSignal;
};

type Waiter = { grant: () => void; timer: NodeJS.Timeout };

export class FirmGate {
  private readonly active = new Map<string, number>();
  private readonly queues = new Map<string, Waiter[]>();

  constructor(readonly options: FirmGateOptions) {
    if (!Number.isInteger(options.perFirm) || options.perFirm < 1) throw new Error('FirmGate: perFirm must be a positive integer');
  }

  /** A slot of the firm; call the returned function exactly once when the work has ended. */
  async enter(firmId: string, options: EnterOptions = {}): Promise<() => void> {
    const { signal } = options;
    // A request already over takes nothing (its slot would only be given back unused).
    signal?.throwIfAborted();
    const held = this.active.get(firmId) ?? 0;
    if (held < this.options.perFirm && !this.queues.get(firmId)?.length) {
      this.active.set(firmId, held + 1);
      return this.releaser(firmId);
    }
    await new Promise<void>((resolve, reject) => {
      const queue = this.queues.get(firmId) ?? [];
      this.queues.set(firmId, queue);
      // Leaves the queue without a slot: the count stays as it is, the next release goes to the next waiter.
      const giveUp = (reason: unknown) => {
        clearTimeout(waiter.timer);
        signal?.removeEventListener('abort', onAbort);
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        if (queue.length === 0 && this.queues.get(firmId) === queue) this.queues.delete(firmId);
        reject(reason);
      };
      const onAbort = () => giveUp(signal?.reason);
      const waiter: Waiter = {
        // The releasing request hands its slot over: the count stays as it is.
        grant: () => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        timer: setTimeout(() => giveUp(unavailable(this.options.busyMessage ?? 'Too many requests of your firm are in progress; try again in a few seconds.')), options.waitMs ?? this.options.waitMs),
      };
      queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.releaser(firmId);
  }

  /** Runs fn holding one of the firm's slots. */
  async run<T>(firmId: string, fn: () => Promise<T>, options: EnterOptions = {}): Promise<T> {
    const release = await this.enter(firmId, options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Calls waiting for one of the firm's slots now (for tests and metrics). */
  waiting(firmId: string): number {
    return this.queues.get(firmId)?.length ?? 0;
  }

  /** Slots the firm holds now (for tests and metrics). */
  inUse(firmId: string): number {
    return this.active.get(firmId) ?? 0;
  }

  private releaser(firmId: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queues.get(firmId)?.shift();
      if (next) {
        if (this.queues.get(firmId)?.length === 0) this.queues.delete(firmId);
        next.grant();
        return;
      }
      const held = (this.active.get(firmId) ?? 1) - 1;
      if (held <= 0) this.active.delete(firmId);
      else this.active.set(firmId, held);
    };
  }
}
