/**
 * Determinism guard for retentionWorkflow: a history recorded from a real run that purged data
 * (committed under tests/fixtures/histories/) and a fresh one are replayed through the current
 * workflow code with Worker.runReplayHistories; a changed workflow (negative control) must fail the
 * same replay. With UPDATE_HISTORY_FIXTURES=1 the fresh history is written over the committed one
 * (only for a change meant to be incompatible, with a versioning plan for running runs).
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DEFAULT_ROTATION_POLICY } from '../../../domain/backup-rotation';
import { bundleWorkflows } from '../../../ops/workflow-bundle';
import type { RunningWorker } from '../../../ops/worker';
import { RETENTION_WORKFLOW, retentionWorkflowId, type RetentionResult } from '../../../workflows/retention-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { replayDataConverter } from '../../harness/replay';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { seedPeriodWithData } from './retention-helpers';

type History = temporal.api.history.v1.IHistory;
const FIXTURE = path.resolve(__dirname, '../../fixtures/histories/retention-purged-two-firms.json');
const CHANGED_WORKFLOW = path.resolve(__dirname, '../../fixtures/workflows/retention-changed.ts');

async function replay(workflowBundle: { code: string } | { codePath: string }, histories: Array<{ workflowId: string; history: History }>) {
  const results: Array<{ workflowId: string; error: string | null }> = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle, dataConverter: replayDataConverter() }, histories)) results.push({ workflowId: r.workflowId, error: r.error ? `${r.error.name}: ${r.error.message}` : null });
  return results;
}

describe('retentionWorkflow replay', () => {
  let db: TestDatabase;
  let temporalEnv: TestTemporal;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('retention-replay');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-retention-replay-'));
  let fresh: History;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporalEnv = await connectTestTemporal();
    worker = await startTestWorker({
      knex: db.app,
      taskQueue,
      dataProtection: { exportDir: path.join(root, 'exports'), fileStoreDir: path.join(root, 'files'), ownerUrl: db.url, certificateKey: undefined, rotation: DEFAULT_ROTATION_POLICY, erasureLogDir: path.join(root, 'erasures') },
    });
    const purging = await createTestFirm(db);
    const later = await createTestFirm(db); // nothing due yet
    await createTestFirm(db); // keeps everything: not visited
    await seedPeriodWithData(db, purging.id, purging.clients[0]!.id, '2017-07', 'closed');
    await seedPeriodWithData(db, later.id, later.clients[0]!.id, '2021-06', 'closed');
    await db.owner('retention_settings').insert({ firm_id: purging.id, source_files_months: 72, reconciliation_results_months: 72 });
    await db.owner('retention_settings').insert({ firm_id: later.id, source_files_months: 72, reconciliation_results_months: null });
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporalEnv?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('records a run over two firms with retention set, one of which purges, from a real run', async () => {
    const day = '2026-06-15';
    const handle = await temporalEnv.client.workflow.start(RETENTION_WORKFLOW, { taskQueue, workflowId: `${retentionWorkflowId(day)}-replay-${randomInt(1e9)}`, args: [{ day }] });
    const result: RetentionResult = await handle.result();
    expect(result.firms.map((f) => [f.status, f.purgedNow]).sort()).toEqual([
      ['completed', 0],
      ['completed', 2],
    ]);
    fresh = await handle.fetchHistory();
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(FIXTURE, `${historyToJSON(fresh)}\n`);
  });

  it('replays the committed and the fresh history through the current workflow code', async () => {
    const committed = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
    const results = await replay({ codePath: harnessValue('workflowBundle') }, [
      { workflowId: 'retention-committed', history: committed },
      { workflowId: 'retention-fresh', history: fresh },
    ]);
    expect(results).toEqual([
      { workflowId: 'retention-committed', error: null },
      { workflowId: 'retention-fresh', error: null },
    ]);
  });

  it('fails the replay through a changed workflow (negative control)', async () => {
    const changed = await bundleWorkflows(CHANGED_WORKFLOW);
    const results = await replay({ code: changed.code }, [{ workflowId: 'retention-committed', history: historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))) }]);
    expect(results.map((r) => r.error?.split(':')[0])).toEqual(['DeterminismViolationError']);
  });
});
