/**
 * The nightly schedule runs a day's backup once; rotation deletes files and catalogue rows together;
 * a real restore brings back the same rows and refuses to overwrite a non-empty database; the
 * listing command prints the catalogue.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createActivities } from '../../../activities';
import { backupRelativePath, resolveInBackupDir } from '../../../activities/backup-files';
import { createKnex, databaseUrlFor } from '../../../db/knex';
import { findBackup, type BackupSummary } from '../../../db/models/backup-catalogue';
import { RestoreRefused, restoreBackup } from '../../../ops/backup/restore';
import { backupJobs, startScheduler } from '../../../ops/scheduler';
import type { RunningWorker } from '../../../ops/worker';
import type { BackupWorkflowInput } from '../../../workflows/backup-definitions';
import { adminQuery, createTestDatabase, type TestDatabase } from '../../harness/database';
import { captureLogger } from '../../harness/logs';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { backupDepsFor, seedFirms, tempBackupDir, TEST_TIMEOUTS, uniqueBackupId } from './helpers';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');

// Each test runs real dumps and drills (create, restore, count, drop): minutes, not seconds, on a busy machine.
jest.setTimeout(180_000);

describe('backup schedule, rotation and restore', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let dir: string;
  const taskQueue = uniqueTaskQueue('backup-ops');
  const extraDatabases: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedFirms(db.owner);
    dir = tempBackupDir();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue, backup: backupDepsFor(db, dir) });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporal?.close();
    for (const name of extraDatabases) await adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs a day's backup once, however many times it is started", async () => {
    // A far-future day keeps the workflow id apart from other runs on a shared Temporal server.
    const tick = new Date(Date.UTC(2100, 0, 1, 21, 0) + Math.floor(Math.random() * 1e6) * 86_400_000);
    const jobs = backupJobs({ taskQueue, cron: '30 2 * * *', timezone: 'Asia/Kolkata', stepTimeoutMinutes: 5 });
    const a = startScheduler({ client: temporal.client, logger: captureLogger().logger, timezone: 'Asia/Kolkata', jobs });
    const b = startScheduler({ client: temporal.client, logger: captureLogger().logger, timezone: 'Asia/Kolkata', jobs });
    try {
      const outcomes = await Promise.all([a.runNow('backup', tick), b.runNow('backup', tick)]);
      expect(outcomes.sort()).toEqual(['already_started', 'started']);
      const localDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(tick);
      const backupId = `backup-${localDay}`;
      const handle = temporal.client.workflow.getHandle(backupId);
      const result = await handle.result();
      expect(result.status).toBe('verified');
      // After it finished, the same day is still refused.
      await expect(a.runNow('backup', tick)).resolves.toBe('already_started');

      const { runId } = await handle.describe();
      const row = await findBackup(db.owner, backupId);
      expect(row).toMatchObject({ kind: 'scheduled', status: 'verified', workflow_run_id: runId });
      const dumps = fs.readdirSync(path.dirname(path.join(dir, row!.file!))).filter((f) => f.startsWith(backupId) && f.endsWith('.dump'));
      expect(dumps).toEqual([`${backupId}.dump`]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('the rotation activity run alone: deletes the dropped backups’ files and catalogue rows together, and keeps the newest verified', async () => {
    // A separate catalogue database, so the rows above do not take part.
    const rotationDb = await createTestDatabase();
    const rotationDir = tempBackupDir();
    try {
      const activities = createActivities({ knex: rotationDb.app, logger: captureLogger().logger, backup: backupDepsFor(rotationDb, rotationDir, { timeZone: 'Asia/Kolkata' }) });
      // 60 nights ending yesterday, all verified but the newest, which failed its drill.
      const nights = Array.from({ length: 60 }, (_, i) => new Date(Date.now() - (60 - i) * 86_400_000));
      for (const [i, at] of nights.entries()) {
        const id = `backup-sim-${String(i).padStart(2, '0')}`;
        const file = backupRelativePath(id, at);
        const full = resolveInBackupDir(rotationDir, file);
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, 'dump');
        fs.writeFileSync(`${full}.sha256`, 'x');
        fs.writeFileSync(full.replace(/\.dump$/, '.manifest.json'), '{}');
        await rotationDb.owner('backups').insert({
          id, kind: 'scheduled', status: i === 59 ? 'failed' : 'verified', workflow_id: id, workflow_run_id: 'r', file, created_at: at,
        });
      }
      const { kept, deleted } = await activities.backupRotate();
      const remaining: Array<{ id: string; file: string }> = await rotationDb.owner('backups').select('id', 'file').orderBy('id');
      expect(remaining.map((r) => r.id).sort()).toEqual(kept.map((k) => k.id).sort());
      expect(kept.length + deleted.length).toBe(60);
      // The newest verified (the failed night is newer, kept for investigation) survives.
      expect(kept.find((k) => k.id === 'backup-sim-58')?.reasons).toContain('newest-verified');
      expect(kept.map((k) => k.id)).toContain('backup-sim-59');
      // 7 daily + up to 4 weekly + up to 3 months (with overlaps), never 60.
      expect(kept.length).toBeGreaterThanOrEqual(10);
      expect(kept.length).toBeLessThanOrEqual(15);
      // Files follow the rows: every kept one is there, every deleted one is gone with its sidecars.
      expect(remaining.filter((r) => !fs.existsSync(resolveInBackupDir(rotationDir, r.file))).map((r) => r.file)).toEqual([]);
      for (const id of deleted) {
        const found = fs.readdirSync(rotationDir, { recursive: true }).map(String).filter((f) => path.basename(f).startsWith(`${id}.`));
        expect(found).toEqual([]);
      }
      // A second rotation has nothing left to do.
      expect((await activities.backupRotate()).deleted).toEqual([]);
    } finally {
      await rotationDb.drop();
      fs.rmSync(rotationDir, { recursive: true, force: true });
    }
  });

  it('restores into a fresh database with the same rows, and refuses a non-empty one without --force', async () => {
    const backupId = uniqueBackupId('restore');
    const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: false };
    await temporal.client.workflow.execute('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });

    const target = `taalmel_restored_${randomBytes(4).toString('hex')}`;
    extraDatabases.push(target);
    const options = { ownerUrl: db.url, backupDir: dir, pgRestorePath: process.env.BACKUP_PG_RESTORE_PATH || 'pg_restore', backupId, target, force: false };
    const result = await restoreBackup(options);
    expect(result).toMatchObject({ target, previousRenamedTo: null, source: 'catalogue' });

    const restored = createKnex({ url: databaseUrlFor(db.url, target), poolMax: 1 });
    try {
      for (const table of ['firms', 'clients', 'users', 'knex_migrations']) {
        const original = await db.owner(table).select('*').orderBy('id');
        const copy = await restored(table).select('*').orderBy('id');
        expect(copy).toEqual(original);
      }
      // The schema came back too: row-level security is still forced on firm tables.
      const { rows } = await restored.raw(`select relforcerowsecurity as forced from pg_class where relname = 'clients'`);
      expect(rows[0].forced).toBe(true);
      // A marker that only the pre-restore database has, to see which one ends up under the name.
      await restored('firms').insert({ name: 'Added after the restore', slug: `after-${randomBytes(3).toString('hex')}` });
    } finally {
      await restored.destroy();
    }

    await expect(restoreBackup(options)).rejects.toThrow(RestoreRefused);
    await expect(restoreBackup(options)).rejects.toThrow(/is not empty .* --force/);

    const forced = await restoreBackup({ ...options, force: true, now: new Date('2026-11-20T09:30:12Z') });
    expect(forced.previousRenamedTo).toBe(`${target}_before_20261120_093012`);
    extraDatabases.push(forced.previousRenamedTo!);
    const replaced = createKnex({ url: databaseUrlFor(db.url, target), poolMax: 1 });
    const previous = createKnex({ url: databaseUrlFor(db.url, forced.previousRenamedTo!), poolMax: 1 });
    try {
      expect(await replaced('firms').where('name', 'Added after the restore')).toHaveLength(0);
      expect(await previous('firms').where('name', 'Added after the restore')).toHaveLength(1);
      expect(await replaced('clients').count({ n: '*' })).toEqual([{ n: 3 }]);
    } finally {
      await replaced.destroy();
      await previous.destroy();
    }
  });

  it('refuses to restore a file whose checksum does not match', async () => {
    const backupId = uniqueBackupId('restore-corrupt');
    const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: false };
    await temporal.client.workflow.execute('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });
    const row = await findBackup(db.owner, backupId);
    fs.appendFileSync(path.join(dir, row!.file!), 'x');
    const target = `taalmel_restored_${randomBytes(4).toString('hex')}`;
    await expect(
      restoreBackup({ ownerUrl: db.url, backupDir: dir, pgRestorePath: 'pg_restore', backupId, target, force: false }),
    ).rejects.toThrow(/checksum mismatch/);
    expect(await db.owner('pg_database').where({ datname: target }).first()).toBeUndefined();
  });

  it('lists the catalogue as JSON with `npm run ops:backups -- --json`', async () => {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', 'ops/backup/list-backups.ts', '--json'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
    });
    const listed = JSON.parse(stdout) as BackupSummary[];
    expect(listed.length).toBeGreaterThanOrEqual(2);
    for (const b of listed) {
      expect(Object.keys(b).sort()).toEqual(['createdAt', 'drill', 'file', 'id', 'sha256', 'sizeBytes', 'status']);
      expect(Object.keys(b.drill).sort()).toEqual(['finishedAt', 'reason', 'status']);
    }
    const verified = listed.find((b) => b.status === 'verified');
    expect(verified).toMatchObject({ drill: { status: 'passed', reason: null, finishedAt: expect.any(String) }, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
