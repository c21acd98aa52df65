/**
 * The api starts a reconciliation's workflow inside the transaction that inserts its run, so the
 * worker's first step can look for the run before it is committed. On the real stack (PostgreSQL,
 * Temporal server, a real worker): the run is inserted, its commit lock taken and its workflow
 * started in an open tenant transaction, as the api does; the transaction stays open until the first
 * step is seen waiting on that lock, still on its first attempt; then it commits, and the run completes.
 */
import { randomUUID } from 'node:crypto';
import { lockRowCommit, rowCommitWaiters } from '../../../db/row-commit';
import { inTenantTransaction, type TenantScope } from '../../../db/tenant';
import type { RunningWorker } from '../../../ops/worker';
import { RECONCILIATION_WORKFLOW, type ReconciliationWorkflowInput } from '../../../workflows/reconciliation-definitions';
import { login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { importFile, reconData, startReconApi, type ReconApi } from './recon-helpers';

jest.setTimeout(180_000);

const PERIOD = '2024-06';

describe('a run whose workflow starts before the run is committed', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const taskQueue = uniqueTaskQueue('recon-commit');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    api = await startReconApi(db, { taskQueue });
    worker = await startTestWorker({ knex: db.app, taskQueue });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await worker.shutdown();
    await api.close();
    await temporal.close();
    await db.drop();
  });

  it('waits for the commit (the first attempt waits on the run\'s lock) and then completes', async () => {
    const client = firm.clients[0]!;
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const data = reconData(client.gstin, 40);
    const register = await importFile(api, staff, client.id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    const twoB = await importFile(api, staff, client.id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    expect([register.uploaded.status, twoB.uploaded.status]).toEqual([200, 200]);

    const runId = randomUUID();
    const workflowId = `run-before-commit-${runId}`;
    const scope: TenantScope = { firmId: firm.id, actor: { userId: firm.users.staff.id, email: firm.users.staff.email, role: 'staff' } };
    // The production retry policy (no test timings): the grace it leaves is what is under test.
    const input: ReconciliationWorkflowInput = { firmId: firm.id, runId };
    const handle = temporal.client.workflow.getHandle(workflowId);

    const seenBeforeCommit = await inTenantTransaction(db.app, scope, async (trx) => {
      await trx('reconciliation_runs').insert({
        id: runId, firm_id: firm.id, client_id: client.id, period: PERIOD, register_import_id: register.importId, gstr2b_import_id: twoB.importId,
        options: JSON.stringify({ amountTolerance: 100, dateWindowDays: 10 }), workflow_id: workflowId, created_by: firm.users.staff.id,
      });
      await lockRowCommit(trx, runId);
      await temporal.client.workflow.start(RECONCILIATION_WORKFLOW, { taskQueue, workflowId, args: [input] });
      // Held open until the first step is waiting for this transaction to end.
      await eventually('the first step to wait for the uncommitted run', async () => (await rowCommitWaiters(db.owner, runId)) > 0, 60_000, 200);
      const description = await handle.describe();
      const prepare = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'reconciliationPrepare');
      return { running: description.status.name, prepare: prepare ? { attempt: Number(prepare.attempt), failureType: prepare.lastFailure?.applicationFailureInfo?.type ?? null } : null };
    });
    expect(seenBeforeCommit).toEqual({ running: 'RUNNING', prepare: { attempt: 1, failureType: null } });

    const outcome = await handle.result().then((result) => ({ result }), (error: unknown) => ({ error: String((error as { cause?: unknown }).cause ?? error) }));
    expect(outcome).toMatchObject({ result: { runId, status: 'completed' } });
    const run = await db.owner('reconciliation_runs').where({ id: runId }).first('status', 'failure_reason');
    expect(run).toEqual({ status: 'completed', failure_reason: null });
  });
});
