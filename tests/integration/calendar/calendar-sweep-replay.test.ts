/**
 * Determinism guard for calendarSweepWorkflow: a history recorded from a real run (committed under
 * tests/fixtures/histories/) and a fresh one are replayed through the current workflow code with
 * Worker.runReplayHistories; a changed workflow (negative control) must fail the same replay. With
 * UPDATE_HISTORY_FIXTURES=1 the fresh history is written over the committed one (only for a change
 * meant to be incompatible, with a versioning plan for running sweeps).
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../../../ops/workflow-bundle';
import type { RunningWorker } from '../../../ops/worker';
import { CALENDAR_SWEEP_WORKFLOW, calendarSweepWorkflowId } from '../../../workflows/calendar-sweep-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { replayDataConverter } from '../../harness/replay';

type History = temporal.api.history.v1.IHistory;
const FIXTURE = path.resolve(__dirname, '../../fixtures/histories/calendar-sweep-two-firms.json');
const CHANGED_WORKFLOW = path.resolve(__dirname, '../../fixtures/workflows/calendar-sweep-changed.ts');

async function replay(workflowBundle: { code: string } | { codePath: string }, histories: Array<{ workflowId: string; history: History }>) {
  const results: Array<{ workflowId: string; error: string | null }> = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle, dataConverter: replayDataConverter() }, histories)) results.push({ workflowId: r.workflowId, error: r.error ? `${r.error.name}: ${r.error.message}` : null });
  return results;
}

describe('calendarSweepWorkflow replay', () => {
  let db: TestDatabase;
  let temporalEnv: TestTemporal;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('calendar-sweep-replay');
  let fresh: History;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporalEnv = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    await createTestFirm(db);
    await createTestFirm(db);
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporalEnv?.close();
    await db?.drop();
  });

  it('records a sweep of two firms from a real run', async () => {
    const day = `${2100 + randomInt(0, 800)}-08-15`;
    const handle = await temporalEnv.client.workflow.start(CALENDAR_SWEEP_WORKFLOW, { taskQueue, workflowId: `${calendarSweepWorkflowId(day)}-replay-${randomInt(1e9)}`, args: [{ day }] });
    const result = await handle.result();
    expect(result.firms).toHaveLength(2);
    fresh = await handle.fetchHistory();
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(FIXTURE, `${historyToJSON(fresh)}\n`);
  });

  it('replays the committed and the fresh history through the current workflow code', async () => {
    const committed = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
    const results = await replay({ codePath: harnessValue('workflowBundle') }, [
      { workflowId: 'calendar-sweep-committed', history: committed },
      { workflowId: 'calendar-sweep-fresh', history: fresh },
    ]);
    expect(results).toEqual([
      { workflowId: 'calendar-sweep-committed', error: null },
      { workflowId: 'calendar-sweep-fresh', error: null },
    ]);
  });

  it('fails the replay through a changed workflow (negative control)', async () => {
    const changed = await bundleWorkflows(CHANGED_WORKFLOW);
    const results = await replay({ code: changed.code }, [{ workflowId: 'calendar-sweep-committed', history: historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))) }]);
    expect(results.map((r) => r.error?.split(':')[0])).toEqual(['DeterminismViolationError']);
  });
});
