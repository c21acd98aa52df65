/**
 * Keeps password guessing out without handing anyone a switch to lock others out. State lives in
 * PostgreSQL (rate-limiter-flexible), so every api replica sees the same counts.
 * - Per account and IP: after `maxFailuresPerIp` failures for one email from one IP, that pair is
 *   refused for the window. A shared office IP is never locked as a whole: other accounts behind
 *   it keep signing in.
 * - Per account: after `maxFailuresPerAccount` failures (from anywhere), sign-ins to that email from
 *   unknown devices are slowed to one attempt per `slowSeconds`, not refused: guessing becomes
 *   useless while the owner can still get in, and at once from a device it signed in with before
 *   (api/auth/device-cookie.ts), which the account limit never applies to.
 * - Per IP, across accounts (password spraying): past ten times the pair limit, unknown devices
 *   behind that IP are slowed the same way.
 * - Per signed-in session (re-authentication, password change, TOTP disable): after
 *   `SESSION_MAX_FAILURES` wrong passwords or codes the session is signed out. Session holders are
 *   held by their own session's count only, never by the account's or the pair's, which anyone
 *   failing sign-ins can run up; their failures still count toward the account's lockout email.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';

export type ThrottleConfig = {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
  /** The pace of attempts to a slowed account (or from a spraying IP); 30 s (at most the window) when absent. */
  slowSeconds?: number;
};

const SLOW_SECONDS = 30;
/** The spray threshold is this many times the per-pair limit. */
const SPRAY_FACTOR = 10;

/** A session's wrong passwords and codes (in the window) before it is signed out. */
export const SESSION_MAX_FAILURES = 5;

/** Go ahead (no reason), or wait this long because of that limit. */
export type ThrottleVerdict = { retryAfterSeconds: 0; reason: null } | { retryAfterSeconds: number; reason: 'account' | 'account_ip' | 'ip' };

export class LoginThrottle {
  private readonly account: RateLimiterPostgres;
  private readonly pair: RateLimiterPostgres;
  private readonly ip: RateLimiterPostgres;
  private readonly slowAccount: RateLimiterPostgres;
  private readonly slowIp: RateLimiterPostgres;
  private readonly session: RateLimiterPostgres;
  private readonly slowSeconds: number;

  constructor(
    private readonly knex: Knex,
    private readonly config: ThrottleConfig,
  ) {
    const common = { storeClient: knex, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false };
    const window = config.windowSeconds;
    this.slowSeconds = Math.min(config.slowSeconds ?? SLOW_SECONDS, window);
    this.account = new RateLimiterPostgres({ ...common, keyPrefix: 'login_account', points: config.maxFailuresPerAccount, duration: window });
    this.pair = new RateLimiterPostgres({ ...common, keyPrefix: 'login_account_ip', points: config.maxFailuresPerIp, duration: window });
    this.ip = new RateLimiterPostgres({ ...common, keyPrefix: 'login_ip', points: config.maxFailuresPerIp * SPRAY_FACTOR, duration: window });
    this.slowAccount = new RateLimiterPostgres({ ...common, keyPrefix: 'login_slow_account', points: 1, duration: this.slowSeconds });
    this.slowIp = new RateLimiterPostgres({ ...common, keyPrefix: 'login_slow_ip', points: 1, duration: this.slowSeconds });
    this.session = new RateLimiterPostgres({ ...common, keyPrefix: 'reauth_session', points: SESSION_MAX_FAILURES, duration: window });
  }

  /** Counts a signed-in session's wrong password or code; returns its failures in the window. */
  async recordSessionFailure(sessionId: string): Promise<number> {
    return (await consume(this.session, sessionId)).consumedPoints;
  }

  /** A session's count ends with it (the fifth failure signed it out). */
  async clearSession(sessionId: string): Promise<void> {
    await this.session.delete(sessionId);
  }

  /**
   * A signed-in person's right password or code (re-authentication, password change, TOTP disable):
   * clears the session's count, the pair's, and the account's unless from a known device (as
   * `recordSuccess`). Written in `trx`, the transaction that records what the proof allows: cleared
   * when that commits and not at all when it rolls back, never an answer of 500 after the proof was
   * recorded, and no second connection wanted while the transaction holds one (four at once on a
   * pool of three each held one and waited for another until the pool's wait ended them in 503).
   */
  async recordSessionSuccess(trx: Knex.Transaction, sessionId: string, email: string, ip: string, knownDevice: boolean): Promise<void> {
    const keys = [this.session.getKey(sessionId), this.pair.getKey(pairKey(email, ip))];
    if (!knownDevice) keys.push(this.account.getKey(limiterSubject(email)));
    await trx('rate_limits').whereIn('key', keys).delete();
  }

  /**
   * Whether this attempt may go ahead now. A slowed account or IP lets one attempt through per slow
   * interval (this call takes it); a device known to the account is never held by the account limit.
   */
  async check(email: string, ip: string, knownDevice: boolean): Promise<ThrottleVerdict> {
    const [pair, account, byIp] = await Promise.all([this.pair.get(pairKey(email, ip)), this.account.get(limiterSubject(email)), this.ip.get(ip)]);
    if (pair && pair.consumedPoints >= this.config.maxFailuresPerIp) return { retryAfterSeconds: seconds(pair.msBeforeNext), reason: 'account_ip' };
    if (knownDevice) return { retryAfterSeconds: 0, reason: null };
    if (account && account.consumedPoints >= this.config.maxFailuresPerAccount) {
      const wait = await take(this.slowAccount, limiterSubject(email));
      if (wait > 0) return { retryAfterSeconds: wait, reason: 'account' };
    }
    if (byIp && byIp.consumedPoints >= this.config.maxFailuresPerIp * SPRAY_FACTOR) {
      const wait = await take(this.slowIp, ip);
      if (wait > 0) return { retryAfterSeconds: wait, reason: 'ip' };
    }
    return { retryAfterSeconds: 0, reason: null };
  }

