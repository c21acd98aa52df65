/**
 * The checklist link has no sign-in, so it is rate-limited like sign-in, with state in PostgreSQL
 * (every api replica sees the same counts): requests per IP, and far fewer tokens that match no
 * link per IP (guessing; a link that expired or was revoked was issued, and costs nothing). Refusals are 429 rate_limited with Retry-After.
 */
import type { Knex } from 'knex';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimited } from '../errors';

export type LinkThrottleConfig = { requestsPerIp: number; failuresPerIp: number; windowSeconds: number };

export const DEFAULT_LINK_THROTTLE: LinkThrottleConfig = { requestsPerIp: 300, failuresPerIp: 20, windowSeconds: 900 };

export class LinkThrottle {
  private readonly requests: RateLimiterPostgres;
  private readonly failures: RateLimiterPostgres;

  constructor(knex: Knex, private readonly config: LinkThrottleConfig = DEFAULT_LINK_THROTTLE) {
    const common = { storeClient: knex, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false };
    this.requests = new RateLimiterPostgres({ ...common, keyPrefix: 'link_ip', points: config.requestsPerIp, duration: config.windowSeconds });
    this.failures = new RateLimiterPostgres({ ...common, keyPrefix: 'link_fail_ip', points: config.failuresPerIp, duration: config.windowSeconds });
  }

  /** Counts a request; throws 429 when this IP is over either limit. */
  async admit(ip: string): Promise<void> {
    const failed = await this.failures.get(ip);
    if (failed && failed.consumedPoints >= this.config.failuresPerIp) throw rateLimited(Math.max(1, Math.ceil(failed.msBeforeNext / 1000)));
    try {
      await this.requests.consume(ip);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
      throw rejection;
    }
  }

  async recordFailure(ip: string): Promise<void> {
    try {
      await this.failures.consume(ip);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    }
  }
}
