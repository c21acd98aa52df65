/**
 * Determinism guard for periodCloseWorkflow: histories recorded from real runs (committed under
 * tests/fixtures/histories/) are replayed through the current workflow code with
 * Worker.runReplayHistories, so a change that would break running close requests fails the suite.
 * A negative control (a changed workflow) must fail the same replay.
 *
 * The test also records fresh histories of the same scenarios and replays them; with
 * UPDATE_HISTORY_FIXTURES=1 it writes them over the committed fixtures (do that only for a change
 * that is meant to be incompatible, together with a versioning plan for running workflows).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflows } from '../../../ops/workflow-bundle';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { statusQuery } from '../../../workflows/period-close-definitions';
import { eventually } from '../../harness/eventually';
import { committedHistories, HISTORY_FIXTURES, replayHistories, type History } from '../../harness/replay';
import { seedReconciledPeriod } from './helpers';

const CHANGED_WORKFLOW = path.resolve(__dirname, '../../fixtures/workflows/period-close-changed.ts');

// Waits on the workflow get a minute each on a busy machine; the tests' own deadline leaves room for them.
jest.setTimeout(180_000);

describe('periodCloseWorkflow replay', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const taskQueue = uniqueTaskQueue('period-close-replay');
  const fresh: Array<{ workflowId: string; history: History }> = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, periodClose: { timers: { remindAfterMs: 1000, escalateAfterMs: 60_000, expireAfterMs: 120_000 } } });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  it('records the scenarios from real runs (approved after a refused self-approval; rejected after a reminder)', async () => {
    const clientId = firm.clients[0]!.id;
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const manager = await login(api, firm.users.manager.email, firm.users.manager.password);
    const admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);

    await seedReconciledPeriod(db, firm.id, clientId, '2025-04');
    const a = (await call(api, 'POST', `/api/clients/${clientId}/periods/2025-04/close`, { token: manager, body: { note: 'April' } })).body;
    expect((await call(api, 'POST', `/api/close-requests/${a.closeRequestId}/approve`, { token: manager, body: {} })).status).toBe(403);
    expect((await call(api, 'POST', `/api/close-requests/${a.closeRequestId}/approve`, { token: admin, body: { note: 'ok' } })).status).toBe(200);

    await seedReconciledPeriod(db, firm.id, clientId, '2025-05');
    const b = (await call(api, 'POST', `/api/clients/${clientId}/periods/2025-05/close`, { token: staff, body: {} })).body;
    // The workflow's own record of the reminder, not the activity's row: the history must hold the
    // finished reminder before the rejection arrives.
    await eventually('the workflow to record its reminder', async () => (await temporal.client.workflow.getHandle(b.workflowId).query(statusQuery)).remindedAt, 60_000);
    expect((await call(api, 'POST', `/api/close-requests/${b.closeRequestId}/reject`, { token: manager, body: { reason: 'register incomplete' } })).status).toBe(200);

    for (const [name, workflowId] of [['period-close-approved', a.workflowId], ['period-close-reminded-rejected', b.workflowId]] as const) {
      const handle = temporal.client.workflow.getHandle(workflowId);
      await handle.result();
      const history = await handle.fetchHistory();
      fresh.push({ workflowId: name, history });
      if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(path.join(HISTORY_FIXTURES, `${name}.json`), `${historyToJSON(history)}\n`);
    }
    expect(fresh).toHaveLength(2);
  });

  it('replays the committed histories and the fresh ones through the current workflow code without a determinism error', async () => {
    const committed = committedHistories('period-close-');
    expect(committed.map((h) => h.workflowId)).toEqual(['period-close-approved', 'period-close-reminded-rejected']);
    const results = await replayHistories({ codePath: harnessValue('workflowBundle') }, [...committed, ...fresh]);
    expect(results.map((r) => ({ workflowId: r.workflowId, error: r.error?.message ?? null }))).toEqual(
      [...committed, ...fresh].map((h) => ({ workflowId: h.workflowId, error: null })),
    );
  });

  it('fails the replay of the same histories through a changed workflow (negative control)', async () => {
    const changed = await bundleWorkflows(CHANGED_WORKFLOW);
    const results = await replayHistories({ code: changed.code }, committedHistories('period-close-'));
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result.error?.name).toBe('DeterminismViolationError');
    }
  });
});
