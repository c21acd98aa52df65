/**
 * The `backups` catalogue and `platform_notifications`: typed rows and the few queries the backup
 * activities and the ops commands share. Platform tables, not firm-scoped: plain knex, no tenant
 * context. The activities reach them through the application role (granted in migration 006); the
 * ops commands through the owner connection.
 */
import type { Knex } from 'knex';
import type { DatabaseCounts, CountMismatch } from '../../domain/backup-counts';
import type { BackupStatus } from '../../domain/backup-rotation';

export type DrillStatus = 'pending' | 'running' | 'passed' | 'failed';

export type DrillCheckResult = { name: string; ok: boolean; detail: string };

export type DrillDurations = { verifyMs?: number; restoreMs?: number; inspectMs?: number; dropMs?: number; totalMs?: number };

export type BackupRow = {
  id: string;
  kind: 'scheduled' | 'on_demand';
  status: BackupStatus;
  workflow_id: string;
  workflow_run_id: string;
  file: string | null;
  size_bytes: number | null;
  sha256: string | null;
  server_version: string | null;
  pg_dump_version: string | null;
  schema_migration: string | null;
  counts: DatabaseCounts | null;
  dump_started_at: Date | null;
  dump_finished_at: Date | null;
  dump_duration_ms: number | null;
  failure_reason: string | null;
  drill_status: DrillStatus;
  drill_reason: string | null;
  drill_workflow_id: string | null;
  drill_scratch_database: string | null;
  drill_started_at: Date | null;
  drill_finished_at: Date | null;
  drill_durations: DrillDurations | null;
  drill_counts: DatabaseCounts | null;
  drill_mismatches: CountMismatch[] | null;
  drill_checks: DrillCheckResult[] | null;
  created_at: Date;
  updated_at: Date;
};

export const BACKUPS_TABLE = 'backups';
export const PLATFORM_NOTIFICATIONS_TABLE = 'platform_notifications';

export async function findBackup(knex: Knex, id: string): Promise<BackupRow | undefined> {
  return knex<BackupRow>(BACKUPS_TABLE).where({ id }).first();
}

export async function listBackups(knex: Knex): Promise<BackupRow[]> {
  return knex<BackupRow>(BACKUPS_TABLE).select('*').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
}

/** What `npm run ops:backups --json` prints for each backup. */
export type BackupSummary = {
  id: string;
  createdAt: string;
  file: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  /** `verified` only when a restore drill passed; `dumped` means the file exists but is not proven yet. */
  status: BackupStatus;
  drill: { status: DrillStatus; reason: string | null; finishedAt: string | null };
};

export function toBackupSummary(row: BackupRow): BackupSummary {
  return {
    id: row.id,
    createdAt: row.created_at.toISOString(),
    file: row.file,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    status: row.status,
    drill: { status: row.drill_status, reason: row.drill_reason, finishedAt: row.drill_finished_at?.toISOString() ?? null },
  };
}

export type PlatformNotification = {
  severity: 'error' | 'warning' | 'info';
  source: string;
  subject: string;
  body: string;
  reference?: string | null;
  details?: Record<string, unknown>;
};

/** A row the platform operators see (and acknowledge); one per failed backup or drill. */
export async function insertPlatformNotification(knex: Knex, notification: PlatformNotification): Promise<string> {
  const [row] = await knex(PLATFORM_NOTIFICATIONS_TABLE)
    .insert({
      severity: notification.severity,
      source: notification.source,
      subject: notification.subject,
      body: notification.body,
      reference: notification.reference ?? null,
      details: JSON.stringify(notification.details ?? {}),
    })
    .returning('id');
  return (row as { id: string }).id;
}
