/**
 * Names, inputs and limits of the backup and restore-drill workflows. Pure: the workflows, the
 * scheduler and the ops commands share it.
 */

/** Limits of the long steps; the defaults suit a database of some tens of GB. Tests pass smaller ones. */
export type BackupTimeouts = {
  /** pg_dump plus the file's checksum; also pg_restore into the scratch database and the recount. */
  longStepMinutes: number;
  /** A long step that stops heartbeating for this long is taken as lost (its worker died) and retried. */
  heartbeatSeconds: number;
  maximumAttempts: number;
  initialRetrySeconds: number;
};

export const DEFAULT_BACKUP_TIMEOUTS: BackupTimeouts = {
  longStepMinutes: 6 * 60,
  heartbeatSeconds: 60,
  maximumAttempts: 3,
  initialRetrySeconds: 30,
};

export const BACKUP_WORKFLOW = 'backupWorkflow';
export const RESTORE_DRILL_WORKFLOW = 'restoreDrillWorkflow';

export type BackupKind = 'scheduled' | 'on_demand';

export type BackupWorkflowInput = {
  /** Also the workflow id and the catalogue id. */
  backupId: string;
  kind: BackupKind;
  timeouts?: Partial<BackupTimeouts>;
  /** Rotation runs after a passing drill unless this is false. */
  rotate?: boolean;
};

export type RestoreDrillInput = { backupId: string; timeouts?: Partial<BackupTimeouts> };

const BACKUP_ID = /^backup-[a-z0-9][a-z0-9-]{0,80}$/;

export function isBackupId(value: string): boolean {
  return BACKUP_ID.test(value);
}

function localDate(at: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The nightly backup's id: one per calendar day in the scheduler's time zone (`backup-2026-11-20`). */
export function scheduledBackupId(tick: Date, timeZone: string): string {
  return `backup-${localDate(tick, timeZone)}`;
}

/** An on-demand backup's id: its UTC second, so it never collides with the nightly one. */
export function onDemandBackupId(at: Date): string {
  const iso = at.toISOString(); // 2026-11-20T09:30:12.345Z
  return `backup-${iso.slice(0, 10)}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/** The drill a backup runs as its child: one per backup. */
export function drillAfterBackupWorkflowId(backupId: string): string {
  return `restore-drill-${backupId}`;
}

/** An on-demand drill: many per backup, each with its start time. */
export function onDemandDrillWorkflowId(backupId: string, at: Date): string {
  return `restore-drill-${backupId}-${at.toISOString().replace(/[-:.]/g, '').toLowerCase()}`;
}

/** Scratch databases carry the backup's id so a leftover is recognisable (names stop at 63 bytes). */
export function scratchDatabasePrefix(backupId: string): string {
  return `taalmel_drill_${backupId.replace(/^backup-/, '').replace(/[^a-z0-9]/g, '_').slice(0, 32)}_`;
}

export function scratchDatabaseName(backupId: string, unique: string): string {
  return `${scratchDatabasePrefix(backupId)}${unique.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 10)}`;
}
