/**
 * Grandfather-father-son rotation of backups. Pure: given the catalogue and a clock, which backups
 * stay and which go (the activity then deletes files and catalogue rows together).
 *
 * Only verified backups (those whose restore drill passed) fill the retention slots, counted the way
 * restic's `--keep-daily/weekly/monthly` count them: walking from the newest, keep the newest backup
 * of each of the last N days *that have a verified backup* (then weeks, then months). Counting days
 * with backups rather than calendar days means a week of failed nights does not silently shrink
 * what is kept. Besides the slots:
 * - the newest verified backup is always kept, whatever the policy says;
 * - backups still in progress (`running`, `dumped` awaiting their drill) are kept for a grace
 *   period, after which they count as abandoned;
 * - failed or abandoned backups newer than the newest verified one are kept (they are the latest
 *   attempts, for investigation); older ones go;
 * - while no backup is verified at all, nothing is deleted: an unproven file may be the only copy.
 */

export type BackupStatus = 'running' | 'dumped' | 'verified' | 'failed';

export type RotationPolicy = { daily: number; weekly: number; monthly: number };

export const DEFAULT_ROTATION_POLICY: RotationPolicy = { daily: 7, weekly: 4, monthly: 6 };

export type RotationCandidate = { id: string; createdAt: Date; status: BackupStatus };

export type KeepReason = 'newest-verified' | 'daily' | 'weekly' | 'monthly' | 'in-progress' | 'newer-than-verified' | 'nothing-verified-yet';

export type RotationDecision = {
  keep: Array<{ id: string; reasons: KeepReason[] }>;
  remove: string[];
};

export type RotationOptions = {
  now: Date;
  /** The calendar days, weeks and months are those of this IANA time zone (the scheduler's). */
  timeZone?: string;
  /** How long a backup may stay `running`/`dumped` before it counts as abandoned. */
  inProgressGraceMs?: number;
};

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function localDay(at: Date, timeZone: string): { year: number; month: number; day: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(at).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

/** The bucket keys a backup falls in: its local day, ISO week and month. */
export function calendarBuckets(at: Date, timeZone = 'UTC'): { day: string; week: string; month: string } {
  const { year, month, day } = localDay(at, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  // ISO 8601 week: the week (Monday to Sunday) belongs to the year of its Thursday.
  const date = Date.UTC(year, month - 1, day);
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(date + (3 - weekday) * DAY_MS);
  const isoYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / DAY_MS / 7) + 1;
  return { day: `${year}-${pad(month)}-${pad(day)}`, week: `${isoYear}-W${pad(week)}`, month: `${year}-${pad(month)}` };
}

function newestFirst(a: RotationCandidate, b: RotationCandidate): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function selectBackupsToKeep(backups: RotationCandidate[], policy: RotationPolicy, options: RotationOptions): RotationDecision {
  const timeZone = options.timeZone ?? 'UTC';
  const grace = options.inProgressGraceMs ?? DAY_MS;
  const reasons = new Map<string, KeepReason[]>();
  const keep = (id: string, reason: KeepReason) => reasons.set(id, [...(reasons.get(id) ?? []), reason]);

  const sorted = [...backups].sort(newestFirst);
  const verified = sorted.filter((b) => b.status === 'verified');
  const newestVerified = verified[0];

  if (newestVerified) keep(newestVerified.id, 'newest-verified');
  const slots: Array<[KeepReason, number, 'day' | 'week' | 'month']> = [
    ['daily', policy.daily, 'day'],
    ['weekly', policy.weekly, 'week'],
    ['monthly', policy.monthly, 'month'],
  ];
  for (const [reason, count, unit] of slots) {
    const seen = new Set<string>();
    for (const backup of verified) {
      const bucket = calendarBuckets(backup.createdAt, timeZone)[unit];
      if (seen.has(bucket)) continue;
      if (seen.size >= count) break;
      seen.add(bucket);
      keep(backup.id, reason);
    }
  }

  for (const backup of sorted) {
    if (backup.status === 'verified') continue;
    const inProgress = (backup.status === 'running' || backup.status === 'dumped') && options.now.getTime() - backup.createdAt.getTime() < grace;
    if (inProgress) keep(backup.id, 'in-progress');
    else if (!newestVerified) keep(backup.id, 'nothing-verified-yet');
    else if (newestFirst(backup, newestVerified) < 0) keep(backup.id, 'newer-than-verified');
  }

  return {
    keep: sorted.filter((b) => reasons.has(b.id)).map((b) => ({ id: b.id, reasons: reasons.get(b.id) ?? [] })),
    remove: sorted.filter((b) => !reasons.has(b.id)).map((b) => b.id),
  };
}
