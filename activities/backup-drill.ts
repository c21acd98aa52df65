/**
 * Restore-drill activities: prove a backup restores. Verify the file's SHA-256, restore it into a
 * scratch database on the same server, recount every table (and firm) and compare with the counts
 * the backup took in its own snapshot, run the sanity checks, and drop the scratch database. The
 * workflow calls the drop in a `finally`, so it runs on failure too.
 */
import fs from 'node:fs';
import { ApplicationFailure, cancellationSignal, heartbeat } from '@temporalio/activity';
import pg from 'pg';
import { compareCounts, describeMismatches, totalRows, type CountMismatch } from '../domain/backup-counts';
import { createKnex, databaseUrlFor } from '../db/knex';
import { recordAuditEvent } from '../db/audit';
import { BACKUPS_TABLE, findBackup, insertPlatformNotification, type BackupRow, type DrillCheckResult, type DrillDurations } from '../db/models/backup-catalogue';
import { inSystemTransaction } from '../db/tenant';
import { definitive, requireBackupDeps, type BackupActivityDeps } from './backup-deps';
import { countRows } from './backup-counts';
import { createDatabase, databaseExists, dropDatabase } from './backup-databases';
import { resolveInBackupDir, sha256File } from './backup-files';
import { defaultSanityChecks, runSanityChecks } from './backup-sanity-checks';
import { erasureLogCheck } from './erasure-log';
import { assertSameMajor, libpqTarget, runTool, serverVersionOf, toolVersion } from './backup-tools';

/** pg_restore into an existing empty database; stops at the first error. Also used by ops:restore. */
export async function restoreDump(options: {
  ownerUrl: string;
  database: string;
  dumpPath: string;
  pgRestorePath: string;
  singleTransaction?: boolean;
  onTick?: () => void;
  signal?: AbortSignal;
}): Promise<{ pgRestoreVersion: string }> {
  const client = new pg.Client({ connectionString: options.ownerUrl, application_name: 'taalmel-restore' });
  await client.connect();
  const server = await serverVersionOf(client).finally(() => client.end());
  const tool = await toolVersion(options.pgRestorePath);
  assertSameMajor(tool, server);
  const target = libpqTarget(databaseUrlFor(options.ownerUrl, options.database));
  const args = ['--exit-on-error', '--no-password', `--dbname=${target.dbname}`];
  if (options.singleTransaction) args.push('--single-transaction');
  await runTool(options.pgRestorePath, [...args, options.dumpPath], { env: target.env, onTick: options.onTick, signal: options.signal });
  return { pgRestoreVersion: tool.version };
}

