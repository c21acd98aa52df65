/**
 * When an erasure's work is (re)started, and what is audited: the real api, PostgreSQL and Temporal
 * server. The api's task queue has no worker, so a run started on it stays open until the test ends
 * it (terminated: a run that closed without recording its outcome). The api's Temporal client is
 * held or made to fail at its start of an erasure workflow.
 * - A restart is audited (`client.erasure_requested`) with its decision, before the start, once:
 *   a start that fails after it, a retry, or two requests at once write no second event. Two
 *   requests at once are made to meet: both have asked Temporal before either decides (a second
 *   connection holds the client's erasure lock until both wait for it).
 * - A run Temporal forgot after it closed (deleted here, as the namespace's retention does) is a
 *   restart too, not a first start: audited once, by the request; a status read records it failed.
 *   A request that saw no run before another restarted the erasure and recorded the new run's start
 *   (its look at Temporal is held) does not take that start for one Temporal forgot.
 * - The first start of a new erasure after a 503 is no restart: one request, one event.
 * - A status read closes the gap of a `running` erasure with nothing running. One that finds its run
 *   ended takes the client's erasure lock before it writes the record, as a request does: a request
 *   holding that lock (a second connection stands in for it) writes the record while the read waits,
 *   and neither is aborted for a deadlock.
 * - The wait for a failed run to close cancels its long poll when the time is up.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowService } from '@temporalio/client';
import { awaitEndedRun } from '../../../api/data-protection/erasure-start';
import { CLIENT_ERASURE_WORKFLOW, clientErasureWorkflowId } from '../../../workflows/client-erasure-definitions';
import { call, login, startTestApi, type CallResult, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { lockClientErasure } from '../../../db/client-erasure';
import { lockErasureStart, RUN_TOKEN_MEMO } from '../../../api/data-protection/erasure-run';
import { backendPid, holdThenWrite, untilWaiting } from '../../harness/lock-waits';
import { hookStarts, type StartHook } from '../../harness/start-hook';
import { until } from './helpers';

// A forgotten-run test asks for the erasure, waits up to two minutes for Temporal to delete the run
// (forget, below), then asks again and reads: well inside this, so a slow delete fails as that wait.
jest.setTimeout(300_000);

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
    for (const name of ['Third Client', 'Fourth Client', 'Fifth Client', 'Sixth Client', 'Seventh Client', 'Eighth Client', 'Ninth Client']) {
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
  const restartEvents = async (erasureId: string) => Number((await db.owner('audit_events').where({ firm_id: firm.id, action: 'client.erasure_restarted', entity_id: erasureId }).count({ n: '*' }))[0]!.n);
  const describe_ = (client: { id: string }) => temporal.client.workflow.getHandle(clientErasureWorkflowId(firm.id, client.id)).describe();
  /** An erasure recorded `running` whose run (started before run tokens existed) was terminated: its work ended without recording it. */
  async function endedErasure(client: { id: string }) {
    const workflowId = clientErasureWorkflowId(firm.id, client.id);
    const [row] = (await db.owner('client_erasures').insert({ firm_id: firm.id, client_id: client.id, workflow_id: workflowId, reason: 'engagement ended', status: 'running' }).returning('id')) as Array<{ id: string }>;
    const handle = await temporal.client.workflow.start(CLIENT_ERASURE_WORKFLOW, { taskQueue, workflowId, args: [{ firmId: firm.id, clientId: client.id, erasureId: row!.id }] });
    await handle.terminate('worker lost');
    return { erasureId: row!.id, oldRunId: handle.firstExecutionRunId };
  }
  /** The erasure's run ends and Temporal forgets it, as its namespace's retention does to a closed run. */
  async function forget(client: { id: string }) {
    const workflowId = clientErasureWorkflowId(firm.id, client.id);
    const handle = temporal.client.workflow.getHandle(workflowId);
    const { runId } = await handle.describe();
    await handle.terminate('worker lost');
    await temporal.client.workflowService.deleteWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId, runId } });
    await until(
      'Temporal to forget the run',
      async () => handle.describe().then(() => false, (error: Error) => error.name === 'WorkflowNotFoundError'),
      // Temporal deletes a closed run through a task of its own: a minute or more on a busy machine.
      120_000,
      async () => (await handle.describe().catch((error: Error) => ({ status: { name: error.name } }))).status.name,
    );
  }
  /** An erasure asked for (its run started and recorded), whose run then ended and was forgotten; with its audit count then. */
  async function forgottenErasure(client: { id: string; name: string }) {
    const first = await erase(client);
    expect(first.status).toBe(202);
    const erasureId = first.body.erasureId as string;
    await forget(client);
    return { erasureId, before: Number(await requested(erasureId)) };
  }
  /**
   * Holds the api's next look at the workflow `workflowId` (its describe) after Temporal answered, until
   * released: the request then decides with what Temporal said before. `described` settles once the
   * answer is in.
   */
  function holdNextDescribe(workflowId: string): { described: Promise<void>; release(): void } {
    const workflows = api.temporal.client.workflow;
    const getHandle = workflows.getHandle;
    let release!: () => void;
    let described!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const answered = new Promise<void>((resolve) => (described = resolve));
    workflows.getHandle = ((id: string, ...rest: never[]) => {
      const handle = getHandle.call(workflows, id, ...rest);
      if (id !== workflowId) return handle;
      workflows.getHandle = getHandle;
      const describe = handle.describe.bind(handle);
      handle.describe = async () => {
        const answer = await describe().then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        described();
        await gate;
        if ('error' in answer) throw answer.error;
        return answer.value;
      };
      return handle;
    }) as typeof workflows.getHandle;
    return { described: answered, release };
  }
  /**
   * Two requests at once: the lock of the client's erasure's look-decide-start (erasure-run.ts,
   * lockErasureStart) is held on a second connection until both wait for it; then they take turns.
   */
  async function twoAtOnce(client: { id: string; name: string }) {
    const holder = await db.owner.transaction();
    let requests: Promise<[CallResult, CallResult]> | null = null;
    try {
      await lockErasureStart(holder, client.id);
      const holderPid = await backendPid(holder);
      requests = Promise.all([erase(client), erase(client)]);
      requests.catch(() => undefined);
      await untilWaiting(db.owner, 'both requests to wait for the erasure start lock', (w) => w.blockedBy.includes(holderPid) && w.waitEvent === 'advisory', { count: 2 });
    } finally {
      await holder.commit();
    }
    return requests!;
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

  it('two requests at once, both having seen the ended run, restart it once: one audit, one run', async () => {
    const client = firm.clients[2]!;
    const { erasureId } = await endedErasure(client);
    const before = Number(await requested(erasureId));
    const startsBefore = startHook.count;
    const [a, b] = await twoAtOnce(client);
    expect([a.status, b.status, a.body.erasureId, b.body.erasureId]).toEqual([202, 202, erasureId, erasureId]);
    expect({ audited: Number(await requested(erasureId)), run: (await describe_(client)).status.name }).toEqual({ audited: before + 1, run: 'RUNNING' });
    expect(startHook.count - startsBefore).toBeGreaterThanOrEqual(1);
  });

  it('a run Temporal forgot after it closed is restarted like any other: audited once, by the request', async () => {
    const client = firm.clients[5]!;
    const { erasureId, before } = await forgottenErasure(client);
    const again = await erase(client);
    expect({ status: again.status, erasureId: again.body.erasureId, run: (await describe_(client)).status.name, audited: Number(await requested(erasureId)), restarts: await restartEvents(erasureId) }).toEqual({
      status: 202, erasureId, run: 'RUNNING', audited: before + 1, restarts: 1,
    });
    const [restart] = await db.owner('audit_events').where({ firm_id: firm.id, action: 'client.erasure_restarted', entity_id: erasureId }).pluck('after');
    expect(restart).toMatchObject({ why: 'not_found_in_temporal', previousRun: { startRecorded: true } });
    // Its run is open now: asking again answers it and audits nothing.
    const third = await erase(client);
    expect({ status: third.status, audited: Number(await requested(erasureId)) }).toEqual({ status: 202, audited: before + 1 });
  });

  it('a request that arrives while another is between its look at the forgotten run and its start waits for it, and does not restart it again', async () => {
    const client = firm.clients[7]!;
    const { erasureId, before } = await forgottenErasure(client);
    // The first request asks Temporal (no run) and is held there; the second waits for the first's
    // look-decide-start to end (erasure-run.ts, lockErasureStart) before it looks itself.
    const held = holdNextDescribe(clientErasureWorkflowId(firm.id, client.id));
    const first = erase(client);
    first.catch(() => undefined);
    let second: Promise<CallResult> | null = null;
    try {
      await held.described;
      second = erase(client);
      second.catch(() => undefined);
      await untilWaiting(db.owner, 'the second request to wait for the erasure start lock', (w) => w.waitEvent === 'advisory' && /pg_advisory_xact_lock/.test(w.query));
      expect(Number(await requested(erasureId))).toBe(before);
    } finally {
      held.release();
    }
    const [a, b] = [await first, await second!];
    const record = await db.owner('client_erasures').where({ id: erasureId }).first('run_token', 'started_run_token');
    expect({ statuses: [a.status, b.status], audited: Number(await requested(erasureId)), restarts: await restartEvents(erasureId), startRecorded: record.started_run_token === record.run_token, run: (await describe_(client)).status.name }).toEqual({
      statuses: [202, 202], audited: before + 1, restarts: 1, startRecorded: true, run: 'RUNNING',
    });
  });

  it('a status read of an erasure whose run Temporal forgot records it failed and starts nothing; asking again restarts it, audited', async () => {
    const client = firm.clients[6]!;
    const { erasureId, before } = await forgottenErasure(client);
    const seen = await call(api, 'GET', `/api/erasures/${erasureId}`, { token });
    const started = await describe_(client).then(
      (d) => d.status.name,
      (error: Error) => error.name,
    );
    expect({ status: seen.body.status, failureReason: seen.body.failureReason, started, audited: Number(await requested(erasureId)) }).toEqual({
      status: 'failed', failureReason: expect.stringMatching(/Temporal no longer keeps its run/), started: 'WorkflowNotFoundError', audited: before,
    });
    const resumed = await erase(client);
    expect({ status: resumed.status, run: (await describe_(client)).status.name, audited: Number(await requested(erasureId)) }).toEqual({ status: 202, run: 'RUNNING', audited: before + 1 });
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

  it("a status read that finds the run of its token ended, not yet recorded as started, waits for a request holding the client's erasure lock without holding the record: no deadlock", async () => {
    const client = firm.clients[8]!;
    const workflowId = clientErasureWorkflowId(firm.id, client.id);
    const runToken = randomUUID();
    const [row] = (await db.owner('client_erasures')
      .insert({ firm_id: firm.id, client_id: client.id, workflow_id: workflowId, reason: 'engagement ended', status: 'running', run_token: runToken })
      .returning('id')) as Array<{ id: string }>;
    const erasureId = row!.id;
    // Its run carried the record's token and was terminated before anyone recorded its start.
    const handle = await temporal.client.workflow.start(CLIENT_ERASURE_WORKFLOW, { taskQueue, workflowId, memo: { [RUN_TOKEN_MEMO]: runToken }, args: [{ firmId: firm.id, clientId: client.id, erasureId }] });
    await handle.terminate('worker lost');
    const restartToken = randomUUID();
    const { written, waited } = await holdThenWrite(db.owner, {
      // A request that saw the ended run: it takes the client's erasure lock first (erasure-request.ts) ...
      hold: (request) => lockClientErasure(request, client.id),
      waiter: () => call(api, 'GET', `/api/erasures/${erasureId}`, { token }),
      waitsOn: { what: "the status read to wait for the client's erasure lock", query: /pg_advisory_xact_lock/ },
      // ... then records the run's start and its restart decision on the record.
      write: async (request) => {
        await request('client_erasures').where({ id: erasureId, run_token: runToken }).update({ started_run_token: runToken });
        await request('client_erasures').where({ id: erasureId, status: 'running' }).update({ run_token: restartToken, updated_at: request.fn.now() });
      },
    });
    const read = waited.ok ? { status: waited.value.status, erasure: waited.value.body.status ?? waited.value.body } : waited;
    // The read came after the restart committed: the record's token is the restart's, so the read found nothing of its own to mark failed.
    expect({ written: written.ok || written, read }).toEqual({ written: true, read: { status: 200, erasure: 'running' } });
    expect(await db.owner('client_erasures').where({ id: erasureId }).first('status', 'run_token', 'failure_reason')).toEqual({ status: 'running', run_token: restartToken, failure_reason: null });
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
