/**
 * When an erasure's work is (re)started, and what is audited: the real api, PostgreSQL and Temporal
 * server. The api's task queue has no worker, so a run started on it stays open until the test ends
 * it (terminated: a run that closed without recording its outcome). The api's Temporal client is
 * held or made to fail at its start of an erasure workflow.
 * - A restart is audited (`client.erasure_requested`) with its decision, before the start, once:
 *   a start that fails after it, a retry, or two requests at once write no second event.
 * - The first start of a new erasure after a 503 is no restart: one request, one event.
 * - A status read closes the gap of a `running` erasure with nothing running.
 * - The wait for a failed run to close cancels its long poll when the time is up.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowService } from '@temporalio/client';
import { awaitEndedRun } from '../../../api/data-protection/erasure-start';
import { CLIENT_ERASURE_WORKFLOW, clientErasureWorkflowId } from '../../../workflows/client-erasure-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { until } from './helpers';
import { hookStarts, type StartHook } from '../../harness/start-hook';

jest.setTimeout(180_000);

describe('restarting an erasure whose work ended or never started (no worker: runs stay open)', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let firm: TestFirm;
  let token: string;
  const taskQueue = uniqueTaskQueue('erasure-restart');
  /** What the api's next start of an erasure workflow does first (wait, fail, look at the database). */
  let startHook: StartHook;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    api = await startTestApi(db, {}, { taskQueue, dataProtection: { exportDir: '/nonexistent', certificatePublicKey: null, cancelGraceSeconds: 5 } });
    firm = await createTestFirm(db, 'Restart Firm');
    for (const name of ['Third Client', 'Fourth Client', 'Fifth Client']) {
      const gstin = validGstin();
      const [row] = await db.owner('clients').insert({ firm_id: firm.id, name, gstin, email: `${name.split(' ')[0]!.toLowerCase()}@restart.example`, filing_frequency: 'monthly', state_code: '27' }).returning('id');
      firm.clients.push({ id: (row as { id: string }).id, gstin, name });
    }
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
  const requested = async (erasureId: string) => (await db.owner('audit_events').where({ firm_id: firm.id, action: 'client.erasure_requested', entity_id: erasureId }).count({ n: '*' }))[0]!.n;
  const describe_ = (client: { id: string }) => temporal.client.workflow.getHandle(clientErasureWorkflowId(firm.id, client.id)).describe();
  /** An erasure recorded `running` whose run (started before run tokens existed) was terminated: its work ended without recording it. */
  async function endedErasure(client: { id: string }) {
    const workflowId = clientErasureWorkflowId(firm.id, client.id);
    const [row] = (await db.owner('client_erasures').insert({ firm_id: firm.id, client_id: client.id, workflow_id: workflowId, reason: 'engagement ended', status: 'running' }).returning('id')) as Array<{ id: string }>;
    const handle = await temporal.client.workflow.start(CLIENT_ERASURE_WORKFLOW, { taskQueue, workflowId, args: [{ firmId: firm.id, clientId: client.id, erasureId: row!.id }] });
    await handle.terminate('worker lost');
    return { erasureId: row!.id, oldRunId: handle.firstExecutionRunId };
  }

  it('a restart is audited with its decision before the start; the retry after its failed start audits nothing more', async () => {
    const client = firm.clients[0]!;
    const { erasureId, oldRunId } = await endedErasure(client);
    const before = Number(await requested(erasureId));
    let atStart: number | null = null;
    startHook.beforeNext = async () => {
      atStart = Number(await requested(erasureId));
      throw new Error('Temporal is unreachable');
    };
    const failed = await erase(client);
    expect({ status: failed.status, code: failed.body.error?.code, erasureId: failed.body.error?.details?.erasureId, auditedBeforeStart: atStart }).toEqual({ status: 503, code: 'unavailable', erasureId, auditedBeforeStart: before + 1 });

    const again = await erase(client);
    expect([again.status, again.body.erasureId]).toEqual([202, erasureId]);
    const run = await describe_(client);
    expect({ status: run.status.name, newRun: run.runId !== oldRunId, audited: Number(await requested(erasureId)) }).toEqual({ status: 'RUNNING', newRun: true, audited: before + 1 });
  });

  it('two requests at once restart it once: one audit, one run', async () => {
    const client = firm.clients[2]!;
    const { erasureId } = await endedErasure(client);
    const before = Number(await requested(erasureId));
    const startsBefore = startHook.count;
    const [a, b] = await Promise.all([erase(client), erase(client)]);
    expect([a.status, b.status, a.body.erasureId, b.body.erasureId]).toEqual([202, 202, erasureId, erasureId]);
    expect({ audited: Number(await requested(erasureId)), run: (await describe_(client)).status.name }).toEqual({ audited: before + 1, run: 'RUNNING' });
    expect(startHook.count - startsBefore).toBeGreaterThanOrEqual(1);
  });

  it('the first start of a new erasure after a 503 is no restart: one request, one audit event', async () => {
    const client = firm.clients[1]!;
    startHook.beforeNext = async () => {
      throw new Error('Temporal is unreachable');
    };
    const failed = await erase(client);
    expect([failed.status, failed.body.error?.code]).toEqual([503, 'unavailable']);
    const erasureId = failed.body.error.details.erasureId as string;
    const again = await erase(client);
    expect([again.status, again.body.erasureId]).toEqual([202, erasureId]);
    expect({ run: (await describe_(client)).status.name, audited: Number(await requested(erasureId)) }).toEqual({ run: 'RUNNING', audited: 1 });
  });

  it('a status read starts a running erasure whose start failed, and records failed one whose run ended; asking again then resumes it', async () => {
    // Never started: the request answered 503 and nobody asked again.
    const unstarted = firm.clients[3]!;
    startHook.beforeNext = async () => {
      throw new Error('Temporal is unreachable');
    };
    const failed = await erase(unstarted);
    expect(failed.status).toBe(503);
    const unstartedId = failed.body.error.details.erasureId as string;
    const read = await call(api, 'GET', `/api/erasures/${unstartedId}`, { token });
    expect(read.body.status).toBe('running');
    const started = await describe_(unstarted).then(
      (d) => d.status.name,
      (error: Error) => error.name,
    );
    expect({ started, audited: Number(await requested(unstartedId)) }).toEqual({ started: 'RUNNING', audited: 1 });

    // Its run ended without recording the outcome: the read says so, and the same request resumes it.
    const ended = firm.clients[4]!;
    const { erasureId } = await endedErasure(ended);
    const before = Number(await requested(erasureId));
    const seen = await call(api, 'GET', `/api/erasures/${erasureId}`, { token });
    expect({ status: seen.body.status, failureReason: seen.body.failureReason }).toEqual({ status: 'failed', failureReason: expect.stringMatching(/ended \(terminated\) without recording its outcome/) });
    const resumed = await erase(ended);
    expect({ status: resumed.status, record: (await db.owner('client_erasures').where({ id: erasureId }).first('status')).status, run: (await describe_(ended)).status.name, audited: Number(await requested(erasureId)) }).toEqual({
      status: 202, record: 'running', run: 'RUNNING', audited: before + 1,
    });
  });

  it('the wait for a failed run to close cancels its long poll when the time is up', async () => {
    // A run left open (no worker), standing in for a failed run that has not closed yet.
    const workflowId = clientErasureWorkflowId(firm.id, randomUUID());
    const open = await temporal.client.workflow.start(CLIENT_ERASURE_WORKFLOW, { taskQueue, workflowId, args: [{ firmId: firm.id, clientId: randomUUID(), erasureId: randomUUID() }] });
    const service = api.temporal.client.workflowService as WorkflowService & Record<string, unknown>;
    const original = service.getWorkflowExecutionHistory;
    const pending = new Set<Promise<unknown>>();
    service.getWorkflowExecutionHistory = ((request: never) => {
      const p = Promise.resolve(original.call(service, request));
      pending.add(p);
      void p.then(
        () => pending.delete(p),
        () => pending.delete(p),
      );
      return p;
    }) as typeof original;
    try {
      const refused = await awaitEndedRun(api.temporal, workflowId, 'erasure', 300).then(
        () => 'returned',
        (error: { status?: number; code?: string }) => `${error.status} ${error.code}`,
      );
      expect(refused).toBe('409 erasure_ending');
      await until('the long poll of the run’s result to end', async () => pending.size === 0, 10_000, async () => `${pending.size} call(s) still open`);
    } finally {
      service.getWorkflowExecutionHistory = original;
      await open.terminate('test over');
    }
  });
});
