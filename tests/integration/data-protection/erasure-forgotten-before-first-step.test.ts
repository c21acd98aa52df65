/**
 * An erasure's run that Temporal accepted while the api "stopped" right after the accept (nothing of it
 * recorded), that was terminated before its first step could record its start, and that Temporal then
 * forgot: asking again restarts it with a `client.erasure_restarted` event saying why (not found in
 * Temporal) with the old run and the new one, exactly once through a failed start, its retry and a
 * double request; a status read records it failed instead of starting it silently.
 *
 * The real api, PostgreSQL and Temporal server. The api's task queue has no worker, so a run never
 * reaches its first step. The api's Temporal client fails right after its start is accepted, and its
 * next look at the run fails too: the api writes nothing after the accept, as an api that stopped.
 */
import { CLIENT_ERASURE_WORKFLOW, clientErasureWorkflowId } from '../../../workflows/client-erasure-definitions';
import { lockErasureStart } from '../../../api/data-protection/erasure-run';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { backendPid, untilWaiting } from '../../harness/lock-waits';
import { hookStarts, type StartHook } from '../../harness/start-hook';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { until } from './helpers';

// Two runs forgotten at once (Temporal deletes a closed run through a task of its own: up to two minutes), then the requests.
jest.setTimeout(300_000);

describe('an erasure run terminated before its first step and forgotten, its start never recorded', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let firm: TestFirm;
  let token: string;
  let startHook: StartHook;
  const taskQueue = uniqueTaskQueue('erasure-forgotten');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    api = await startTestApi(db, {}, { taskQueue, dataProtection: { exportDir: '/nonexistent', certificatePublicKey: null, cancelGraceSeconds: 5 } });
    firm = await createTestFirm(db, 'Forgotten Firm');
    startHook = hookStarts(api, CLIENT_ERASURE_WORKFLOW);
    token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
  });
  afterAll(async () => {
    for (const client of firm?.clients ?? []) await temporal?.client.workflow.getHandle(clientErasureWorkflowId(firm.id, client.id)).terminate('test over').catch(() => undefined);
    await api?.close();
    await temporal?.close();
    await db?.drop();
  });

  const erase = (client: { id: string; name: string }) => call(api, 'POST', `/api/clients/${client.id}/erasure`, { token, body: { reason: 'engagement ended', confirmName: client.name } });
  const events = (erasureId: string, action: string) => db.owner('audit_events').where({ firm_id: firm.id, action, entity_id: erasureId }).orderBy('seq').pluck('after');
  const record = (erasureId: string) => db.owner('client_erasures').where({ id: erasureId }).first('status', 'run_token', 'started_run_token', 'start_failed_run_token', 'failure_reason');
  const runOf = (client: { id: string }) =>
    temporal.client.workflow
      .getHandle(clientErasureWorkflowId(firm.id, client.id))
      .describe()
      .then(
        (d) => ({ status: d.status.name, token: d.memo?.erasureRunToken ?? null }),
        (error: Error) => ({ status: error.name, token: null }),
      );

  /** The api's next look at any workflow fails (Temporal "unreachable"): with the failed start, nothing is written after the accept. */
  function apiStopsAfterAccept() {
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
  }

  /** Asked for; the api stops after Temporal accepted the start; the run (no worker: before its first step) is terminated and forgotten. */
  async function acceptedThenForgotten(client: { id: string; name: string }) {
    apiStopsAfterAccept();
    const first = await erase(client);
    expect([first.status, first.body.error?.code]).toEqual([503, 'unavailable']);
    const erasureId = first.body.error.details.erasureId as string;
    const workflowId = clientErasureWorkflowId(firm.id, client.id);
    const handle = temporal.client.workflow.getHandle(workflowId);
    const accepted = await handle.describe();
    const recorded = await record(erasureId);
    // Temporal has the run of the record's token; the record knows nothing of its start.
    expect({ run: accepted.status.name, sameToken: accepted.memo?.erasureRunToken === recorded.run_token, started: recorded.started_run_token, refused: recorded.start_failed_run_token }).toEqual({
      run: 'RUNNING', sameToken: true, started: null, refused: null,
    });
    await handle.terminate('operator: stuck');
    await temporal.client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId, runId: accepted.runId } });
    return { erasureId, oldToken: recorded.run_token as string, forgotten: () => handle.describe().then(() => false, (error: Error) => error.name === 'WorkflowNotFoundError') };
  }

  it('asking again restarts it with one client.erasure_restarted event (old and new run), through a failed start, its retry and a double request; a status read records it failed', async () => {
    const client = firm.clients[0]!;
    const readClient = firm.clients[1]!;
    const asked = await acceptedThenForgotten(client);
    const read = await acceptedThenForgotten(readClient);
    await until('Temporal to forget both runs', async () => (await asked.forgotten()) && (await read.forgotten()), 150_000, async () => JSON.stringify([await runOf(client), await runOf(readClient)]));

    // The restart's own start fails: the restart is audited all the same, before the start, once.
    startHook.beforeNext = async () => {
      throw new Error('Temporal is unreachable');
    };
    const failed = await erase(client);
    expect([failed.status, failed.body.error?.code]).toEqual([503, 'unavailable']);
    const restarted = await record(asked.erasureId);
    expect({ token: restarted.run_token !== asked.oldToken, refused: restarted.start_failed_run_token === restarted.run_token, restarts: await events(asked.erasureId, 'client.erasure_restarted') }).toEqual({
      token: true,
      refused: true,
      restarts: [{ erasureId: asked.erasureId, why: 'not_found_in_temporal', previousRun: { runToken: asked.oldToken, runId: null, startRecorded: false }, newRun: { runToken: restarted.run_token } }],
    });

    // Its retry, then two requests at once (held at the look-decide-start lock until both wait): the one restart's run, nothing more audited.
    const retried = await erase(client);
    expect([retried.status, retried.body.erasureId]).toEqual([202, asked.erasureId]);
    const holder = await db.owner.transaction();
    let both: Promise<unknown[]> | null = null;
    try {
      await lockErasureStart(holder, client.id);
      const holderPid = await backendPid(holder);
      both = Promise.all([erase(client), erase(client)]);
      both.catch(() => undefined);
      await untilWaiting(db.owner, 'both requests to wait for the erasure start lock', (w) => w.blockedBy.includes(holderPid) && w.waitEvent === 'advisory', { count: 2 });
    } finally {
      await holder.commit();
    }
    const answers = (await both!) as Array<{ status: number }>;
    expect({
      answers: answers.map((a) => a.status),
      run: await runOf(client),
      restarts: (await events(asked.erasureId, 'client.erasure_restarted')).length,
      requests: (await events(asked.erasureId, 'client.erasure_requested')).length,
    }).toEqual({ answers: [202, 202], run: { status: 'RUNNING', token: restarted.run_token }, restarts: 1, requests: 2 });

    // A status read never restarts: it records the erasure failed, saying its start was never confirmed; starts nothing, audits no restart.
    const seen = await call(api, 'GET', `/api/erasures/${read.erasureId}`, { token });
    expect({ status: seen.body.status, failureReason: seen.body.failureReason, run: (await runOf(readClient)).status, restarts: (await events(read.erasureId, 'client.erasure_restarted')).length }).toEqual({
      status: 'failed', failureReason: expect.stringMatching(/is not in Temporal, and its start was never confirmed/), run: 'WorkflowNotFoundError', restarts: 0,
    });
  });
});
