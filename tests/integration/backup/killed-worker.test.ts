/**
 * A worker process killed (SIGKILL) in the middle of a long dump: nothing reports the attempt (no
 * failure, no cancellation, the SDK never sees it), its heartbeats just stop. The server times the
 * attempt out on the heartbeat timeout, and the retry runs on another worker; the `.partial` file the
 * dead worker left behind is overwritten, and the backup still ends verified with its drill passed.
 *
 * Worker A is a real worker in a child process (lost-worker-child.ts) in a process group of its own;
 * its pg_dump writes the dump and then hangs, once. While it hangs, A is alive and the dump's
 * heartbeats (every 5 s, under the 8 s timeout) are seen to reach the server: a slow dump on a live
 * worker is not timed out. Then the test kills A's whole process group, pg_dump included. Worker B runs in the test process. The graceful path (a worker shutting down
 * cancels the dump, fails the attempt, and the retry runs elsewhere) is cancelled-dump.test.ts.
 *
 * Most of the run time is waiting, as in production: the heartbeat timeout (8 s here), then, once the
 * retried dump is done, the workflow task that follows goes to the dead worker's sticky queue first
 * and times out there (10 s, the SDK's default; a WorkflowTaskTimedOut in the history) before worker B
 * gets it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodeTimeoutType, defaultPayloadConverter } from '@temporalio/common';
import { findBackup } from '../../../db/models/backup-catalogue';
import type { BackupWorkflowInput } from '../../../workflows/backup-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { HARNESS_ENV, harnessValue } from '../../harness/harness-env';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { backupDepsFor, filesUnder, processAlive, seedFirms, stuckOncePgDump, tempBackupDir, uniqueBackupId } from './helpers';
import { eventually } from '../../harness/eventually';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../..');
const CHILD = path.join(__dirname, 'lost-worker-child.ts');
/** How long the stuck pg_dump would run if nobody killed it: far longer than the test. */
const STUCK_SECONDS = 300;
/**
 * Above the 5 s at which a running pg_dump's activity heartbeats (runTool's tick), so a live worker
 * keeps its stuck attempt alive and only a dead one is timed out; short, so the test is quick.
 */
const HEARTBEAT_SECONDS = 8;
const JUNK = 'left behind by a worker that died\n';

type LostWorker = { child: ChildProcess; output(): string; exited: Promise<NodeJS.Signals | number | null> };

/** Worker A: lost-worker-child.ts in its own process group; resolves once it prints `ready`. */
async function spawnLostWorker(env: NodeJS.ProcessEnv): Promise<LostWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/^ready$/m.test(output)) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-16_000);
    });
    void exited.then((how) => reject(new Error(`the worker child exited (${String(how)}) before it was ready:\n${output}`)));
  });
  const lost = { child, output: () => output, exited };
  try {
    await Promise.race([ready, new Promise((_, reject) => setTimeout(() => reject(new Error(`the worker child was not ready in 60 s:\n${output}`)), 60_000).unref())]);
  } catch (error) {
    killGroup(lost);
    throw error;
  }
  return lost;
}

