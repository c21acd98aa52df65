/**
 * Determinism guard for the backup workflows: a backup (with its restore-drill child) recorded from
 * a real run is committed under tests/fixtures/histories/ and replayed through the current workflow
 * code, so a change that would break backups already running fails the suite. The test also replays
 * a fresh recording; UPDATE_HISTORY_FIXTURES=1 writes it over the committed one (only for an
 * intended incompatible change, with a versioning plan for running workflows).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { RunningWorker } from '../../../ops/worker';
import type { BackupWorkflowInput } from '../../../workflows/backup-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { harnessValue } from '../../harness/harness-env';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { backupDepsFor, seedFirms, tempBackupDir, TEST_TIMEOUTS, uniqueBackupId } from './helpers';
import { replayDataConverter } from '../../harness/replay';

type History = temporal.api.history.v1.IHistory;
const FIXTURES = path.resolve(__dirname, '../../fixtures/histories');
const NAMES = ['backup-verified', 'restore-drill-passed'] as const;

describe('backup workflows replay', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let dir: string;
  const taskQueue = uniqueTaskQueue('backup-replay');

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
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replays committed and fresh histories of a verified backup and its drill without a determinism error', async () => {
    const backupId = uniqueBackupId('replay');
    const input: BackupWorkflowInput = { backupId, kind: 'on_demand', timeouts: TEST_TIMEOUTS, rotate: true };
    await temporal.client.workflow.execute('backupWorkflow', { taskQueue, workflowId: backupId, args: [input] });
    const fresh: Array<{ workflowId: string; history: History }> = [];
    for (const [name, workflowId] of [[NAMES[0], backupId], [NAMES[1], `restore-drill-${backupId}`]] as const) {
      const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
      fresh.push({ workflowId: name, history });
      if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(path.join(FIXTURES, `${name}.json`), `${historyToJSON(history)}\n`);
    }
    const committed = NAMES.map((name) => ({ workflowId: name, history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'))) }));
    const results: Array<{ workflowId: string; error: string | null }> = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: harnessValue('workflowBundle') }, dataConverter: replayDataConverter() }, [...committed, ...fresh])) {
      results.push({ workflowId: result.workflowId, error: result.error?.message ?? null });
    }
    expect(results).toEqual([...committed, ...fresh].map((h) => ({ workflowId: h.workflowId, error: null })));
  });
});
