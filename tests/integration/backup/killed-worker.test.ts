/**
 * A worker that stops in the middle of a long dump: its heartbeats stop, Temporal notices within the
 * heartbeat timeout, and another worker retries the dump; the backup still ends verified.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../activities';
import { findBackup } from '../../../db/models/backup-catalogue';
import type { BackupWorkflowInput } from '../../../workflows/backup-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { harnessValue } from '../../harness/harness-env';
import { captureLogger } from '../../harness/logs';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { backupDepsFor, seedFirms, tempBackupDir, uniqueBackupId } from './helpers';

jest.setTimeout(120_000);

describe('a worker lost during a dump', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let dir: string;
  const taskQueue = uniqueTaskQueue('backup-killed');

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedFirms(db.owner);
    dir = tempBackupDir();
    temporal = await connectTestTemporal();
  });
  afterAll(async () => {
    await temporal?.close();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is noticed by the heartbeat timeout and the dump is retried on another worker', async () => {
    // A pg_dump that hangs the first time it dumps (a stuck or very slow dump), then works.
    const realPgDump = process.env.BACKUP_PG_DUMP_PATH || 'pg_dump';
    const marker = path.join(dir, 'first-dump-started');
    const slowPgDump = path.join(dir, 'pg_dump-slow-once');
    fs.writeFileSync(
      slowPgDump,
      `#!/bin/sh\nif [ "$1" = "--version" ]; then exec ${realPgDump} --version; fi\nif [ ! -f ${marker} ]; then touch ${marker}; exec sleep 12; fi\nexec ${realPgDump} "$@"\n`,
      { mode: 0o755 },
    );
    const deps = backupDepsFor(db, dir, { pgDumpPath: slowPgDump });

    // Worker A, with no grace at shutdown: it stands for a process that dies mid-dump.
    const connection = await NativeConnection.connect({ address: harnessValue('temporalAddress') });
    const logger = captureLogger('warn').logger;
    const doomed = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: harnessValue('workflowBundle') },
      activities: createActivities({ knex: db.app, logger, backup: deps }),
      shutdownGraceTime: '1 millisecond',
    });
    const running = doomed.run();

    const backupId = uniqueBackupId('killed');
    const input: BackupWorkflowInput = {
      backupId,
      kind: 'on_demand',
      rotate: false,
      timeouts: { initialRetrySeconds: 1, maximumAttempts: 3, heartbeatSeconds: 2, longStepMinutes: 5 },
    };
    const handle = await temporal.client.workflow.start('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });
    for (let i = 0; !fs.existsSync(marker); i += 1) {
      if (i > 300) throw new Error('the dump never started');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Worker A stops heartbeating (it is shutting down, its dump stuck); worker B is already polling.
    doomed.shutdown();
    const rescuer = await startTestWorker({ knex: db.app, taskQueue, backup: deps });
    try {
      const result = await handle.result();
      expect(result).toMatchObject({ backupId, status: 'verified' });
    } finally {
      await rescuer.shutdown();
      await running;
      await connection.close();
    }
    expect(await findBackup(db.owner, backupId)).toMatchObject({ status: 'verified', drill_status: 'passed' });
    const history = await handle.fetchHistory();
    const scheduled = new Map<string, string>();
    for (const event of history.events ?? []) {
      const attrs = event.activityTaskScheduledEventAttributes;
      if (attrs?.activityType?.name) scheduled.set(String(event.eventId), attrs.activityType.name);
    }
    const dumpAttempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes && scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId)) === 'backupDump')
      .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
    expect(Math.max(...dumpAttempts)).toBeGreaterThan(1);
  });
});