  /** Counts a failure; returns the account's failures in the window (the lockout starts at the limit). */
  async recordFailure(email: string, ip: string): Promise<number> {
    const [account] = await Promise.all([consume(this.account, limiterSubject(email)), consume(this.pair, pairKey(email, ip)), consume(this.ip, ip)]);
    // The failure that reaches the limit starts the slow pace at once: the next attempt waits.
    if (account.consumedPoints === this.config.maxFailuresPerAccount) await consume(this.slowAccount, limiterSubject(email));
    return account.consumedPoints;
  }

  /** The throttle's window, which the throttled attempts' audit windows share. */
  get windowSeconds(): number {
    return this.config.windowSeconds;
  }

  get maxFailuresPerAccount(): number {
    return this.config.maxFailuresPerAccount;
  }

  /**
   * Ends a lockout (an admin's unlock, a completed password reset): the account's count and slow
   * pace, and its per-IP pairs from every IP. The IP-wide spray count is not the account's to clear.
   */
  async clear(email: string): Promise<void> {
    const subject = limiterSubject(email);
    await Promise.all([this.account.delete(subject), this.slowAccount.delete(subject)]);
    const prefix = `login_account_ip:${subject}|`.replace(/[\\%_]/g, (c) => `\\${c}`);
    await this.knex('rate_limits').whereRaw(`key like ? escape '\\'`, [`${prefix}%`]).delete();
  }

  /**
   * The accounts among `emails` whose sign-ins are held now, each with when its hold ends: the
   * account's count at its limit (new devices slowed), or the account from some IP at the pair's
   * limit (refused from there). These are what `clear` ends, so an admin's "Unlock" applies to them
   * and to no one else. Two reads of the table, whatever the number of people, in `db`: the request's
   * transaction, so a list that asks holds no second connection of the pool while it waits.
   */
  async heldUntil(emails: string[], db: Knex = this.knex): Promise<Map<string, Date>> {
    const bySubject = new Map(emails.map((email) => [limiterSubject(email), email]));
    const held = new Map<string, Date>();
    if (bySubject.size === 0) return held;
    const now = Date.now();
    const live = (q: Knex.QueryBuilder) => q.whereNull('expire').orWhere('expire', '>', now);
    const accounts = await db('rate_limits')
      .select<Array<{ key: string; expire: string | null }>>('key', 'expire')
      .whereIn('key', [...bySubject.keys()].map((subject) => this.account.getKey(subject)))
      .andWhere('points', '>=', this.config.maxFailuresPerAccount)
      .andWhere(live);
    const pairPrefix = this.pair.getKey('');
    const likeText = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
    // Only these people's pairs (subject, bar, IP): a scan of every held pair would grow with an
    // attack on other firms' addresses.
    const pairPatterns = [...bySubject.keys()].map((subject) => `${likeText(this.pair.getKey(subject))}|%`);
    const pairs = await db('rate_limits')
      .select<Array<{ key: string; expire: string | null }>>('key', 'expire')
      .whereRaw(`key like any(?::text[])`, [pairPatterns])
      .andWhere('points', '>=', this.config.maxFailuresPerIp)
      .andWhere(live);
    const accountPrefix = this.account.getKey('');
    const note = (subject: string, expire: string | null) => {
      const email = bySubject.get(subject);
      if (!email) return;
      const until = new Date(expire === null ? now + this.config.windowSeconds * 1000 : Number(expire));
      const known = held.get(email);
      if (!known || until > known) held.set(email, until);
    };
    for (const row of accounts) note(row.key.slice(accountPrefix.length), row.expire);
    // A pair's key is the subject, a bar, then the IP (which has no bar in it).
    for (const row of pairs) note(row.key.slice(pairPrefix.length, row.key.lastIndexOf('|')), row.expire);
    return held;
  }

  /**
   * A right password clears the pair's count, and the account's unless it came from a known device
   * (the owner at their own device says nothing about the guesser elsewhere: the slow pace stays).
   */
  async recordSuccess(email: string, ip: string, knownDevice: boolean): Promise<void> {
    await Promise.all([knownDevice ? null : this.account.delete(limiterSubject(email)), this.pair.delete(pairKey(email, ip))]);
  }
}

/** Emails longer than this are counted under their digest: a key (prefix, email, IP) must fit the table's 255 characters. */
const LONGEST_PLAIN_SUBJECT = 180;

/**
 * The key part for an email (or any subject a person types): itself, or its SHA-256 when it is long.
 * Emails may be 320 characters; a key too long for `rate_limits.key` failed the count's insert, so a
 * long address answered 500 and was never counted toward its limit.
 */
export function limiterSubject(subject: string): string {
  return subject.length <= LONGEST_PLAIN_SUBJECT ? subject : `sha256:${createHash('sha256').update(subject).digest('hex')}`;
}

const pairKey = (email: string, ip: string) => `${limiterSubject(email)}|${ip}`;
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

async function consume(limiter: RateLimiterPostgres, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection;
    throw rejection;
  }
}

/** Takes the one attempt of the current slow interval: 0 when taken, else the seconds to wait. */
async function take(limiter: RateLimiterPostgres, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return seconds(rejection.msBeforeNext);
    throw rejection;
  }
}
