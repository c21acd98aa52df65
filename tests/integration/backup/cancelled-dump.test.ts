/**
 * A dump whose activity is cancelled: by the worker's shutdown once its grace time is over, or by an
 * ordinary cancellation. pg_dump is killed at once, its partial file is removed (a dump is all or
 * nothing), the activity ends with the cancellation, and after a shutdown the retry on another
 * worker still makes a verified backup. The pg_dump here dumps for real, then "keeps going" (sleeps),
 * so the cancellation always lands while the tool runs and a partial file exists. The drill's
 * pg_restore is stopped the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CancelledFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { createActivities } from '../../../activities';
import { dropDatabase } from '../../../activities/backup-databases';
import { BACKUPS_TABLE, findBackup } from '../../../db/models/backup-catalogue';
import { startWorker, type RunningWorker } from '../../../ops/worker';
import { TOOL_KILL_AFTER_MS } from '../../../activities/backup-tools';
import type { BackupWorkflowInput } from '../../../workflows/backup-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { harnessValue } from '../../harness/harness-env';
import { captureLogger } from '../../harness/logs';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal, testPayloadCodec } from '../../harness/temporal';
import { backupDepsFor, databasesLike, filesUnder, processAlive, seedFirms, stuckOncePgDump, tempBackupDir, uniqueBackupId } from './helpers';
import { eventually, within } from '../../harness/eventually';

jest.setTimeout(180_000);

/** How long the stuck pg_dump would keep running: longer than any test's whole budget, so only the kill ends it in time. */
const STUCK_SECONDS = 600;

/**
 * The worker-shutdown test's plan, and its timeout derived from it. Every wait polls for a state or
 * has its own deadline from here; none is a sleep. `stepMs` bounds one ordinary step (a worker
 * start, a real pg_dump of the small test database, the server recording a failed attempt) on a
 * loaded machine; the rescue is a dump plus the drill's create, restore, count and drop.
 */
const SHUTDOWN_PLAN = (() => {
  const stepMs = 30_000;
  const graceMs = 1_000;
  const retrySeconds = 1;
  // Grace, then pg_dump's SIGTERM (SIGKILL after TOOL_KILL_AFTER_MS at worst), then the worker's own
  // drain: still far under the ten minutes the stuck dump would have gone on.
  const shutdownBoundMs = graceMs + TOOL_KILL_AFTER_MS + stepMs;
  const rescueMs = retrySeconds * 1_000 + 4 * stepMs;
  // Start worker, hang, shutdown, retry scheduled, start rescuer, rescue; then the finally's cleanup.
  const testMs = stepMs + stepMs + shutdownBoundMs + stepMs + stepMs + rescueMs + stepMs;
  return { stepMs, graceMs, retrySeconds, shutdownBoundMs, rescueMs, testMs };
})();

