/**
 * Per-firm limits of `POST /api/users` (docs/security-limits.md, "Creating users"). An address signs
 * in to one firm only, so the route answers 409 `email_taken` for an address with an account in any
 * firm (docs/accounts.md, "An address with an account elsewhere"): each such answer tells a firm admin
 * that the address uses Taalmel somewhere. These limits keep that from becoming a lookup service:
 *
 * - `emailTaken`: `email_taken` answers per firm and window.
 * - `attempts`: creations tried per firm and window (scripts onboarding many portal users fit).
 *
 * Past either, the route answers 429 `rate_limited` with `Retry-After`, for every address alike
 * (before the insert, so the refusal says nothing about the address).
 *
 * One creation of a firm runs at a time: the creation's transaction takes the firm's advisory lock
 * before the counts are read and holds it until it ends, past the insert and the count of its answer
 * (within one api process the creations already wait their turn before it, holding nothing:
 * api/users/creation-queue.ts).
 * The insert runs in a savepoint: PostgreSQL releases a transaction's locks when an error aborts it,
 * not when the ROLLBACK comes, so a refused insert in the transaction itself would free the lock
 * while this request still counts its answer, and the next creation would read the count before
 * that point lands (then count an attempt for a 429). A savepoint's error aborts only the savepoint.
 * So a count is only ever added for what happened (an admitted attempt, an actual `email_taken`
 * answer), never for a refusal or a creation that went through, and requests sent at once still
 * cannot each find the count low: at most `emailTaken` answers per window, however many run
 * concurrently. Should the lock be lost all the same (the server ended the connection), the count
 * still bounds the answers, and the attempt of an answer turned into a 429 goes back to the window
 * it was counted in, never to a later one (whose limit it would raise).
 *
 * The counts live in the sign-in throttle's table (`rate_limits`: key, points, expire in epoch
 * milliseconds), shared by every api replica, and are written outside the request's transaction,
 * which rolls back with the `email_taken` refusal.
 */
import type { Knex } from 'knex';
import { lockKey } from '../../db/advisory-lock';
import { isUniqueViolation, rateLimited } from '../errors';

export type UserCreationLimits = {
  /** `email_taken` answers per firm in the window. */
  emailTaken: number;
  /** Creations tried per firm in the window. */
  attempts: number;
  windowSeconds: number;
};

export const DEFAULT_USER_CREATION_LIMITS: UserCreationLimits = { emailTaken: 10, attempts: 200, windowSeconds: 3600 };

type Count = { points: number; expire: number };

export class UserCreationLimiter {
  constructor(
    private readonly knex: Knex,
    readonly limits: UserCreationLimits = DEFAULT_USER_CREATION_LIMITS,
  ) {}

  /**
   * Runs `insert` (in a savepoint of `trx`, the request's tenant transaction) as one creation of the
   * firm, or throws 429. When `insert` fails with a unique violation (the address has an account),
   * the firm's `email_taken` count goes up by one before the error is rethrown; the caller turns it
   * into the 409.
   */
  async create<T>(trx: Knex.Transaction, firmId: string, insert: (savepoint: Knex.Transaction) => Promise<T>): Promise<T> {
    await lockKey(trx, `taalmel.user-creation:${firmId}`);
    const takenKey = `users_email_taken:${firmId}`;
    const attemptsKey = `users_create:${firmId}`;
    const now = Date.now();
    const taken = await this.current(takenKey, now);
    if (taken && taken.points >= this.limits.emailTaken) throw refusal(taken, now);
    const attempt = await this.countAttempt(attemptsKey, now);
    try {
      // The savepoint keeps the transaction, and so the firm's lock, alive past a refused insert.
      return await trx.transaction((savepoint) => insert(savepoint));
    } catch (error) {
      // The answer is only given when its point could be counted below the limit, in one statement:
      // the count bounds the answers even if the lock was lost (a window may also have just turned).
      if (isUniqueViolation(error) && !(await this.add(takenKey, Date.now(), this.limits.emailTaken))) {
        // A 429 counts nothing: the attempt goes back, to its own window only.
        await this.giveBack(attemptsKey, attempt.expire);
        throw refusal((await this.current(takenKey, Date.now())) ?? { points: this.limits.emailTaken, expire: Date.now() + this.limits.windowSeconds * 1000 }, Date.now());
      }
      throw error;
    }
  }

  /** The key's count in its current window, or null when it has none. */
  private async current(key: string, now: number): Promise<Count | null> {
    const row = (await this.knex('rate_limits').where({ key }).where('expire', '>', now).first('points', 'expire')) as { points: number; expire: string | number } | undefined;
    return row ? { points: Number(row.points), expire: Number(row.expire) } : null;
  }

  /** One attempt counted (the count of its window), or 429 (counting nothing) when the window's attempts are used up. */
  private async countAttempt(key: string, now: number): Promise<Count> {
    const counted = await this.add(key, now, this.limits.attempts);
    if (counted) return counted;
    const count = await this.current(key, now);
    throw refusal(count ?? { points: this.limits.attempts, expire: now + this.limits.windowSeconds * 1000 }, now);
  }

  /**
   * Takes back one point counted in the window ending at `expire`: a window that has ended since
   * (its row now holds a later `expire`) is left alone, so a give-back never lands in a later window.
   */
  private async giveBack(key: string, expire: number): Promise<void> {
    await this.knex('rate_limits').where({ key, expire }).where('points', '>', 0).decrement('points', 1);
  }

  /**
   * Adds one to the key's count (a new window when the last one ended), unless the count has reached
   * `below`: one statement, so it holds without the lock too. The count after it when it added, else null.
   */
  private async add(key: string, now: number, below: number | null): Promise<Count | null> {
    const { rows } = (await this.knex.raw(
      `insert into rate_limits (key, points, expire) values (?, 1, ?)
       on conflict (key) do update set
         points = case when rate_limits.expire <= ? then 1 else rate_limits.points + 1 end,
         expire = case when rate_limits.expire <= ? then excluded.expire else rate_limits.expire end
       where rate_limits.expire <= ? or ?::integer is null or rate_limits.points < ?::integer
       returning points, expire`,
      [key, now + this.limits.windowSeconds * 1000, now, now, now, below, below],
    )) as { rows: { points: number | string; expire: number | string }[] };
    const row = rows[0];
    return row ? { points: Number(row.points), expire: Number(row.expire) } : null;
  }
}

function refusal(count: Count, now: number) {
  return rateLimited(Math.max(1, Math.ceil((count.expire - now) / 1000)));
}
