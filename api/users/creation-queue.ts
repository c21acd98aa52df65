/**
 * A firm's user creations, one after the other in this process, waiting in line while holding
 * nothing: no database connection, no slot of the firm (DATABASE_FIRM_MAX_CONNECTIONS), no lock.
 *
 * Creations of a firm are serial anyway (the firm's advisory lock of api/users/creation-limit.ts,
 * which still orders them across api replicas). Waiting for that lock inside a transaction held one
 * of the firm's few slots per waiting request, so a script creating 20 users at once filled the
 * firm's slots with waiters and the rest of the batch, with the firm's other requests, met the slot
 * queue's 5 s limit: 503 `unavailable`. In this line a request waits until its own deadline (then
 * 503 `request_timeout`, which the client has had already), and only the creation at the head takes
 * a slot, for its short transaction.
 */

export class FirmCreationQueue {
  /** Per firm, the end of the line: settles when the last creation queued so far has finished. */
  private readonly tails = new Map<string, Promise<void>>();

  /** How many firms have creations queued or running (for tests: an idle queue holds nothing). */
  get busyFirms(): number {
    return this.tails.size;
  }

  /**
   * Runs `work` when the firm's earlier creations in this process have finished. A request whose
   * signal aborts leaves the line at once with the signal's reason; the ones behind it keep their
   * order (each waits on everything queued before it, not on its neighbour alone).
   */
  async run<T>(firmId: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const before = this.tails.get(firmId) ?? Promise.resolve();
    let finished!: () => void;
    const mine = new Promise<void>((resolve) => (finished = resolve));
    const tail = before.then(() => mine);
    this.tails.set(firmId, tail);
    const forget = () => {
      if (this.tails.get(firmId) === tail) this.tails.delete(firmId);
    };
    let hadTurn = false;
    try {
      await untilAborted(before, signal);
      hadTurn = true;
      return await work();
    } finally {
      finished();
      // The firm's entry goes only once the line has emptied up to this request. One that had its
      // turn is the last one done; one that left on its signal must not drop the entry while an
      // earlier creation still runs (the next request would start beside it): it goes when that
      // creation, and so this request's tail, has settled.
      if (hadTurn) forget();
      else void tail.then(forget);
    }
  }
}

/** `turn`, or the signal's reason as soon as it aborts. */
function untilAborted(turn: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return turn;
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    turn.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
