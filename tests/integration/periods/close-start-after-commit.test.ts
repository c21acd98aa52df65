/**
 * `POST /api/clients/:id/periods/:period/close` records the request (an audited write: the firm's
 * audit lock) in a transaction of its own and talks to Temporal only after that commit: a slow start
 * holds no lock, so another audited write of the firm goes through while it waits, and a slow look
 * at a pending request's workflow holds no lock on the period. A start that fails after the commit
 * answers 503 `unavailable` naming the recorded request, which stays pending; asking again starts
 * that request's workflow, never a second request. The real api, PostgreSQL, Temporal server and
 * worker; the api's Temporal client is held (or made to fail) at its start of a close workflow and
 * at its look at one.
 */
import type { RunningWorker } from '../../../ops/worker';
import { PERIOD_CLOSE_WORKFLOW, statusQuery } from '../../../workflows/period-close-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { nextPeriod, seedReconciledPeriod } from './helpers';
import { boundedTransaction } from '../../harness/lock-waits';
import { hookStarts, type StartHook } from '../../harness/start-hook';

jest.setTimeout(180_000);

describe('a close request whose workflow starts after its record commits', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const tokens: Record<string, string> = {};
  const taskQueue = uniqueTaskQueue('period-close-start');
  /** What the api's next start of a close workflow, or next look at one, does first: wait for a gate, or fail. */
  let startHook: StartHook;
  let beforeDescribe: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, { maxSessionsPerUser: 5 }, { taskQueue });
    firm = await createTestFirm(db);
    startHook = hookStarts(api, PERIOD_CLOSE_WORKFLOW);
    const workflows = api.temporal.client.workflow;
    const getHandle = workflows.getHandle.bind(workflows);
    workflows.getHandle = ((workflowId: string, ...rest: never[]) => {
      const handle = getHandle(workflowId, ...rest);
      const describe = handle.describe.bind(handle);
      handle.describe = async () => {
        const hook = beforeDescribe;
        beforeDescribe = null;
        await hook?.();
        return describe();
      };
      return handle;
    }) as typeof workflows.getHandle;
    for (const role of ['manager', 'staff'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const clientId = () => firm.clients[0]!.id;
  const ask = (period: string) => call(api, 'POST', `/api/clients/${clientId()}/periods/${period}/close`, { token: tokens.staff, body: { note: 'ready' } });
  /** In another transaction, bounded so a held lock fails the test instead of stalling it. */
  const bounded = (work: (trx: TestDatabase['owner']) => Promise<unknown>) => boundedTransaction(db.owner, (trx) => work(trx as unknown as TestDatabase['owner']));
  const running = async (workflowId: string) => {
    const handle = temporal.client.workflow.getHandle(workflowId);
    await eventually(`workflow ${workflowId} to answer its query`, async () => (await handle.query(statusQuery).catch(() => null))?.state === 'pending', 60_000);
  };

  it('while the start waits, the request is committed and the firm’s audit lock is free', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let waiting = false;
    startHook.beforeNext = async () => {
      waiting = true;
      await gate;
    };
    const before = startHook.count;
    const asked = ask(period);
    let seen: unknown;
    let audited: unknown;
    try {
      await eventually('the api to reach the start of the close workflow', () => waiting && startHook.count === before + 1);
      // Committed before the start: visible to another connection, pending.
      seen = await db.owner('close_requests').where({ client_id: clientId(), period }).select('status');
      // Another audited write of the firm.
      audited = await bounded((trx) => trx('clients').where({ id: firm.clients[1]!.id }).update({ updated_at: trx.fn.now() }));
    } finally {
      open();
    }
    const res = await asked;
    expect({ seen, audited, status: res.status }).toEqual({ seen: [{ status: 'pending' }], audited: { ok: true }, status: 202 });
    await running(res.body.workflowId as string);
  });

  it('a start that fails after the commit answers 503 naming the pending request; asking again starts it, never a second', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    startHook.beforeNext = async () => {
      throw new Error('Temporal is unreachable');
    };
    const failed = await ask(period);
    expect([failed.status, failed.body.error?.code]).toEqual([503, 'unavailable']);
    const closeRequestId = failed.body.error.details.closeRequestId as string;
    expect(await db.owner('close_requests').where({ client_id: clientId(), period }).select('id', 'status')).toEqual([{ id: closeRequestId, status: 'pending' }]);

    const again = await ask(period);
    expect([again.status, again.body.closeRequestId]).toEqual([202, closeRequestId]);
    await running(again.body.workflowId as string);
    // One request, whose workflow the second ask started; the same ask once more finds it running.
    const repeat = await ask(period);
    expect(repeat.body).toEqual(again.body);
    expect(await db.owner('close_requests').where({ client_id: clientId(), period }).pluck('id')).toEqual([closeRequestId]);
    const withdrawn = await call(api, 'POST', `/api/close-requests/${closeRequestId}/withdraw`, { token: tokens.staff, body: {} });
    expect([withdrawn.status, withdrawn.body.status]).toEqual([200, 'withdrawn']);
  });

  it('while the api looks at a pending request’s workflow, the period is not held', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const first = await ask(period);
    expect(first.status).toBe(202);
    await running(first.body.workflowId as string);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let waiting = false;
    beforeDescribe = async () => {
      waiting = true;
      await gate;
    };
    const asked = ask(period);
    let locked: unknown;
    try {
      await eventually('the api to look at the pending request’s workflow', () => waiting);
      // What a decision's step takes first: the period row.
      locked = await bounded((trx) => trx.raw('select id from periods where client_id = ? and period = ? for no key update', [clientId(), period]));
    } finally {
      open();
    }
    const res = await asked;
    expect({ locked, status: res.status, body: res.body }).toEqual({ locked: { ok: true }, status: 202, body: first.body });
  });
});
