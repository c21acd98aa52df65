/**
 * Backup activities: catalogue the backup, dump the database with the row counts of the same
 * snapshot, record failures loudly, rotate. The restore drill's activities are in backup-drill.ts;
 * both are built here from the worker's dependencies.
 *
 * Two connections are at work. The catalogue is written through the application's knex (the
 * application role, granted in migration 006). The dump, the counts and the scratch databases need
 * the database owner (DATABASE_URL itself): a role that sees every firm's rows (superuser or
 * BYPASSRLS, as pg_dump requires under FORCE ROW LEVEL SECURITY) and may create databases.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import pg from 'pg';
import type { DatabaseCounts } from '../domain/backup-counts';
import { selectBackupsToKeep, type KeepReason } from '../domain/backup-rotation';
import { databaseNameOf } from '../db/knex';
import { recordAuditEvent } from '../db/audit';
import { scrubDatabaseError } from '../db/scrub-db-error';
import { BACKUPS_TABLE, findBackup, insertPlatformNotification, listBackups } from '../db/models/backup-catalogue';
import { inSystemTransaction } from '../db/tenant';
import type { BackupKind } from '../workflows/backup-definitions';
import { createDrillActivities } from './backup-drill';
import { countRows, latestMigrationOf } from './backup-counts';
import { backupRelativePath, createPrivateFile, removeBackupFiles, resolveInBackupDir, sha256File, writeSidecars, type BackupManifest } from './backup-files';
import { definitive, requireBackupDeps, type BackupActivityDeps, type BackupDeps } from './backup-deps';
import { assertSameMajor, BackupSetupError, libpqTarget, runTool, serverVersionOf, toolVersion } from './backup-tools';

export type { BackupDeps, BackupActivityDeps };

export type DumpResult = {
  /** Relative to the backup folder. */
  file: string;
  sizeBytes: number;
  sha256: string;
  serverVersion: string;
  pgDumpVersion: string;
  schemaMigration: string | null;
  counts: DatabaseCounts;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
};