/** SIGKILL to the child's whole process group: the worker and the pg_dump it runs. */
function killGroup(lost: LostWorker): void {
  try {
    process.kill(-lost.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The pending dump's attempt number and the heartbeat details the server holds for it (sealed: opened with the test codec). */
async function pendingDump(temporal: TestTemporal, workflowId: string) {
  const description = await temporal.client.workflow.getHandle(workflowId).describe();
  const pending = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'backupDump');
  if (!pending) return undefined;
  const payload = pending.heartbeatDetails?.payloads?.[0];
  const details = payload ? (defaultPayloadConverter.fromPayload((await temporal.codec.decode([payload]))[0]!) as { phase?: string }) : undefined;
  return { attempt: pending.attempt ?? 1, details };
}

describe('a worker killed during a dump', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let dir: string;
  let lost: LostWorker | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedFirms(db.owner);
    dir = tempBackupDir();
    temporal = await connectTestTemporal();
  });
  afterAll(async () => {
    if (lost) killGroup(lost);
    await temporal?.close();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('(SIGKILL, nothing reports the attempt) is timed out by its heartbeat timeout, and another worker retries the dump to a verified backup', async () => {
    const backups = fs.mkdtempSync(path.join(dir, 'backups-'));
    const tools = fs.mkdtempSync(path.join(dir, 'tools-'));
    const { binary, marker } = stuckOncePgDump(tools, { stuckSeconds: STUCK_SECONDS, junk: JUNK });
    const deps = backupDepsFor(db, backups, { pgDumpPath: binary });
    const taskQueue = uniqueTaskQueue('backup-killed');

    lost = await spawnLostWorker({
      [HARNESS_ENV.temporalAddress]: harnessValue('temporalAddress'),
      [HARNESS_ENV.workflowBundle]: harnessValue('workflowBundle'),
      LOST_WORKER_DATABASE_URL: db.url,
      LOST_WORKER_TASK_QUEUE: taskQueue,
      LOST_WORKER_BACKUP_DEPS: JSON.stringify(deps),
    });

    const backupId = uniqueBackupId('killed');
    const input: BackupWorkflowInput = {
      backupId,
      kind: 'on_demand',
      rotate: false,
      timeouts: { initialRetrySeconds: 1, maximumAttempts: 3, heartbeatSeconds: HEARTBEAT_SECONDS, longStepMinutes: 5 },
    };
    const handle = await temporal.client.workflow.start('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });

    // Worker A's pg_dump hangs, its partial file written.
    const pgDumpPid = await eventually('the dump to hang', () => (fs.existsSync(marker) ? Number(fs.readFileSync(marker, 'utf8')) : undefined));
    expect(processAlive(pgDumpPid)).toBe(true);
    const partial = filesUnder(backups).filter((f) => f.endsWith('.dump.partial'));
    expect(partial).toHaveLength(1);
    // While A lives, the hanging dump's heartbeats reach the server: a slow dump is not a lost one.
    const beating = await eventually('a heartbeat of the hanging dump', async () => {
      const pending = await pendingDump(temporal, backupId);
      return pending?.details?.phase === 'dumping' ? pending : undefined;
    });
    expect(beating.attempt).toBe(1);

    // A dies: SIGKILL to its process group. Nothing reports the attempt; its heartbeats just stop.
    killGroup(lost);
    expect(await lost.exited).toBe('SIGKILL');
    await eventually('the stuck pg_dump to die with its worker', () => (processAlive(pgDumpPid) ? undefined : true), 30_000);
    // The dead worker could not clean up: its partial file (the junk at its end) is still there.
    expect(fs.readFileSync(path.join(backups, partial[0]!), 'utf8').endsWith(JUNK)).toBe(true);

    // Only the heartbeat timeout can notice; the server schedules attempt 2 (no worker polls yet).
    const retried = await eventually(
      'the heartbeat timeout to schedule a retry',
      async () => {
        const pending = await pendingDump(temporal, backupId);
        return pending && pending.attempt > 1 ? pending : undefined;
      },
      HEARTBEAT_SECONDS * 1000 + 20_000,
    );
    expect(retried.attempt).toBe(2);

    // Worker B, in this process, takes the retry.
    const rescuer = await startTestWorker({ knex: db.app, taskQueue, backup: deps });
    try {
      expect(await handle.result()).toMatchObject({ backupId, status: 'verified' });
    } finally {
      await rescuer.shutdown();
    }
    const row = await findBackup(db.owner, backupId);
    expect(row).toMatchObject({ status: 'verified', drill_status: 'passed' });
    // The retry's pg_dump overwrote the leftover partial file, then renamed it: nothing partial stays.
    expect(filesUnder(backups).filter((f) => f.endsWith('.partial'))).toEqual([]);
    const dump = fs.readFileSync(path.join(backups, row!.file!));
    expect(dump.subarray(-JUNK.length).toString('utf8')).not.toBe(JUNK);

    // The history: the dump's last attempt is 2, and the failure of attempt 1 is a heartbeat timeout.
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const scheduledDump = new Set(
      events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'backupDump').map((e) => String(e.eventId)),
    );
    // Each event of the dump after its scheduling, by kind.
    const dumpEvents = events.flatMap((e) => {
      const kinds = {
        started: e.activityTaskStartedEventAttributes,
        completed: e.activityTaskCompletedEventAttributes,
        failed: e.activityTaskFailedEventAttributes,
        timedOut: e.activityTaskTimedOutEventAttributes,
        cancelled: e.activityTaskCanceledEventAttributes,
      };
      return Object.entries(kinds)
        .filter(([, attrs]) => attrs && scheduledDump.has(String(attrs.scheduledEventId)))
        .map(([kind]) => ({ kind, event: e }));
    });
    // The attempt that ran to the end is 2; attempt 1's failure, carried by it, is a heartbeat timeout.
    const started = dumpEvents.filter((d) => d.kind === 'started').map((d) => d.event.activityTaskStartedEventAttributes!);
    expect(started).toHaveLength(1);
    expect(started[0]!.attempt).toBe(2);
    const firstFailure = started[0]!.lastFailure;
    expect(decodeTimeoutType(firstFailure?.timeoutFailureInfo?.timeoutType)).toBe('HEARTBEAT');
    expect(firstFailure?.source).toBe('Server');
    // Attempt 1 left no event of its own: it was never reported (no failure, no cancellation), and a
    // retried attempt's time-out shows only as the next attempt's last failure.
    expect(dumpEvents.map((d) => d.kind)).toEqual(['started', 'completed']);
  });
});
