/**
 * The api starts a reconciliation's workflow inside the transaction that inserts its run. If that
 * transaction then fails, the workflow keeps waiting for its run; a retried request finds the
 * workflow already started, so it must write the very run id the workflow is looking for. On the
 * real stack (PostgreSQL, Temporal server, a real worker): the first request's insert, commit lock
 * and start are done as the route does them, in a transaction that rolls back once the first step
 * waits on that lock; the first step then misses the run and retries within the commit grace; then
 * the real route is called with the same inputs, and the workflow completes that run.
 */
import { lockRowCommit, rowCommitWaiters } from '../../../db/row-commit';
import { inTenantTransaction, type TenantScope } from '../../../db/tenant';
import type { RunningWorker } from '../../../ops/worker';
import { reconciliationRunId, reconciliationWorkflowId } from '../../../api/reconciliations/workflow-id';
import { RECONCILIATION_WORKFLOW, type ReconciliationWorkflowInput } from '../../../workflows/reconciliation-definitions';
import { call, login } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { importFile, reconData, startReconApi, type ReconApi } from './recon-helpers';

jest.setTimeout(180_000);

const PERIOD = '2024-06';

class RolledBack extends Error {}

describe('a request retried after its transaction failed with the workflow started', () => {
  let db: TestDatabase;
  let api: ReconApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const taskQueue = uniqueTaskQueue('recon-rollback');

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

  it('writes the run the waiting workflow looks for, and that run completes', async () => {
    const client = firm.clients[0]!;
    const staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const data = reconData(client.gstin, 40);
    const register = await importFile(api, staff, client.id, 'purchase_register', PERIOD, data.csv, 'text/csv');
    const twoB = await importFile(api, staff, client.id, 'gstr2b', PERIOD, data.twoB, 'application/json');
    expect([register.uploaded.status, twoB.uploaded.status]).toEqual([200, 200]);

    // amountTolerance 1 rupee is 100 paise in the engine's units, as the route fills them in.
    const body = { period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId, options: { amountTolerance: 1, dateWindowDays: 10 } };
    const options = { amountTolerance: 100, dateWindowDays: 10 };
    const workflowId = reconciliationWorkflowId({ firmId: firm.id, clientId: client.id, period: PERIOD, registerImportId: register.importId, gstr2bImportId: twoB.importId, options });
    const runId = reconciliationRunId(workflowId);
    const scope: TenantScope = { firmId: firm.id, actor: { userId: firm.users.staff.id, email: firm.users.staff.email, role: 'staff' } };
    const input: ReconciliationWorkflowInput = { firmId: firm.id, runId };
    const handle = temporal.client.workflow.getHandle(workflowId);

    // The first request: run inserted and workflow started, then the transaction fails.
    const first = await inTenantTransaction(db.app, scope, async (trx) => {
      await trx('reconciliation_runs').insert({
        id: runId, firm_id: firm.id, client_id: client.id, period: PERIOD, register_import_id: register.importId, gstr2b_import_id: twoB.importId,
        options: JSON.stringify(options), workflow_id: workflowId, created_by: firm.users.staff.id,
      });
      await lockRowCommit(trx, runId);
      await temporal.client.workflow.start(RECONCILIATION_WORKFLOW, { taskQueue, workflowId, args: [input], workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' });
      await eventually('the first step to wait for the uncommitted run', async () => (await rowCommitWaiters(db.owner, runId)) > 0, 60_000, 200);
      throw new RolledBack();
    }).then(() => 'committed', (error: unknown) => (error instanceof RolledBack ? 'rolled back' : String(error)));
    // The rollback ends the wait: the first step misses the run and retries within the grace.
    const missed = await eventually('the first step to have missed the rolled-back run', async () => {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') throw new Error(`the workflow ended ${description.status.name} before the retried request`);
      const prepare = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'reconciliationPrepare');
      if (!prepare || Number(prepare.attempt) < 2) return null;
      return { failureType: prepare.lastFailure?.applicationFailureInfo?.type };
    }, 60_000, 200);
    expect({ first, missed }).toEqual({ first: 'rolled back', missed: { failureType: 'RunNotYetVisible' } });
    const left = await db.owner('reconciliation_runs').where({ workflow_id: workflowId }).count('* as n').first();
    expect(Number(left?.n)).toBe(0);

    // The retried request, through the real route: the workflow is already started under this id.
    const again = await call(api, 'POST', `/api/clients/${client.id}/reconciliations`, { token: staff, body });
    expect({ status: again.status, workflowId: again.body.workflowId, runId: again.body.runId }).toEqual({ status: 202, workflowId, runId });

    const outcome = await handle.result().then((result) => ({ result }), (error: unknown) => ({ error: String((error as { cause?: unknown }).cause ?? error) }));
    expect(outcome).toMatchObject({ result: { runId, status: 'completed' } });
    const run = await db.owner('reconciliation_runs').where({ id: runId }).first('status', 'failure_reason');
    expect(run).toEqual({ status: 'completed', failure_reason: null });
  });
});