describe('a cancelled backup step', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let workDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedFirms(db.owner);
    workDir = tempBackupDir();
    temporal = await connectTestTemporal();
  });
  afterAll(async () => {
    await temporal?.close();
    await db?.drop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it(
    'on worker shutdown: pg_dump is killed after the grace time, no partial file stays, and another worker retries it',
    async () => {
      const dir = fs.mkdtempSync(path.join(workDir, 'shutdown-'));
      const tools = fs.mkdtempSync(path.join(workDir, 'tools-'));
      const { binary, marker } = stuckOncePgDump(tools, { stuckSeconds: STUCK_SECONDS });
      const deps = backupDepsFor(db, dir, { pgDumpPath: binary });
      const taskQueue = uniqueTaskQueue('backup-shutdown');
      const started: RunningWorker[] = [];
      let handle: WorkflowHandle | undefined;
      try {
        const doomed = await within(
          'the first worker to start',
          SHUTDOWN_PLAN.stepMs,
          startWorker({
            address: harnessValue('temporalAddress'),
            namespace: 'default',
            taskQueue,
            codec: testPayloadCodec(),
            knex: db.app,
            logger: captureLogger('warn').logger,
            workflowBundlePath: harnessValue('workflowBundle'),
            backup: deps,
            shutdownGraceTime: SHUTDOWN_PLAN.graceMs,
            // The engine warm-up is seconds of CPU on a loaded machine and nothing this test is about.
            warmUp: false,
          }),
        );
        started.push(doomed);

        const backupId = uniqueBackupId('shutdown');
        // A heartbeat timeout far longer than the test: the retry can only come from the attempt the
        // shutdown failed, not from Temporal noticing a silent worker.
        const input: BackupWorkflowInput = {
          backupId,
          kind: 'on_demand',
          rotate: false,
          timeouts: { initialRetrySeconds: SHUTDOWN_PLAN.retrySeconds, maximumAttempts: 3, heartbeatSeconds: 3_600, longStepMinutes: 60 },
        };
        handle = await temporal.client.workflow.start('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });
        const pid = await eventually('the dump to hang', () => (fs.existsSync(marker) ? Number(fs.readFileSync(marker, 'utf8')) : undefined), SHUTDOWN_PLAN.stepMs);
        expect(processAlive(pid)).toBe(true);
        expect(filesUnder(dir).filter((f) => f.endsWith('.dump.partial'))).toHaveLength(1);

        const shutdownStarted = Date.now();
        await within('the first worker to shut down', SHUTDOWN_PLAN.shutdownBoundMs, doomed.shutdown());
        const shutdownMs = Date.now() - shutdownStarted;
        // The grace time, then the kill: the stuck dump would have gone on far past this bound.
        expect(shutdownMs).toBeGreaterThanOrEqual(SHUTDOWN_PLAN.graceMs - 50);
        expect(processAlive(pid)).toBe(false);
        expect(filesUnder(dir)).toEqual([]);

        // The attempt ended as a failure Temporal retries (not a heartbeat timeout, far away); the
        // failure is the SDK's own for an activity cancelled by a shutdown.
        const workflow = handle;
        const pending = await eventually(
          'the dump to be scheduled again',
          async () => {
            const activity = (await workflow.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'backupDump');
            return activity && (activity.attempt ?? 1) > 1 ? activity : undefined;
          },
          SHUTDOWN_PLAN.stepMs,
        );
        expect(pending.lastFailure?.message ?? '').toMatch(/worker is shutting down/i);

        started.push(await within('the rescuing worker to start', SHUTDOWN_PLAN.stepMs, startTestWorker({ knex: db.app, taskQueue, backup: deps })));
        expect(await within('the retried backup and its drill to finish', SHUTDOWN_PLAN.rescueMs, workflow.result())).toMatchObject({ backupId, status: 'verified' });
        expect(await findBackup(db.owner, backupId)).toMatchObject({ status: 'verified', drill_status: 'passed' });
        expect(filesUnder(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
      } finally {
        // On a failure, nothing of this test may outlive it: a backup still running when the test
        // database is dropped has its connections terminated (57P01) after the test has ended.
        await handle?.terminate('test over').catch(() => undefined);
        for (const worker of started.reverse()) await worker.shutdown();
      }
    },
    SHUTDOWN_PLAN.testMs,
  );

  it('on a cancelled workflow: the server cancellation reaches the dump with a heartbeat and pg_dump is killed', async () => {
    const dir = fs.mkdtempSync(path.join(workDir, 'server-cancel-'));
    const tools = fs.mkdtempSync(path.join(workDir, 'tools-'));
    const { binary, marker } = stuckOncePgDump(tools, { stuckSeconds: STUCK_SECONDS });
    const taskQueue = uniqueTaskQueue('backup-cancel');
    const worker = await startTestWorker({ knex: db.app, taskQueue, backup: backupDepsFor(db, dir, { pgDumpPath: binary }) });
    try {
      const backupId = uniqueBackupId('server-cancel');
      const input: BackupWorkflowInput = {
        backupId,
        kind: 'on_demand',
        rotate: false,
        // The SDK sends heartbeats at most every 80% of the heartbeat timeout (8 s here; 48 s with
        // the default 60 s), and the server's cancellation comes back only in a heartbeat's reply.
        timeouts: { initialRetrySeconds: 1, maximumAttempts: 1, heartbeatSeconds: 10, longStepMinutes: 5 },
      };
      const handle = await temporal.client.workflow.start('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });
      const pid = await eventually('the dump to hang', () => (fs.existsSync(marker) ? Number(fs.readFileSync(marker, 'utf8')) : undefined));
      await handle.cancel();
      // The activity learns of the request at its next heartbeat sent (see above).
      // At most one heartbeat interval (8 s) until the request reaches it, then a step on a loaded machine.
      await eventually('pg_dump to be killed', () => (processAlive(pid) ? undefined : true), 8_000 + SHUTDOWN_PLAN.stepMs);
      await eventually('the partial file to go', () => (filesUnder(dir).length === 0 ? true : undefined), SHUTDOWN_PLAN.stepMs);
      await expect(handle.result()).rejects.toThrow();
      expect(await findBackup(db.owner, backupId)).toMatchObject({ status: 'failed' });
    } finally {
      await worker.shutdown();
    }
  });

  it('the dump activity run alone (mock activity environment), cancelled: pg_dump is killed, no partial file stays, and the activity ends with the cancellation', async () => {
    const dir = fs.mkdtempSync(path.join(workDir, 'cancel-'));
    const tools = fs.mkdtempSync(path.join(workDir, 'tools-'));
    const { binary, marker } = stuckOncePgDump(tools, { stuckSeconds: STUCK_SECONDS });
    const activities = createActivities({ knex: db.app, logger: captureLogger('warn').logger, backup: backupDepsFor(db, dir, { pgDumpPath: binary }) });
    const env = new MockActivityEnvironment();

    const dumping = env.run(activities.backupDump, { backupId: uniqueBackupId('cancel'), createdAt: new Date().toISOString() });
    const outcome = dumping.then(() => null, (error: unknown) => error);
    const pid = await eventually('the dump to hang', () => (fs.existsSync(marker) ? Number(fs.readFileSync(marker, 'utf8')) : undefined));
    expect(filesUnder(dir).filter((f) => f.endsWith('.dump.partial'))).toHaveLength(1);

    env.cancel('CANCELLED');
    // Ended by the kill, not by the stuck tool's ten minutes: a step's bound on a loaded machine.
    const error = await within('the cancelled dump activity to end', SHUTDOWN_PLAN.stepMs, outcome);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect(processAlive(pid)).toBe(false);
    expect(filesUnder(dir)).toEqual([]);
  });

  it('the drill\'s restore activity run alone (mock activity environment), cancelled: pg_restore is killed and the activity ends with the cancellation', async () => {
    const tools = fs.mkdtempSync(path.join(workDir, 'tools-'));
    const real = process.env.BACKUP_PG_RESTORE_PATH || 'pg_restore';
    const marker = path.join(tools, 'stuck-restore.pid');
    const pgRestore = path.join(tools, 'pg_restore-stuck');
    fs.writeFileSync(
      pgRestore,
      `#!/bin/sh\nif [ "$1" = "--version" ]; then exec ${real} --version; fi\necho $$ > ${marker}.tmp && mv ${marker}.tmp ${marker}\nexec sleep ${STUCK_SECONDS}\n`,
      { mode: 0o755 },
    );
    const backupId = uniqueBackupId('drill-cancel');
    await db.owner(BACKUPS_TABLE).insert({
      id: backupId,
      kind: 'on_demand',
      status: 'dumped',
      workflow_id: backupId,
      workflow_run_id: 'test',
      file: `${backupId}.dump`,
      size_bytes: 0,
      sha256: '0'.repeat(64),
      counts: JSON.stringify({ tables: {}, firms: {} }),
    });
    const scratchDatabase = `taalmel_drill_cancel_${backupId.slice(-10)}`;
    const activities = createActivities({ knex: db.app, logger: captureLogger('warn').logger, backup: backupDepsFor(db, workDir, { pgRestorePath: pgRestore }) });
    const env = new MockActivityEnvironment();
    try {
      const outcome = env.run(activities.drillRestoreScratch, { backupId, scratchDatabase }).then(() => null, (error: unknown) => error);
      const pid = await eventually('the restore to hang', () => (fs.existsSync(marker) ? Number(fs.readFileSync(marker, 'utf8')) : undefined));
      expect(processAlive(pid)).toBe(true);

      env.cancel('CANCELLED');
      // Ended by the kill, not by the stuck tool's ten minutes: a step's bound on a loaded machine.
      expect(await within('the cancelled restore activity to end', SHUTDOWN_PLAN.stepMs, outcome)).toBeInstanceOf(CancelledFailure);
      expect(processAlive(pid)).toBe(false);
    } finally {
      await dropDatabase(db.url, scratchDatabase);
    }
    expect(await databasesLike(db.owner, scratchDatabase)).toEqual([]);
  });
});