function beat(details: Record<string, unknown>): void {
  heartbeat(details);
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

const RLS_HINT =
  'the backup must read every firm\'s rows: DATABASE_URL must be the tables\' owner with superuser or BYPASSRLS ' +
  '(FORCE ROW LEVEL SECURITY binds a plain owner, and pg_dump refuses to dump a partial table)';

/**
 * Exports a snapshot from a REPEATABLE READ transaction, runs pg_dump on it and counts the rows in it
 * meanwhile, then keeps the transaction open until pg_dump is done (the snapshot lives only as long).
 *
 * `cancelled` (the activity's cancellation signal) holds for the whole step: it kills pg_dump and
 * closes the connection (failing a count in flight). Whatever this throws, it throws only once
 * pg_dump has exited, so the caller may remove the partial file.
 */
async function dumpWithCounts(backup: BackupDeps, partialPath: string, cancelled: AbortSignal) {
  const client = new pg.Client({ connectionString: backup.databaseUrl, application_name: 'taalmel-backup' });
  client.on('error', () => undefined); // a lost connection surfaces as the failed query below
  await client.connect();
  // pg_dump stops on the activity's cancellation, or when the counts fail.
  const stop = new AbortController();
  const onCancel = () => {
    stop.abort(cancelled.reason);
    void client.end().catch(() => undefined);
  };
  // Until pg_dump has exited and the connection is closed, not only while counting: the dump
  // outlasts the counts by far, and a listener gone by then left the cancellation unheard.
  cancelled.addEventListener('abort', onCancel, { once: true });
  try {
    cancelled.throwIfAborted();
    const server = await serverVersionOf(client);
    const dumpTool = await toolVersion(backup.pgDumpPath);
    assertSameMajor(dumpTool, server);

    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // As pg_dump does: fail rather than silently count only the rows a policy lets us see.
    await client.query('SET LOCAL row_security = off');
    const { rows } = await client.query<{ snapshot: string }>('select pg_export_snapshot() as snapshot');
    const snapshot = rows[0]?.snapshot;
    if (!snapshot) throw new Error('pg_export_snapshot returned nothing');

    const target = libpqTarget(backup.databaseUrl);
    const dumping = runTool(
      backup.pgDumpPath,
      ['--format=custom', `--snapshot=${snapshot}`, `--file=${partialPath}`, '--no-password', `--dbname=${target.dbname}`],
      { env: target.env, signal: stop.signal, onTick: () => beat({ phase: 'dumping', bytes: fileSize(partialPath) }) },
    );
    // Observe the outcome now so a failing pg_dump is never an unhandled rejection while we count.
    const dumped = dumping.then(() => null, (error: Error) => error);
    let counts: DatabaseCounts;
    let schemaMigration: string | null;
    try {
      counts = await countRows(client, (table) => beat({ phase: 'counting', table }));
      schemaMigration = await latestMigrationOf(client);
    } catch (error) {
      stop.abort(error);
      await dumped;
      // Its message, as the failure's, without the values a database error's text may quote; the error itself as the cause.
      if (/row-level security/i.test((error as Error).message)) throw new BackupSetupError(`${scrubDatabaseError(error as Error).message}: ${RLS_HINT}`, { cause: error });
      throw error;
    }
    const dumpError = await dumped;
    cancelled.throwIfAborted(); // pg_dump may have finished just as the cancellation came: still cancelled
    if (dumpError) {
      if (/row-level security/i.test(dumpError.message)) throw new BackupSetupError(`${dumpError.message}: ${RLS_HINT}`);
      throw dumpError;
    }
    await client.query('COMMIT');
    return { counts, schemaMigration, serverVersion: server.version, pgDumpVersion: dumpTool.version };
  } finally {
    cancelled.removeEventListener('abort', onCancel);
    await client.end().catch(() => undefined);
  }
}

export function createBackupActivities(deps: BackupActivityDeps) {
  const { knex, logger } = deps;

  return {
    /** Catalogues the backup as running. A retry of the same run finds its own row; another run's row is refused. */
    async backupRecordStarted(input: { backupId: string; kind: BackupKind; workflowId: string; runId: string }): Promise<{ createdAt: string }> {
      await knex(BACKUPS_TABLE)
        .insert({ id: input.backupId, kind: input.kind, status: 'running', workflow_id: input.workflowId, workflow_run_id: input.runId, dump_started_at: new Date() })
        .onConflict('id')
        .ignore();
      const row = await findBackup(knex, input.backupId);
      if (!row) throw new Error(`backup ${input.backupId} vanished from the catalogue`);
      if (row.workflow_run_id !== input.runId) {
        throw ApplicationFailure.nonRetryable(`backup ${input.backupId} is already catalogued by another run (${row.workflow_id} / ${row.workflow_run_id})`, 'BackupIdTaken');
      }
      return { createdAt: row.created_at.toISOString() };
    },

    /** pg_dump in custom format, its SHA-256 and size, and the row counts of the same snapshot. Heartbeats. */
    async backupDump(input: { backupId: string; createdAt: string }): Promise<DumpResult> {
      const backup = requireBackupDeps(deps);
      return definitive(async () => {
        const started = Date.now();
        const file = backupRelativePath(input.backupId, new Date(input.createdAt));
        const finalPath = resolveInBackupDir(backup.dir, file);
        const partialPath = `${finalPath}.partial`;
        // Every firm's data is in the dump: readable by the worker's user only.
        fs.mkdirSync(path.dirname(finalPath), { recursive: true, mode: 0o700 });
        logger.info({ backupId: input.backupId, file: finalPath, attempt: activityInfo().attempt }, 'backup: dumping the database');

        // All or nothing: pg_dump writes `.partial`, renamed only once complete and checksummed. A
        // failure or a cancellation before that (the worker's shutdown, after its grace time, is one)
        // removes the partial file; pg_dump has exited by then (dumpWithCounts waits for it).
        const cancelled = cancellationSignal();
        let dumped: Awaited<ReturnType<typeof dumpWithCounts>>;
        let sha256: string;
        let sizeBytes: number;
        try {
          createPrivateFile(partialPath);
          dumped = await dumpWithCounts(backup, partialPath, cancelled);
          sha256 = await sha256File(partialPath, (bytes) => beat({ phase: 'checksum', bytes }), cancelled);
          sizeBytes = fs.statSync(partialPath).size;
          cancelled.throwIfAborted();
          fs.renameSync(partialPath, finalPath);
        } catch (error) {
          fs.rmSync(partialPath, { force: true });
          if (!cancelled.aborted) throw error;
          // Whatever failed on the way out (a count on the closed connection), the step was
          // cancelled: the SDK must see its CancelledFailure to end the attempt as cancelled.
          logger.warn({ backupId: input.backupId, reason: String(cancelled.reason) }, 'backup: dump cancelled; pg_dump stopped, partial file removed');
          throw cancelled.reason;
        }
        const finished = Date.now();
        const manifest: BackupManifest = {
          id: input.backupId,
          createdAt: input.createdAt,
          file,
          sizeBytes,
          sha256,
          database: databaseNameOf(backup.databaseUrl),
          serverVersion: dumped.serverVersion,
          pgDumpVersion: dumped.pgDumpVersion,
          schemaMigration: dumped.schemaMigration,
          counts: dumped.counts,
        };
        writeSidecars(finalPath, manifest);
        logger.info({ backupId: input.backupId, sizeBytes, sha256, durationMs: finished - started }, 'backup: dump written');
        return {
          file,
          sizeBytes,
          sha256,
          serverVersion: dumped.serverVersion,
          pgDumpVersion: dumped.pgDumpVersion,
          schemaMigration: dumped.schemaMigration,
          counts: dumped.counts,
          startedAt: new Date(started).toISOString(),
          finishedAt: new Date(finished).toISOString(),
          durationMs: finished - started,
        };
      });
    },

    async backupRecordDumped(input: { backupId: string; dump: DumpResult }): Promise<void> {
      const { dump } = input;
      // Platform work, audited in the platform chain (a system context: no firm).
      await inSystemTransaction(knex, 'backup', async (trx) => {
        await recordAuditEvent(trx, { action: 'backup.dumped', entityType: 'backup', after: { backupId: input.backupId, file: dump.file, sizeBytes: dump.sizeBytes, sha256: dump.sha256 } });
        await trx(BACKUPS_TABLE)
          .where({ id: input.backupId })
          .update({
            status: 'dumped',
            file: dump.file,
            size_bytes: dump.sizeBytes,
            sha256: dump.sha256,
            server_version: dump.serverVersion,
            pg_dump_version: dump.pgDumpVersion,
            schema_migration: dump.schemaMigration,
            counts: JSON.stringify(dump.counts),
            dump_started_at: new Date(dump.startedAt),
            dump_finished_at: new Date(dump.finishedAt),
            dump_duration_ms: dump.durationMs,
            updated_at: knex.fn.now(),
          });
      });
    },

    /** A backup that could not be made: catalogue, error log and a notification for the operators. */
    async backupRecordFailed(input: { backupId: string; workflowId: string; reason: string }): Promise<void> {
      await inSystemTransaction(knex, 'backup', async (trx) => {
        await trx(BACKUPS_TABLE).where({ id: input.backupId }).update({ status: 'failed', failure_reason: input.reason, updated_at: knex.fn.now() });
        await recordAuditEvent(trx, { action: 'backup.failed', entityType: 'backup', after: { backupId: input.backupId, reason: input.reason } });
      });
      logger.error({ backupId: input.backupId, workflowId: input.workflowId, reason: input.reason }, 'backup failed');
      await insertPlatformNotification(knex, {
        severity: 'error',
        source: 'backup',
        subject: `Backup ${input.backupId} failed`,
        body: `The backup could not be made: ${input.reason}. See workflow ${input.workflowId} in the Temporal UI.`,
        reference: input.backupId,
        details: { workflowId: input.workflowId },
      });
    },

    /** Grandfather-father-son rotation: deletes each dropped backup's files and catalogue row together. */
    async backupRotate(): Promise<{ kept: Array<{ id: string; reasons: KeepReason[] }>; deleted: string[] }> {
      const backup = requireBackupDeps(deps);
      const rows = await listBackups(knex);
      const decision = selectBackupsToKeep(
        rows.map((r) => ({ id: r.id, createdAt: r.created_at, status: r.status })),
        backup.rotation,
        { now: new Date(), timeZone: backup.timeZone },
      );
      const deleted: string[] = [];
      for (const id of decision.remove) {
        // The row goes only if the files went: a failed unlink rolls the delete back, and a later
        // rotation retries. The reverse failure (files gone, commit lost) leaves a row the next
        // rotation deletes, since removing absent files succeeds.
        await inSystemTransaction(knex, 'backup-rotation', async (trx) => {
          const [row] = await trx(BACKUPS_TABLE).where({ id }).delete().returning<Array<{ file: string | null }>>(['file']);
          await recordAuditEvent(trx, { action: 'backup.deleted', entityType: 'backup', after: { backupId: id, file: row?.file ?? null, reason: 'rotation' } });
          if (row?.file) removeBackupFiles(resolveInBackupDir(backup.dir, row.file));
        });
        deleted.push(id);
      }
      logger.info({ kept: decision.keep.map((k) => k.id), deleted }, 'backup rotation done');
      return { kept: decision.keep, deleted };
    },

    ...createDrillActivities(deps),
  };
}

export type BackupActivities = ReturnType<typeof createBackupActivities>;
