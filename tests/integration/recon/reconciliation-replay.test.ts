/**
 * Determinism guard for reconciliationWorkflow: a run recorded from the real API and worker (with
 * its progress signals) is committed under tests/fixtures/histories/ and replayed through the
 * current workflow code, with a fresh recording too. UPDATE_HISTORY_FIXTURES=1 rewrites the fixture
 * (only for an intended incompatible change, with a versioning plan for running workflows).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { RunningWorker } from '../../../ops/worker';
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { importFile, reconData, startReconApi, type ReconApi } from './recon-helpers';
import { replayDataConverter } from '../../harness/replay';

type History = temporal.api.history.v1.IHistory;
const FIXTURE = path.resolve(__dirname, '../../fixtures/histories/reconciliation-completed.json');
const PERIOD = '2024-06';

describe('reconciliationWorkflow replay', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const taskQueue = uniqueTaskQueue('recon-replay');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startReconApi(db, { taskQueue });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  it('replays committed and fresh histories of a completed run without a determinism error', async () => {
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const client = firm.clients[0]!;
    const data = reconData(client.gstin, 2000);
    const twoB = await importFile(api, staff, client.id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    const register = await importFile(api, staff, client.id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    const started = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, {
      token: staff,
      body: { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId },
    });
    expect(started.status).toBe(202);
    const handle = temporal.client.workflow.getHandle(started.body.workflowId);
    await handle.result();
    const history = await handle.fetchHistory();
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(FIXTURE, `${historyToJSON(history)}\n`);
    const committed = { workflowId: 'reconciliation-completed', history: historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))) as History };
    const results: Array<{ workflowId: string; error: string | null }> = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: harnessValue('workflowBundle') }, dataConverter: replayDataConverter() }, [committed, { workflowId: 'fresh', history }])) {
      results.push({ workflowId: result.workflowId, error: result.error?.message ?? null });
    }
    expect(results).toEqual([
      { workflowId: 'reconciliation-completed', error: null },
      { workflowId: 'fresh', error: null },
    ]);
  });
});
