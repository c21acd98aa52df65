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
 *
 * The line is bounded: each creation holds one of its firm's places from before its password is
 * hashed until it has run or left, and a firm with `MAX_CREATIONS_PER_FIRM` places taken in this
 * process is refused at once (429). Unbounded, one firm's script could pile up hashes (32 MiB of
 * argon2 memory each while they run) and waiting requests without end, each of which the rest of
 * the line would wait behind.
 */
import { ApiError } from '../errors';

/**
 * Creations of one firm in progress in one api process (hashing, waiting in line or running). A
 * creation takes a few tens of milliseconds when nothing waits, so 50 is far more than a script
 * needs in flight to go at full speed, and a line of 50 still drains within a request's deadline.
 */
export const MAX_CREATIONS_PER_FIRM = 50;
/** How long a refused creation should wait: about what the 50 ahead of it take on a loaded machine. */
export const CREATIONS_BUSY_RETRY_SECONDS = 10;

/** 429 in docs/api.md's shape: the firm's own creations at once, not the service, are too many. */
export function tooManyCreations(): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    `Your firm already has ${MAX_CREATIONS_PER_FIRM} user creations in progress: try again when some have finished.`,
    { retryAfterSeconds: CREATIONS_BUSY_RETRY_SECONDS, limit: 'user_creations_in_progress' },
    { 'Retry-After': String(CREATIONS_BUSY_RETRY_SECONDS) },
  );
}

export class FirmCreationQueue {
  /** Per firm, the end of the line: settles when the last creation queued so far has finished. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Per firm, places taken (`take`) and not yet given back. */
  private readonly places = new Map<string, number>();

  constructor(readonly maxPerFirm = MAX_CREATIONS_PER_FIRM) {}

  /** How many firms have creations in progress (for tests: an idle queue holds nothing). */
  get busyFirms(): number {
    return new Set([...this.tails.keys(), ...this.places.keys()]).size;
  }

  /**
   * Takes one of the firm's places before the creation's work starts (its hash), or throws 429 when
   * all are taken. The returned function gives it back (once; later calls do nothing), whether the
   * creation ran, left the line or was refused before it.
   */
  take(firmId: string): () => void {
    const taken = this.places.get(firmId) ?? 0;
    if (taken >= this.maxPerFirm) throw tooManyCreations();
    this.places.set(firmId, taken + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.places.get(firmId) ?? 1) - 1;
      if (left > 0) this.places.set(firmId, left);
      else this.places.delete(firmId);
    };
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
