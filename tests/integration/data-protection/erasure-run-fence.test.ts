/**
 * An erasure run writes to its record only while its run token is still the record's: a run a newer
 * decision superseded (here the record's token is changed under it, as a restart or reopen does) neither
 * deletes nor certifies, and its failure is not recorded over the newer run's record.
 *
 * The real api, PostgreSQL, Temporal server and worker. A workflow of the client on a task queue no
 * worker polls ignores its cancellation, so the erasure's run stays in its step that stops the client's
 * workflows (its grace is long) until the test moves it on: by cancelling the run (its failure is then
 * recorded), or by ending that workflow (its deletion step is then next).
 */
import { randomUUID } from 'node:crypto';
import { clientErasureWorkflowId } from '../../../workflows/client-erasure-definitions';
import { call, loginReauthenticated, type TestApi } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import type { TestFirm } from '../../harness/factories';
import { startDataProtectionStack, type DataProtectionStack } from '../../harness/data-protection-stack';
import { uniqueTaskQueue } from '../../harness/temporal';
import { until } from './helpers';

jest.setTimeout(240_000);

describe("an erasure run superseded by a newer decision writes nothing to the erasure's record", () => {
  let stack: DataProtectionStack;
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;
  const stuck: string[] = [];

  beforeAll(async () => {
    stack = await startDataProtectionStack('erasure-run-fence', { cancelGraceSeconds: 3_600 });
    ({ db, api, firm } = stack);
    token = await loginReauthenticated(api, firm.users.firm_admin);
  });
  afterAll(async () => {
    for (const id of stuck) await stack?.temporal.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await stack?.close();
  });

  const record = (erasureId: string) => db.owner('client_erasures').where({ id: erasureId }).first('status', 'run_token', 'failure_reason', 'data_deleted_at');

  /** The client's erasure asked for, its run past its first step and waiting in its stop step; then a newer decision's token on the record. */
  async function supersededRun(client: { id: string; name: string }) {
    const temporal = stack.temporal.client;
    const stuckId = `client-export:${firm.id}:${client.id}:stuck`;
    await temporal.workflow.start('clientExportWorkflow', { taskQueue: uniqueTaskQueue('nobody'), workflowId: stuckId, args: [] });
    stuck.push(stuckId);
    await db.owner('client_exports').insert({ firm_id: firm.id, client_id: client.id, status: 'failed', workflow_id: stuckId, expires_at: new Date(Date.now() + 86_400_000), failure_reason: 'test' });
    const asked = await call(api, 'POST', `/api/clients/${client.id}/erasure`, { token, body: { reason: 'engagement ended', confirmName: client.name } });
    expect(asked.status).toBe(202);
    const erasureId = asked.body.erasureId as string;
    const first = await record(erasureId);
    await until('the run to record its own start', async () => (await db.owner('client_erasures').where({ id: erasureId }).first('started_run_token')).started_run_token === first.run_token, 120_000);
    const newer = randomUUID();
    await db.owner('client_erasures').where({ id: erasureId }).update({ run_token: newer });
    return { erasureId, stuckId, newer, handle: temporal.workflow.getHandle(clientErasureWorkflowId(firm.id, client.id)) };
  }

  it("a superseded run's failure is not recorded: the record keeps the newer run's token, running, no failure", async () => {
    const client = firm.clients[0]!;
    const { erasureId, newer, handle } = await supersededRun(client);
    await handle.cancel();
    const closed = await handle.result().then(
      () => 'completed',
      (error: Error) => error.name,
    );
    expect(closed).toBe('WorkflowFailedError');
    expect(await record(erasureId)).toEqual({ status: 'running', run_token: newer, failure_reason: null, data_deleted_at: null });
  });

  it('a superseded run neither deletes the client nor certifies the erasure; its failure is not recorded either', async () => {
    const client = firm.clients[1]!;
    const { erasureId, stuckId, newer, handle } = await supersededRun(client);
    // The stop step's wait ends: the deletion is the run's next step.
    await stack.temporal.client.workflow.getHandle(stuckId).terminate('out of the way');
    const closed = await handle.result().then(
      () => 'completed',
      (error: Error & { cause?: { cause?: { type?: string } } }) => `${error.name} ${error.cause?.cause?.type ?? ''}`.trim(),
    );
    expect({ closed, record: await record(erasureId), client: Boolean(await db.owner('clients').where({ id: client.id }).first('id')) }).toEqual({
      closed: 'WorkflowFailedError',
      record: { status: 'running', run_token: newer, failure_reason: null, data_deleted_at: null },
      client: true,
    });
  });
});