/** Exact counts of a database, read in one REPEATABLE READ snapshot as its owner. */
export async function countDatabase(ownerUrl: string, database: string, onTable?: (table: string) => void) {
  const client = new pg.Client({ connectionString: databaseUrlFor(ownerUrl, database), application_name: 'taalmel-drill' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SET LOCAL row_security = off');
    const counts = await countRows(client, onTable);
    await client.query('COMMIT');
    return counts;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export type DrillBackup = { id: string; file: string; sha256: string; sizeBytes: number; schemaMigration: string | null };

export type InspectResult = {
  mismatchCount: number;
  /** The first mismatches (the catalogue keeps them all). */
  mismatches: CountMismatch[];
  countsReason: string | null;
  tables: number;
  rows: number;
  checks: DrillCheckResult[];
  durationMs: number;
};

function drillable(row: BackupRow | undefined, backupId: string): DrillBackup {
  if (!row) throw ApplicationFailure.nonRetryable(`backup ${backupId} is not in the catalogue`, 'BackupNotFound');
  if (!row.file || !row.sha256 || row.size_bytes === null || !row.counts) {
    throw ApplicationFailure.nonRetryable(`backup ${backupId} has no dump to drill (status ${row.status})`, 'BackupNotDumped');
  }
  return { id: row.id, file: row.file, sha256: row.sha256, sizeBytes: row.size_bytes, schemaMigration: row.schema_migration };
}

export function createDrillActivities(deps: BackupActivityDeps) {
  const { knex, logger } = deps;

  return {
    async drillLoadBackup(input: { backupId: string }): Promise<DrillBackup> {
      return drillable(await findBackup(knex, input.backupId), input.backupId);
    },

    async drillRecordStarted(input: { backupId: string; workflowId: string; scratchDatabase: string }): Promise<void> {
      await knex(BACKUPS_TABLE).where({ id: input.backupId }).update({
        drill_status: 'running',
        drill_workflow_id: input.workflowId,
        drill_scratch_database: input.scratchDatabase,
        drill_started_at: knex.fn.now(),
        drill_reason: null,
        drill_finished_at: null,
        drill_durations: null,
        drill_counts: null,
        drill_mismatches: null,
        drill_checks: null,
        updated_at: knex.fn.now(),
      });
    },

    /** The file on disk is byte for byte the one catalogued: same size, same SHA-256. */
    async drillVerifyChecksum(input: { backupId: string }): Promise<{ ok: boolean; reason: string | null; actual: string | null; durationMs: number }> {
      const backup = requireBackupDeps(deps);
      const started = Date.now();
      const row = drillable(await findBackup(knex, input.backupId), input.backupId);
      const file = resolveInBackupDir(backup.dir, row.file);
      if (!fs.existsSync(file)) return { ok: false, reason: `the backup file ${row.file} is missing from ${backup.dir}`, actual: null, durationMs: Date.now() - started };
      const actual = await sha256File(file, (bytes) => heartbeat({ phase: 'checksum', bytes }), cancellationSignal());
      const size = fs.statSync(file).size;
      const durationMs = Date.now() - started;
      if (actual !== row.sha256) {
        return { ok: false, reason: `checksum mismatch: ${row.file} has SHA-256 ${actual} (${size} bytes), the catalogue recorded ${row.sha256} (${row.sizeBytes} bytes)`, actual, durationMs };
      }
      if (size !== row.sizeBytes) return { ok: false, reason: `size mismatch: ${row.file} has ${size} bytes, the catalogue recorded ${row.sizeBytes}`, actual, durationMs };
      return { ok: true, reason: null, actual, durationMs };
    },

    /**
     * A fresh scratch database (a leftover of a lost attempt is dropped first), then pg_restore.
     * Heartbeats. A cancellation (the worker's shutdown after its grace time, too) kills pg_restore and
     * ends the attempt; a retry starts again from a fresh scratch database, and the workflow's
     * `finally` drops it in the end.
     */
    async drillRestoreScratch(input: { backupId: string; scratchDatabase: string }): Promise<{ durationMs: number; pgRestoreVersion: string }> {
      const backup = requireBackupDeps(deps);
      return definitive(async () => {
        const started = Date.now();
        const row = drillable(await findBackup(knex, input.backupId), input.backupId);
        await dropDatabase(backup.databaseUrl, input.scratchDatabase);
        await createDatabase(backup.databaseUrl, input.scratchDatabase);
        const { pgRestoreVersion } = await restoreDump({
          ownerUrl: backup.databaseUrl,
          database: input.scratchDatabase,
          dumpPath: resolveInBackupDir(backup.dir, row.file),
          pgRestorePath: backup.pgRestorePath,
          onTick: () => heartbeat({ phase: 'restoring' }),
          signal: cancellationSignal(),
        });
        return { durationMs: Date.now() - started, pgRestoreVersion };
      });
    },

    /** Recounts the copy, compares with the backup's counts (stored in full on the row), runs the sanity checks. */
    async drillInspectScratch(input: { backupId: string; scratchDatabase: string }): Promise<InspectResult> {
      const backup = requireBackupDeps(deps);
      const started = Date.now();
      const row = await findBackup(knex, input.backupId);
      const expected = row?.counts;
      if (!row || !expected) throw ApplicationFailure.nonRetryable(`backup ${input.backupId} has no recorded counts`, 'BackupNotDumped');
      const actual = await countDatabase(backup.databaseUrl, input.scratchDatabase, (table) => heartbeat({ phase: 'counting', table }));
      const mismatches = compareCounts(expected, actual);
      await knex(BACKUPS_TABLE)
        .where({ id: input.backupId })
        .update({ drill_counts: JSON.stringify(actual), drill_mismatches: JSON.stringify(mismatches), updated_at: knex.fn.now() });

      const copy = createKnex({ url: databaseUrlFor(backup.databaseUrl, input.scratchDatabase), poolMax: 2, applicationName: 'taalmel-drill' });
      let checks: DrillCheckResult[];
      try {
        checks = await runSanityChecks(backup.sanityChecks ?? defaultSanityChecks(), {
          knex: copy,
          backupId: input.backupId,
          expectedMigration: row.schema_migration,
        });
        // After the counts (which compare the copy as restored): erased clients must stay erased.
        if (backup.erasureLogDir) {
          heartbeat({ phase: 'erasure-log' });
          checks.push(await erasureLogCheck(copy, backup.erasureLogDir));
        }
      } finally {
        await copy.destroy();
      }
      return {
        mismatchCount: mismatches.length,
        mismatches: mismatches.slice(0, 20),
        countsReason: mismatches.length ? describeMismatches(mismatches) : null,
        tables: Object.keys(actual.tables).length,
        rows: totalRows(actual),
        checks,
        durationMs: Date.now() - started,
      };
    },

    /** Drops the scratch database and proves it is gone. */
    async drillDropScratch(input: { scratchDatabase: string }): Promise<{ durationMs: number }> {
      const backup = requireBackupDeps(deps);
      const started = Date.now();
      await dropDatabase(backup.databaseUrl, input.scratchDatabase);
      if (await databaseExists(backup.databaseUrl, input.scratchDatabase)) throw new Error(`${input.scratchDatabase} still exists after DROP DATABASE`);
      return { durationMs: Date.now() - started };
    },

    /** The verdict on the catalogue row; a failure also logs at error level and notifies the operators. */
    async drillRecordResult(input: {
      backupId: string;
      workflowId: string;
      passed: boolean;
      reason: string | null;
      durations: DrillDurations;
      checks: DrillCheckResult[];
    }): Promise<void> {
      await inSystemTransaction(knex, 'restore-drill', async (trx) => {
        await recordAuditEvent(trx, {
          action: input.passed ? 'restore_drill.passed' : 'restore_drill.failed',
          entityType: 'backup',
          after: { backupId: input.backupId, workflowId: input.workflowId, reason: input.reason, checks: input.checks.map((c) => ({ name: c.name, ok: c.ok })) },
        });
        await trx(BACKUPS_TABLE)
          .where({ id: input.backupId })
          .update({
            drill_status: input.passed ? 'passed' : 'failed',
            drill_reason: input.reason,
            drill_finished_at: knex.fn.now(),
            drill_durations: JSON.stringify(input.durations),
            drill_checks: JSON.stringify(input.checks),
            // A backup is good only with a passing drill; a failing one (even a later, on-demand one) un-proves it.
            status: input.passed ? 'verified' : 'failed',
            updated_at: knex.fn.now(),
          });
      });
      if (input.passed) {
        logger.info({ backupId: input.backupId, workflowId: input.workflowId, durations: input.durations }, 'restore drill passed');
        return;
      }
      logger.error({ backupId: input.backupId, workflowId: input.workflowId, reason: input.reason }, 'restore drill failed');
      await insertPlatformNotification(knex, {
        severity: 'error',
        source: 'restore-drill',
        subject: `Restore drill failed for backup ${input.backupId}`,
        body: `The backup is not proven restorable: ${input.reason ?? 'unknown reason'}. See workflow ${input.workflowId} in the Temporal UI.`,
        reference: input.backupId,
        details: { workflowId: input.workflowId, durations: input.durations, checks: input.checks },
      });
    },
  };
}
