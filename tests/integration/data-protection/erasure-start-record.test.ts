/**
 * The start of an erasure's run is on its record even when the api stops right after Temporal accepted
 * the start, before the api's own write of it: the run records it as its first step. So once that run
 * has ended and Temporal has forgotten it (deleted here, as the namespace's retention does), asking
 * again restarts the erasure as a run that ended (audited, a new run token), never as a first start,
 * and the erasure then completes: none started twice unaudited, none lost.
 *
 * The real api, PostgreSQL, Temporal server and worker. The api's Temporal client throws right after
 * its start of the erasure is accepted (the api "stops" there: it answers 503 and writes nothing
 * more). A workflow of the client on a task queue no worker polls ignores its cancellation, so the
 * erasure's first run stays in its step that stops the client's workflows until the test ends it.
 */
import { clientErasureWorkflowId } from '../../../workflows/client-erasure-definitions';
import { call } from '../../harness/api';
import { askErasure, withErasureStartStack } from '../../harness/erasure-start-stack';
import { uniqueTaskQueue } from '../../harness/temporal';
import { until } from './helpers';

// The forgotten run takes up to two minutes to delete (below); the restarted erasure then runs to its end.
jest.setTimeout(420_000);

describe('an erasure whose api stops between Temporal accepting the start and recording it', () => {
  /** A workflow of the client that nothing runs: the erasure's stop step waits for it (its grace is long). */
  let stuckWorkflowId: string;
  const s = withErasureStartStack('erasure-start-record', {
    cancelGraceSeconds: 3_600,
    beforeClose: async ({ stack }) => {
      if (stuckWorkflowId) await stack.temporal.client.workflow.getHandle(stuckWorkflowId).terminate('test over').catch(() => undefined);
    },
  });

  const requested = async (erasureId: string) => Number((await s.stack.db.owner('audit_events').where({ firm_id: s.stack.firm.id, action: 'client.erasure_requested', entity_id: erasureId }).count({ n: '*' }))[0]!.n);
  const record = (erasureId: string) => s.stack.db.owner('client_erasures').where({ id: erasureId }).first('status', 'run_token', 'started_run_token', 'failure_reason');

  it('the run records its own start; after it ended and was forgotten, asking again restarts it (audited) and it completes', async () => {
    const { db, api, firm, temporal: { client: temporal } } = s.stack;
    const { token, startHook } = s;
    const client = firm.clients[0]!;
    // A workflow the client's rows name (an old export's), on a queue no worker polls: it stays open when cancelled.
    stuckWorkflowId = `client-export:${firm.id}:${client.id}:stuck`;
    await temporal.workflow.start('clientExportWorkflow', { taskQueue: uniqueTaskQueue('nobody'), workflowId: stuckWorkflowId, args: [] });
    await db.owner('client_exports').insert({ firm_id: firm.id, client_id: client.id, status: 'failed', workflow_id: stuckWorkflowId, expires_at: new Date(Date.now() + 86_400_000), failure_reason: 'test' });

    // The api stops: its start fails after the accept, and so does its next look at the run, so it
    // writes nothing more (not even the start it could find there).
    const workflows = api.temporal.client.workflow;
    const getHandle = workflows.getHandle;
    startHook.afterNext = async () => {
      workflows.getHandle = ((id: string, ...rest: never[]) => {
        workflows.getHandle = getHandle;
        const handle = getHandle.call(workflows, id, ...rest);
        handle.describe = async () => {
          throw new Error('the api stopped');
        };
        return handle;
      }) as typeof workflows.getHandle;
      throw new Error('the api stopped');
    };
    const first = await askErasure(s, client);
    expect([first.status, first.body.error?.code]).toEqual([503, 'unavailable']);
    const erasureId = first.body.error.details.erasureId as string;
    const workflowId = clientErasureWorkflowId(firm.id, client.id);
    const handle = temporal.workflow.getHandle(workflowId);
    const accepted = await handle.describe();
    expect(accepted.status.name).toBe('RUNNING');

    // The api wrote nothing after the accept; the run's first step records its start.
    const { run_token: runToken } = await record(erasureId);
    await until('the run to record its own start', async () => (await record(erasureId)).started_run_token === runToken, 120_000, async () => JSON.stringify(await record(erasureId)));
    const audited = await requested(erasureId);
    expect(audited).toBe(1);

    // Its run ends without recording the outcome (an operator terminates it) and Temporal forgets it.
    await handle.terminate('worker lost');
    await temporal.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId, runId: accepted.runId } });
    await until(
      'Temporal to forget the run',
      async () => handle.describe().then(() => false, (error: Error) => error.name === 'WorkflowNotFoundError'),
      // Temporal deletes a closed run through a task of its own: a minute or more on a busy machine.
      120_000,
      async () => (await handle.describe().catch((error: Error) => ({ status: { name: error.name } }))).status.name,
    );

    // Asking again: a run that ended, restarted with its audit event and a new token; not a first start.
    await temporal.workflow.getHandle(stuckWorkflowId).terminate('no longer in the way');
    const again = await askErasure(s, client);
    const restarted = await record(erasureId);
    expect({ status: again.status, erasureId: again.body.erasureId, audited: await requested(erasureId), newToken: restarted.run_token !== runToken }).toEqual({
      status: 202, erasureId, audited: audited + 1, newToken: true,
    });
    await until('the restarted erasure to complete', async () => (await call(api, 'GET', `/api/erasures/${erasureId}`, { token })).body.status === 'completed', 180_000, async () => JSON.stringify(await record(erasureId)));
    expect({ record: await record(erasureId), audited: await requested(erasureId) }).toEqual({
      record: { status: 'completed', run_token: restarted.run_token, started_run_token: restarted.run_token, failure_reason: null },
      audited: audited + 1,
    });
  });
});
