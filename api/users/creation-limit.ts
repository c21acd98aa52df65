/**
 * Per-firm limits of `POST /api/users` (docs/security-limits.md, "Creating users"). An address signs
 * in to one firm only, so the route answers 409 `email_taken` for an address with an account in any
 * firm (docs/accounts.md, "An address with an account elsewhere"): each such answer tells a firm admin
 * that the address uses Taalmel somewhere. These limits keep that from becoming a lookup service:
 *
 * - `emailTaken`: refusals per firm and window. A point is taken *before* the insert and given back
 *   when the insert did not end in `email_taken`, so requests sent at once cannot each find the count
 *   still low: at most `emailTaken` answers per window, however many run concurrently.
 * - `attempts`: creations tried per firm and window (scripts onboarding many portal users fit).
 *
 * Past either, the route answers 429 `rate_limited` with `Retry-After`, for every address alike
 * (before the insert, so the refusal says nothing about the address). State is in PostgreSQL
 * (rate-limiter-flexible, the sign-in throttle's table), shared by every api replica and outside the
 * request's transaction, which rolls back with the refusal.
 */
import type { Knex } from 'knex';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../errors';

export type UserCreationLimits = {
  /** `email_taken` answers per firm in the window. */
  emailTaken: number;
  /** Creations tried per firm in the window. */
  attempts: number;
  windowSeconds: number;
};

export const DEFAULT_USER_CREATION_LIMITS: UserCreationLimits = { emailTaken: 10, attempts: 200, windowSeconds: 3600 };

/** A point held while one creation runs: `settle` keeps it for an `email_taken` answer, else gives it back. */
export type CreationTicket = { settle(emailTaken: boolean): Promise<void> };

export class UserCreationLimiter {
  private readonly emailTaken: RateLimiterPostgres;
  private readonly attempts: RateLimiterPostgres;

  constructor(knex: Knex, readonly limits: UserCreationLimits = DEFAULT_USER_CREATION_LIMITS) {
    const common = { storeClient: knex, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false };
    this.emailTaken = new RateLimiterPostgres({ ...common, keyPrefix: 'users_email_taken', points: limits.emailTaken, duration: limits.windowSeconds });
    this.attempts = new RateLimiterPostgres({ ...common, keyPrefix: 'users_create', points: limits.attempts, duration: limits.windowSeconds });
  }

  /** Takes one attempt and one `email_taken` point of the firm, or throws 429 (taking nothing it would keep). */
  async admit(firmId: string): Promise<CreationTicket> {
    await take(this.attempts, firmId);
    await take(this.emailTaken, firmId);
    let settled = false;
    return {
      settle: async (emailTaken: boolean) => {
        if (settled) return;
        settled = true;
        // A reward that fails leaves the point taken until the window ends: it errs toward the limit,
        // and the creation itself (already done) is not failed for it.
        if (!emailTaken) await this.emailTaken.reward(firmId, 1).catch(() => undefined);
      },
    };
  }
}

async function take(limiter: RateLimiterPostgres, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    throw rejection;
  }
}
