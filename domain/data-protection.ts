/**
 * The time rules of client exports and erasures, as pure functions: the api computes them, shows
 * them, and hands them to the workflows, whose timers come from nothing else.
 */
import type { RotationPolicy } from './backup-rotation';

/** How long an export's ZIP is kept and its download URL works, unless configured otherwise. */
export const DEFAULT_EXPORT_TTL_MS = 24 * 3600_000;

export type ExportPlan = { requestedAt: string; expiresAt: string };

/** The export is deleted (and its URL stops working) this long after it was requested. */
export function exportPlan(requestedAt: Date, ttlMs: number = DEFAULT_EXPORT_TTL_MS): ExportPlan {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error('an export must be kept for a positive time');
  return { requestedAt: requestedAt.toISOString(), expiresAt: new Date(requestedAt.getTime() + ttlMs).toISOString() };
}

function addUtcDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * 86_400_000);
}

/**
 * The last moment a backup taken before the erasure may still exist under the rotation policy
 * (grandfather-father-son, counted per day, ISO week and month with a verified backup):
 * - a daily slot keeps a backup for `daily` days, a weekly one for `weekly` weeks (plus the rest of
 *   the week it was taken in);
 * - a monthly slot keeps the newest backup of a month for `monthly` months: the newest backup that
 *   predates the erasure can be that of the erasure's month (when no later backup in the month is
 *   verified), so it may live until the end of month M + monthly − 1, M being the erasure's month.
 * The bound assumes backups keep being verified; while none passes, rotation deletes nothing (the
 * certificate says so).
 */
export function backupsHoldDataUntil(erasedAt: Date, policy: RotationPolicy): Date {
  const candidates: Date[] = [erasedAt];
  if (policy.daily > 0) candidates.push(addUtcDays(erasedAt, policy.daily));
  if (policy.weekly > 0) candidates.push(addUtcDays(erasedAt, 7 * policy.weekly + 7));
  if (policy.monthly > 0) {
    candidates.push(new Date(Date.UTC(erasedAt.getUTCFullYear(), erasedAt.getUTCMonth() + policy.monthly, 1)));
  }
  return new Date(Math.max(...candidates.map((d) => d.getTime())));
}

/** What an erasure's deletion step committed: rows per table (before and after), the files to delete, redacted audit events. */
export type ErasureDeleted = {
  tables: Record<string, { before: number; after: number }>;
  files: string[];
  portalUsers: number;
  redactedAuditEvents: number;
  /**
   * Ids of the client's rows in the tables others are reached through (its notices), read before
   * the deletion: how its after count, the certificate's recount and the restore drill tie a child
   * row left behind (a notice's draft) to this client once the parent is gone. Ids only. Absent
   * from records written before they were kept.
   */
  parentIds?: Record<string, string[]>;
};

/** A client export's ZIP inside the export folder; names are ours (`<export id>.zip`), never a user's. */
export function clientExportFileName(exportId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(exportId)) throw new Error('not an export id');
  return `${exportId}.zip`;
}
