/** Grandfather-father-son rotation: the pure selection, including 60 simulated nights. */
import { calendarBuckets, DEFAULT_ROTATION_POLICY, selectBackupsToKeep, type BackupStatus, type RotationCandidate } from '../../../domain/backup-rotation';

const TZ = 'Asia/Kolkata';

/** The nightly backup of a local (IST) date, taken at 02:30 IST (21:00 UTC the day before). */
function nightly(localDate: string, status: BackupStatus = 'verified'): RotationCandidate {
  const at = new Date(`${localDate}T02:30:00+05:30`);
  return { id: `backup-${localDate}`, createdAt: at, status };
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

describe('backup rotation (grandfather-father-son)', () => {
  it('buckets by the local calendar of the time zone, with ISO weeks', () => {
    // 20:00 UTC on 1 January is 01:30 on 2 January in India.
    expect(calendarBuckets(new Date('2026-01-01T20:00:00Z'), TZ)).toEqual({ day: '2026-01-02', week: '2026-W01', month: '2026-01' });
    expect(calendarBuckets(new Date('2026-01-01T20:00:00Z'), 'UTC').day).toBe('2026-01-01');
    // 1 January 2027 is a Friday: it belongs to the last ISO week of 2026.
    expect(calendarBuckets(new Date('2027-01-01T12:00:00Z')).week).toBe('2026-W53');
    expect(calendarBuckets(new Date('2026-03-01T12:00:00Z')).week).toBe('2026-W09');
  });

  it('keeps the right set across 60 simulated nights, rotating after each passing backup', () => {
    let catalogue: RotationCandidate[] = [];
    const failedNights = new Set(['2026-01-20', '2026-02-28']);
    for (let night = 0; night < 60; night += 1) {
      const date = addDays('2026-01-01', night);
      const backup = nightly(date, failedNights.has(date) ? 'failed' : 'verified');
      catalogue.push(backup);
      // The workflow rotates only after a passing drill.
      if (backup.status !== 'verified') continue;
      const now = new Date(backup.createdAt.getTime() + 10 * 60_000);
      const decision = selectBackupsToKeep(catalogue, DEFAULT_ROTATION_POLICY, { now, timeZone: TZ });
      // Every night: the newest verified stays, and kept + removed is exactly the catalogue.
      expect(decision.keep.map((k) => k.id)).toContain(backup.id);
      expect([...decision.keep.map((k) => k.id), ...decision.remove].sort()).toEqual(catalogue.map((b) => b.id).sort());
      expect(decision.keep.length).toBeLessThanOrEqual(7 + 4 + 6 + 1);
      catalogue = catalogue.filter((b) => !decision.remove.includes(b.id));
    }

    // Night 60 is Sunday 1 March 2026; 28 February failed its drill.
    expect(catalogue.map((b) => b.id)).toEqual([
      'backup-2026-01-31', // monthly: January's newest
      'backup-2026-02-08', // weekly: ISO week 6's newest (Sunday)
      'backup-2026-02-15', // weekly: week 7
      'backup-2026-02-22', // daily and weekly: week 8
      'backup-2026-02-23', // daily
      'backup-2026-02-24', // daily
      'backup-2026-02-25', // daily
      'backup-2026-02-26', // daily
      'backup-2026-02-27', // daily, and February's newest verified (monthly)
      'backup-2026-03-01', // newest: daily, weekly (week 9), monthly
    ]);
    const final = selectBackupsToKeep(catalogue, DEFAULT_ROTATION_POLICY, { now: new Date('2026-03-01T00:00:00Z'), timeZone: TZ });
    const reasons = Object.fromEntries(final.keep.map((k) => [k.id, k.reasons]));
    expect(reasons['backup-2026-03-01']).toEqual(['newest-verified', 'daily', 'weekly', 'monthly']);
    expect(reasons['backup-2026-02-27']).toEqual(['daily', 'monthly']);
    expect(reasons['backup-2026-01-31']).toEqual(['monthly']);
    expect(final.remove).toEqual([]);
  });

  it('never deletes the newest verified backup, even with a policy that keeps nothing', () => {
    const catalogue = [nightly('2026-05-01'), nightly('2026-05-02'), nightly('2026-05-03', 'failed')];
    const decision = selectBackupsToKeep(catalogue, { daily: 0, weekly: 0, monthly: 0 }, { now: new Date('2026-05-10T00:00:00Z'), timeZone: TZ });
    expect(decision.keep).toEqual([
      { id: 'backup-2026-05-03', reasons: ['newer-than-verified'] },
      { id: 'backup-2026-05-02', reasons: ['newest-verified'] },
    ]);
    expect(decision.remove).toEqual(['backup-2026-05-01']);
  });

  it('deletes nothing while no backup has passed a drill', () => {
    const catalogue = Array.from({ length: 20 }, (_, i) => nightly(addDays('2026-06-01', i), 'failed'));
    const decision = selectBackupsToKeep(catalogue, DEFAULT_ROTATION_POLICY, { now: new Date('2026-07-01T00:00:00Z'), timeZone: TZ });
    expect(decision.remove).toEqual([]);
    expect(new Set(decision.keep.flatMap((k) => k.reasons))).toEqual(new Set(['nothing-verified-yet']));
  });

  it('keeps backups in progress for a grace period, then treats them as abandoned', () => {
    const verified = nightly('2026-08-10');
    const running = { ...nightly('2026-08-09'), id: 'backup-2026-08-09-running', status: 'running' as const };
    const now = new Date(running.createdAt.getTime() + 3_600_000);
    expect(selectBackupsToKeep([verified, running], DEFAULT_ROTATION_POLICY, { now, timeZone: TZ }).remove).toEqual([]);
    const later = new Date(running.createdAt.getTime() + 2 * 86_400_000);
    expect(selectBackupsToKeep([verified, running], DEFAULT_ROTATION_POLICY, { now: later, timeZone: TZ }).remove).toEqual([running.id]);
  });

  it('keeps only the newest backup of a day in its daily slot', () => {
    const morning = { id: 'backup-2026-09-01', createdAt: new Date('2026-09-01T02:30:00+05:30'), status: 'verified' as const };
    const noon = { id: 'backup-2026-09-01-063000', createdAt: new Date('2026-09-01T12:00:00+05:30'), status: 'verified' as const };
    const decision = selectBackupsToKeep([morning, noon], DEFAULT_ROTATION_POLICY, { now: new Date('2026-09-01T13:00:00+05:30'), timeZone: TZ });
    expect(decision.remove).toEqual([morning.id]);
  });
});
