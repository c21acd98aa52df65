/**
 * The backup workflow and its restore drill on the real stack: real PostgreSQL, pg_dump/pg_restore,
 * the Temporal server and a worker. A good backup passes; a corrupted file and a dump missing a
 * table's rows both fail loudly, and neither leaves its scratch database behind.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { verifyAuditChain } from '../../../db/audit';
import { latestMigrationName } from '../../../db/migrator';
import { findBackup } from '../../../db/models/backup-catalogue';
import { sha256File } from '../../../activities/backup-files';
import { libpqTarget } from '../../../activities/backup-tools';
import type { RunningWorker } from '../../../ops/worker';
import { rootMessage } from '../../../workflows/failures';
import { onDemandDrillWorkflowId, scratchDatabasePrefix, type BackupWorkflowInput, type RestoreDrillInput } from '../../../workflows/backup-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { captureLogger, type CapturedLogger } from '../../harness/logs';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { backupDepsFor, databasesLike, seedFirms, tempBackupDir, TEST_TIMEOUTS, uniqueBackupId, type Seeded } from './helpers';

// Each test runs real dumps and drills (create, restore, count, drop): minutes, not seconds, on a busy machine.
jest.setTimeout(180_000);

describe('backup and restore drill', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let log: CapturedLogger;
  let seeded: Seeded;
  let dir: string;
  const taskQueue = uniqueTaskQueue('backup');

  beforeAll(async () => {
    db = await createTestDatabase();
    seeded = await seedFirms(db.owner);
    dir = tempBackupDir();
    temporal = await connectTestTemporal();
    log = captureLogger('info');
    worker = await startTestWorker({ knex: db.app, taskQueue, logger: log.logger, backup: backupDepsFor(db, dir) });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function backUp(label: string) {
    const backupId = uniqueBackupId(label);
    const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: false };
    const result = await temporal.client.workflow.execute('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });
    return { backupId, result };
  }

  async function drill(backupId: string) {
    const input: RestoreDrillInput = { backupId, timeouts: TEST_TIMEOUTS };
    return temporal.client.workflow.execute('restoreDrillWorkflow', { taskQueue, workflowId: onDemandDrillWorkflowId(backupId, new Date()), args: [input] });
  }

  async function drillFailure(backupId: string): Promise<string> {
    try {
      await drill(backupId);
    } catch (error) {
      expect(error).toBeInstanceOf(WorkflowFailedError);
      return rootMessage(error);
    }
    throw new Error('the drill passed but was expected to fail');
  }

  it('backs up seeded data and passes its drill with exact counts per table and per firm', async () => {
    const { backupId, result } = await backUp('good');
    expect(result).toMatchObject({ backupId, status: 'verified', drill: { passed: true } });

    const row = await findBackup(db.owner, backupId);
    expect(row).toMatchObject({ status: 'verified', drill_status: 'passed', drill_reason: null, schema_migration: latestMigrationName });
    // Counted in the dump's snapshot: the seeded rows exactly, split per firm.
    expect(row?.counts?.tables['public.firms']).toBe(2);
    expect(row?.counts?.tables['public.clients']).toBe(3);
    expect(row?.counts?.firms['public.clients']).toEqual({ [seeded.firmA]: 2, [seeded.firmB]: 1 });
    // The catalogue row itself was in the snapshot, still running.
    expect(row?.counts?.tables['public.backups']).toBe(1);
    // The restored copy counted the same, and the sanity checks passed.
    expect(row?.drill_counts).toEqual(row?.counts);
    expect(row?.drill_mismatches).toEqual([]);
    expect(row?.drill_checks).toEqual([
      { name: 'migrations-at-expected-version', ok: true, detail: `at ${latestMigrationName}` },
      { name: 'audit-chains-intact', ok: true, detail: expect.stringMatching(/^\d+ chains, \d+ events verified$/) },
    ]);
    expect(row?.drill_durations).toEqual(expect.objectContaining({ verifyMs: expect.any(Number), restoreMs: expect.any(Number), inspectMs: expect.any(Number), dropMs: expect.any(Number) }));

    // The file is where the catalogue says, with the recorded size and checksum, and its sidecars.
    const file = path.join(dir, row!.file!);
    expect(row!.file).toMatch(new RegExp(`^\\d{4}/\\d{2}/${backupId}\\.dump$`));
    expect(fs.statSync(file).size).toBe(row!.size_bytes);
    expect(await sha256File(file)).toBe(row!.sha256);
    expect(fs.readFileSync(`${file}.sha256`, 'utf8')).toBe(`${row!.sha256}  ${backupId}.dump\n`);
    const manifest = JSON.parse(fs.readFileSync(file.replace(/\.dump$/, '.manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ id: backupId, sha256: row!.sha256, counts: row!.counts });

    expect(await databasesLike(db.owner, scratchDatabasePrefix(backupId))).toEqual([]);

    // Platform work is audited in the platform chain, by the system actor of each job.
    const events = await db.owner('audit_events').whereNull('firm_id').whereRaw(`after->>'backupId' = ?`, [backupId]).orderBy('seq');
    expect(events.map((e: { action: string; actor_email: string }) => [e.action, e.actor_email])).toEqual([
      ['backup.dumped', 'system:backup'],
      ['restore_drill.passed', 'system:restore-drill'],
    ]);
    expect((await verifyAuditChain(db.owner, null)).ok).toBe(true);
  });

  it('fails the drill on the checksum when a byte of the dump is flipped, loudly, leaving no scratch database', async () => {
    const { backupId } = await backUp('flipped');
    const row = await findBackup(db.owner, backupId);
    const file = path.join(dir, row!.file!);
    const bytes = fs.readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    fs.writeFileSync(file, bytes);

    const message = await drillFailure(backupId);
    expect(message).toMatch(/restore drill of .* failed: checksum mismatch/);

    const after = await findBackup(db.owner, backupId);
    expect(after).toMatchObject({ status: 'failed', drill_status: 'failed' });
    expect(after?.drill_reason).toMatch(/^checksum mismatch/);
    const notes = await db.owner('platform_notifications').where({ reference: backupId, source: 'restore-drill', severity: 'error' });
    expect(notes).toHaveLength(1);
    expect(log.lines.filter((line) => line.includes('"level":50') && line.includes(backupId))).toContainEqual(expect.stringContaining('restore drill failed'));
    expect(await databasesLike(db.owner, scratchDatabasePrefix(backupId))).toEqual([]);
  });

  it('fails the drill on the counts when the dump lacks a table\'s rows, and drops the scratch database', async () => {
    const { backupId } = await backUp('missing-rows');
    const row = await findBackup(db.owner, backupId);
    const file = path.join(dir, row!.file!);
    // Replace the dump with one made without the clients' rows, catalogued with its true checksum,
    // so only the counts can tell.
    const target = libpqTarget(db.url);
    execFileSync(process.env.BACKUP_PG_DUMP_PATH || 'pg_dump', ['--format=custom', '--exclude-table-data=public.clients', `--file=${file}`, `--dbname=${target.dbname}`], { env: target.env });
    await db.owner('backups').where({ id: backupId }).update({ sha256: await sha256File(file), size_bytes: fs.statSync(file).size });

    const message = await drillFailure(backupId);
    expect(message).toMatch(/row counts differ from the backup's snapshot: .*public\.clients: expected 3 rows, restored 0 rows/);

    const after = await findBackup(db.owner, backupId);
    expect(after).toMatchObject({ status: 'failed', drill_status: 'failed' });
    expect(after?.drill_mismatches).toEqual(
      expect.arrayContaining([
        { table: 'public.clients', expected: 3, actual: 0 },
        { table: 'public.clients', firmId: seeded.firmA, expected: 2, actual: null },
        { table: 'public.clients', firmId: seeded.firmB, expected: 1, actual: null },
      ]),
    );
    // The copy was made (its name recorded), and is gone.
    expect(after?.drill_scratch_database).toMatch(/^taalmel_drill_/);
    const exists = await db.owner('pg_database').where({ datname: after!.drill_scratch_database }).first();
    expect(exists).toBeUndefined();
    expect(await databasesLike(db.owner, scratchDatabasePrefix(backupId))).toEqual([]);
    expect(await db.owner('platform_notifications').where({ reference: backupId, source: 'restore-drill' })).toHaveLength(1);
  });

  it('fails a backup whose sanity checks fail, and never reports it good', async () => {
    const failing = uniqueTaskQueue('backup-check');
    const strict = await startTestWorker({
      knex: db.app,
      taskQueue: failing,
      logger: log.logger,
      backup: backupDepsFor(db, dir, { sanityChecks: [{ name: 'always-fails', run: async () => ({ ok: false, detail: 'planted failure' }) }] }),
    });
    try {
      const backupId = uniqueBackupId('check');
      const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: false };
      const error = await temporal.client.workflow.execute('backupWorkflow', { taskQueue: failing, workflowId: backupId, args: [input] }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(rootMessage(error)).toMatch(/sanity checks failed: always-fails: planted failure/);
      const row = await findBackup(db.owner, backupId);
      expect(row).toMatchObject({ status: 'failed', drill_status: 'failed' });
      expect(await databasesLike(db.owner, scratchDatabasePrefix(backupId))).toEqual([]);
    } finally {
      await strict.shutdown();
    }
  });

  it('fails the backup with what to install when pg_dump is another major version', async () => {
    const fake = path.join(dir, 'pg_dump-14');
    fs.writeFileSync(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 14.11"\n', { mode: 0o755 });
    const queue = uniqueTaskQueue('backup-old-tools');
    const old = await startTestWorker({ knex: db.app, taskQueue: queue, logger: log.logger, backup: backupDepsFor(db, dir, { pgDumpPath: fake }) });
    try {
      const backupId = uniqueBackupId('old-tools');
      const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: false };
      const error = await temporal.client.workflow.execute('backupWorkflow', { taskQueue: queue, workflowId: backupId, args: [input] }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(rootMessage(error)).toMatch(/pg_dump-14 is PostgreSQL 14 but the server is PostgreSQL 15 .*postgresql-client-15/);
      expect(await findBackup(db.owner, backupId)).toMatchObject({ status: 'failed', failure_reason: expect.stringMatching(/PostgreSQL 14/) });
      expect(await db.owner('platform_notifications').where({ reference: backupId, source: 'backup', severity: 'error' })).toHaveLength(1);
      expect(log.lines.filter((line) => line.includes('"level":50') && line.includes(backupId))).toContainEqual(expect.stringContaining('backup failed'));
    } finally {
      await old.shutdown();
    }
  });

  // Last: it edits the source's audit trail, which every later drill would then refuse too.
  it('fails the drill when an audit chain in the copy does not verify', async () => {
    const victim = await db.owner('audit_events').where({ firm_id: seeded.firmA }).orderBy('seq').first();
    await db.owner.transaction(async (trx) => {
      await trx.raw('alter table audit_events disable trigger audit_events_no_update');
      await trx('audit_events').where({ id: victim.id }).update({ action: 'quietly.edited' });
      await trx.raw('alter table audit_events enable trigger audit_events_no_update');
    });
    const backupId = uniqueBackupId('audit');
    const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: false };
    const error = await temporal.client.workflow.execute('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(rootMessage(error)).toMatch(new RegExp(`audit-chains-intact: firm ${seeded.firmA}: broken at event ${victim.id}`));
    expect(await findBackup(db.owner, backupId)).toMatchObject({ status: 'failed', drill_status: 'failed' });
  });
});
