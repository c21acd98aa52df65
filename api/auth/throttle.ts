/**
 * Failed sign-ins are limited per account and per IP, with state in PostgreSQL
 * (rate-limiter-flexible) so every api replica sees the same counts. An account that reaches its
 * limit is locked for the window, and each further lockout within a day doubles the lock.
 */
import type { Knex } from 'knex';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

export type ThrottleConfig = { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowSeconds: number };

export class LoginThrottle {
  private readonly account: RateLimiterPostgres;
  private readonly ip: RateLimiterPostgres;
  private readonly lockouts: RateLimiterPostgres;

  constructor(
    knex: Knex,
    private readonly config: ThrottleConfig,
  ) {
    const common = { storeClient: knex, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false };
    this.account = new RateLimiterPostgres({ ...common, keyPrefix: 'login_account', points: config.maxFailuresPerAccount, duration: config.windowSeconds });
    this.ip = new RateLimiterPostgres({ ...common, keyPrefix: 'login_ip', points: config.maxFailuresPerIp, duration: config.windowSeconds });
    this.lockouts = new RateLimiterPostgres({ ...common, keyPrefix: 'login_lockouts', points: 1000, duration: 24 * 3600 });
  }

  /** Seconds to wait when this account or IP is currently refused, else 0. */
  async retryAfter(email: string, ip: string): Promise<number> {
    const [account, byIp] = await Promise.all([this.account.get(email), this.ip.get(ip)]);
    const wait = (res: RateLimiterRes | null, limit: number) => (res && res.consumedPoints >= limit ? Math.ceil(res.msBeforeNext / 1000) : 0);
    return Math.max(wait(account, this.config.maxFailuresPerAccount), wait(byIp, this.config.maxFailuresPerIp));
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    const consume = async (limiter: RateLimiterPostgres, key: string) => {
      try {
        return await limiter.consume(key);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return rejection;
        throw rejection;
      }
    };
    const [account] = await Promise.all([consume(this.account, email), consume(this.ip, ip)]);
    if (account.consumedPoints === this.config.maxFailuresPerAccount) {
      const lockouts = await consume(this.lockouts, email);
      const seconds = this.config.windowSeconds * 2 ** Math.min(lockouts.consumedPoints - 1, 6);
      await this.account.block(email, seconds);
    }
  }

  async recordSuccess(email: string): Promise<void> {
    await this.account.delete(email);
  }
}
