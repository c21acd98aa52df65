/**
 * A firm deletion that meets a client erasure whose run has not closed: the real PostgreSQL, Temporal
 * server and worker, the operator's deletion (`ops:delete-firm`'s start). The open run stands on a
 * task queue no worker polls, so it stays open exactly as long as the test wants, and the test ends
 * it as a real run ends (its record says how, then the run closes). The deletion must wait for it or
 * resume it, and never delete the firm's rows under it:
 * - a failed erasure still ending (its record says `failed`, its run not yet closed): the deletion's
 *   first step waits (its retries) for the run to close, then resumes the erasure in a new run;
 * - an erasure still running (a firm admin's, begun just before the deletion) whose deletion has
 *   committed, so its client is gone, but which has yet to certify: the deletion waits for it before
 *   deleting the firm's rows; when it then ends failed, the deletion fails with nothing of the firm
 *   deleted, and resuming the deletion resumes the erasure (certified, not deleted again) and finishes.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataProtectionDeps } from '../../../activities/data-protection-deps';
import type { TemporalHandle } from '../../../api/temporal-client';
import { startOperatorFirmDeletion } from '../../../ops/firm-deletion-request';
import type { RunningWorker } from '../../../ops/worker';
import { CLIENT_ERASURE_WORKFLOW, clientErasureWorkflowId } from '../../../workflows/client-erasure-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, testMailDeps, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { dataProtectionDepsIn, until } from './helpers';

jest.setTimeout(240_000);

type Pending = { type: string | null | undefined; attempt: number | null | undefined; failure: string | null | undefined };

describe('a firm deletion meeting a client erasure whose run is still open', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let deps: DataProtectionDeps;
  const taskQueue = uniqueTaskQueue('firm-deletion-open-erasure');
  /** No worker polls it: a run started here stays open until the test ends it. */
  const idleQueue = uniqueTaskQueue('firm-deletion-open-erasure-idle');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-firm-deletion-open-erasure-'));
  const opened: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    ({ deps } = await dataProtectionDepsIn(root, db.url));
    worker = await startTestWorker({ knex: db.app, taskQueue, dataProtection: deps, mail: testMailDeps() });
  });
  afterAll(async () => {
    for (const id of opened) await temporal.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const deleteFirm = (firm: TestFirm) =>
    startOperatorFirmDeletion(db.app, { client: temporal.client, taskQueue } as unknown as TemporalHandle, { firmId: firm.id, reason: 'account closed', operator: 'test', cancelGraceSeconds: 2 });

  /** The client's erasure record and its run, open on the idle queue. */
  async function openErasure(firm: TestFirm, clientId: string, status: 'failed' | 'running', options: { dataDeletedAt?: Date } = {}) {
    const workflowId = clientErasureWorkflowId(firm.id, clientId);
    const [row] = (await db.owner('client_erasures')
      .insert({ firm_id: firm.id, client_id: clientId, workflow_id: workflowId, reason: 'engagement ended', status, failure_reason: status === 'failed' ? 'injected' : null, data_deleted_at: options.dataDeletedAt ?? null })
      .returning('id')) as Array<{ id: string }>;
    const run = await temporal.client.workflow.start(CLIENT_ERASURE_WORKFLOW, { taskQueue: idleQueue, workflowId, args: [{ firmId: firm.id, clientId, erasureId: row!.id }] });
    opened.push(workflowId);
    return { erasureId: row!.id, run };
  }

  async function pending(workflowId: string): Promise<{ open: boolean; activities: Pending[] }> {
    const description = await temporal.client.workflow.getHandle(workflowId).describe();
    return {
      open: description.status.name === 'RUNNING',
      activities: (description.raw.pendingActivities ?? []).map((a) => ({ type: a.activityType?.name, attempt: a.attempt, failure: a.lastFailure?.message })),
    };
  }

  /** What of the firm is still there: its clients and users, its tombstone, its deletion's state. */
  async function firmState(firm: TestFirm, deletionId: string) {
    const clients = ((await db.owner('clients').where({ firm_id: firm.id }).orderBy('id').select('id')) as Array<{ id: string }>).map((c) => c.id);
    const users = Number(((await db.owner('users').where({ firm_id: firm.id }).count({ n: '*' })) as Array<{ n: string }>)[0]!.n);
    const tombstoned = Boolean(((await db.owner('firms').where({ id: firm.id }).first('deleted_at')) as { deleted_at: Date | null }).deleted_at);
    const deletion = (await db.owner('firm_deletions').where({ id: deletionId }).first('status', 'data_deleted_at', 'failure_reason')) as { status: string; data_deleted_at: Date | null; failure_reason: string | null };
    return { clients, users, tombstoned, dataDeleted: deletion.data_deleted_at !== null, status: deletion.status, failure: deletion.failure_reason };
  }

  const erasures = (firm: TestFirm) =>
    db.owner('client_erasures').where({ firm_id: firm.id }).orderBy('client_id').select('id', 'client_id', 'status', 'certificate_jws') as Promise<Array<{ id: string; client_id: string; status: string; certificate_jws: string | null }>>;

  it('waits for a failed erasure still ending to close, then resumes it in a new run and deletes the firm', async () => {
    const firm = await createTestFirm(db, 'Ending Erasure Firm');
    const client = firm.clients[0]!;
    const ending = await openErasure(firm, client.id, 'failed');

    const started = await deleteFirm(firm);
    expect(started.outcome).toBe('started');
    // The first step met the open run and waits for it through its retries.
    const waiting = await until(
      'the deletion to wait for the ending erasure',
      async () => {
        const now = await pending(started.workflowId);
        return !now.open || now.activities.some((a) => a.type === 'firmDeletionBegin' && (a.attempt ?? 0) >= 2 && /still ending/.test(a.failure ?? '')) ? now : null;
      },
      120_000,
    );
    expect(waiting.open).toBe(true);
    // Nothing moved while it waits: the erasure still says failed, every client is there.
    expect((await erasures(firm)).map((e) => ({ id: e.id, status: e.status }))).toEqual([{ id: ending.erasureId, status: 'failed' }]);
    expect(await firmState(firm, started.deletionId)).toMatchObject({ clients: firm.clients.map((c) => c.id).sort(), tombstoned: false, dataDeleted: false });

    // The failed run closes.
    await ending.run.terminate('the failed run closes');
    expect(await temporal.client.workflow.getHandle(started.workflowId).result()).toMatchObject({ step: 'completed', clients: { total: 2, erased: 2 } });

    // The same erasure, resumed in a new run of its own id, completed and certified.
    const done = await erasures(firm);
    expect(done.map((e) => e.status)).toEqual(['completed', 'completed']);
    expect(done.find((e) => e.client_id === client.id)).toMatchObject({ id: ending.erasureId, certificate_jws: expect.any(String) });
    const erasureRun = await temporal.client.workflow.getHandle(clientErasureWorkflowId(firm.id, client.id)).describe();
    expect({ status: erasureRun.status.name, newRun: erasureRun.runId !== ending.run.firstExecutionRunId }).toEqual({ status: 'COMPLETED', newRun: true });
    expect(await firmState(firm, started.deletionId)).toMatchObject({ clients: [], tombstoned: true, dataDeleted: true, status: 'completed' });
  });

  it("waits for an erasure still certifying before deleting the firm's rows; when it ends failed, fails with nothing of the firm deleted, and the resume finishes it", async () => {
    const firm = await createTestFirm(db, 'Certifying Erasure Firm');
    // A client whose deletion committed (its rows are gone) while its erasure's run, still open, has
    // yet to delete the files and certify: a firm admin's erasure begun just before the deletion.
    const gone = randomUUID();
    const certifying = await openErasure(firm, gone, 'running', { dataDeletedAt: new Date() });

    const started = await deleteFirm(firm);
    expect(started.outcome).toBe('started');
    // The two clients are erased; the open erasure is "already started", and the step that deletes the firm's rows waits for it.
    const waiting = await until(
      "the deletion to reach the firm's rows",
      async () => {
        const now = await pending(started.workflowId);
        return !now.open || now.activities.some((a) => a.type === 'firmDeletionDeleteData') ? now : null;
      },
      120_000,
    );
    expect(waiting.open).toBe(true);
    // The firm's own users are still there (a client's portal user went with its client's erasure).
    const firmUsers = Object.values(firm.users).filter((u) => u.clientId === null).length;
    expect(await firmState(firm, started.deletionId)).toMatchObject({ clients: [], users: firmUsers, tombstoned: false, dataDeleted: false, status: 'running' });

    // The erasure ends as a failing run does: its record says failed, then its run closes.
    await db.owner('client_erasures').where({ id: certifying.erasureId }).update({ status: 'failed', failure_reason: 'injected' });
    await certifying.run.terminate('the failing run closes');
    await expect(temporal.client.workflow.getHandle(started.workflowId).result()).rejects.toThrow();
    const failed = await firmState(firm, started.deletionId);
    expect({ ...failed, failure: /did not complete.*nothing of the firm was deleted/.test(failed.failure ?? '') ? 'names the erasure' : failed.failure }).toEqual({
      clients: [],
      users: firmUsers,
      tombstoned: false,
      dataDeleted: false,
      status: 'failed',
      failure: 'names the erasure',
    });

    // The operator resumes the deletion: the erasure is resumed in a new run (certified, not deleted again), then the firm goes.
    const resumed = await deleteFirm(firm);
    expect(resumed).toMatchObject({ deletionId: started.deletionId, outcome: 'resumed' });
    // Only that erasure is left: the two clients' erasures completed in the first run.
    expect(await temporal.client.workflow.getHandle(resumed.workflowId).result()).toMatchObject({ step: 'completed', clients: { total: 1, erased: 1 } });
    const done = await erasures(firm);
    expect(done.map((e) => e.status)).toEqual(['completed', 'completed', 'completed']);
    expect(done.find((e) => e.client_id === gone)).toMatchObject({ id: certifying.erasureId, certificate_jws: expect.any(String) });
    expect(await firmState(firm, started.deletionId)).toMatchObject({ clients: [], users: 0, tombstoned: true, dataDeleted: true, status: 'completed' });
  });
});
