/**
 * Throttled sign-ins in the audit trail without letting an attacker fill it
 * (docs/security-limits.md, "Sign-in throttling"). Someone hammering a throttled account gets a 429
 * for each try; recording each would write a row per request. Instead each throttled subject (the
 * account for the `account` limit, the account and IP for `account_ip`, the IP for `ip`) has an audit
 * window as long as the throttle's:
 *
 * - the first refusal of a window is recorded (`auth.login_throttled` with the email tried, the
 *   limit, `retryAfterSeconds` and `windowEndsAt`);
 * - the others are only counted;
 * - once the window has ended, the next attempt on that subject, refused or let through, records the
 *   window's count (`auth.login_throttled` with `refused` and `windowEndedAt`), when it is more than
 *   the one refusal already recorded.
 *
 * At most two rows per subject and window, however many requests. The count lives in the throttle's
 * own table (`rate_limits`: key, points, expire in epoch milliseconds), under a key that hashes the
 * subject (an email may be longer than a key may). Correct under concurrency, with no lock of our
 * own: one upsert adds one to the window's count and returns the new count, so exactly one refusal of
 * a window sees 1 and records it; an ended window's row is taken by a DELETE … RETURNING, so exactly
 * one attempt reads its count and records it, and refusals after it start a new row.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

export type ThrottleLimit = 'account' | 'account_ip' | 'ip';

/** One row to record: the details, and the IP it concerns ('' when the subject is not one IP). */
export type ThrottledRecord = { details: Record<string, unknown>; ip: string };

const KEY_PREFIX = 'login_throttled_audit:';

type Subject = { limit: ThrottleLimit; key: string; details: Record<string, unknown>; ip: string };

function subjectOf(limit: ThrottleLimit, email: string, ip: string): Subject {
  const id = limit === 'account' ? email : limit === 'account_ip' ? `${email}|${ip}` : ip;
  const key = `${KEY_PREFIX}${limit}:${createHash('sha256').update(id).digest('hex')}`;
  // What the window's count row names: the subject itself, nothing of the attempt that reads it.
  if (limit === 'account') return { limit, key, details: { email }, ip: '' };
  if (limit === 'account_ip') return { limit, key, details: { email }, ip };
  return { limit, key, details: {}, ip };
}

type EndedRow = { key: string; points: number; expire: string | number };

export class ThrottledSignIns {
  constructor(
    private readonly knex: Knex,
    private readonly windowSeconds: number,
  ) {}

  /** A throttled attempt: the rows to record (none for all but the first refusal of a window). */
  async refused(limit: ThrottleLimit, email: string, ip: string, retryAfterSeconds: number): Promise<ThrottledRecord[]> {
    const subject = subjectOf(limit, email, ip);
    const now = Date.now();
    const ended = await this.takeEnded([subject], now);
    const { rows } = (await this.knex.raw(
      `insert into rate_limits (key, points, expire) values (?, 1, ?)
       on conflict (key) do update set points = rate_limits.points + 1
       returning points, expire`,
      [subject.key, now + this.windowSeconds * 1000],
    )) as { rows: { points: number; expire: string | number }[] };
    const row = rows[0]!;
    if (row.points !== 1) return ended;
    return [...ended, { details: { email, limit, retryAfterSeconds, windowEndsAt: new Date(Number(row.expire)).toISOString() }, ip }];
  }

  /** An attempt the throttle let through: the counts of this email's and IP's ended windows, if any. */
  async allowed(email: string, ip: string): Promise<ThrottledRecord[]> {
    return this.takeEnded(
      (['account', 'account_ip', 'ip'] as const).map((limit) => subjectOf(limit, email, ip)),
      Date.now(),
    );
  }

  /** Removes the subjects' ended windows; each ended window with more than its first refusal is a row. */
  private async takeEnded(subjects: Subject[], now: number): Promise<ThrottledRecord[]> {
    const rows = (await this.knex('rate_limits')
      .whereIn(
        'key',
        subjects.map((s) => s.key),
      )
      .where('expire', '<=', now)
      .delete()
      .returning(['key', 'points', 'expire'])) as EndedRow[];
    return rows.flatMap((row) => {
      const subject = subjects.find((s) => s.key === row.key)!;
      if (row.points <= 1) return [];
      return [{ details: { ...subject.details, limit: subject.limit, refused: row.points, windowEndedAt: new Date(Number(row.expire)).toISOString() }, ip: subject.ip }];
    });
  }
}
