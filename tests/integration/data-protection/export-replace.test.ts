/**
 * An export in flight that can no longer become ready: asking again replaces it (recorded `failed`
 * with why, its files removed) with a new export that is built; and a build whose export row is gone
 * fails at once, not retried. The real api, PostgreSQL, Temporal server and worker.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningWorker } from '../../../ops/worker';
import { CLIENT_EXPORT_WORKFLOW, clientExportWorkflowId } from '../../../workflows/client-export-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { dataProtectionDepsIn, until } from './helpers';

jest.setTimeout(240_000);

describe('an export in flight that can no longer become ready', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let token: string;
  let exportDir: string;
  const taskQueue = uniqueTaskQueue('export-replace');
  /** A queue no worker polls: a run started on it stays open until the test ends it. */
  const idleQueue = uniqueTaskQueue('export-replace-idle');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-export-replace-'));

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    const { deps, publicJwk } = await dataProtectionDepsIn(root, db.url);
    exportDir = deps.exportDir;
    fs.mkdirSync(exportDir, { recursive: true });
    worker = await startTestWorker({ knex: db.app, taskQueue, dataProtection: deps });
    api = await startTestApi(db, {}, { taskQueue, dataProtection: { exportDir: deps.exportDir, certificatePublicKey: publicJwk } });
    firm = await createTestFirm(db);
    token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const ready = (exportId: string) =>
    until(`export ${exportId} to be ready`, async () => (await call(api, 'GET', `/api/exports/${exportId}`, { token })).body.status === 'ready', 180_000, async () =>
      JSON.stringify(await db.owner('client_exports').where({ id: exportId }).first('status', 'failure_reason')),
    );
  const seedExport = async (clientId: string, status: 'queued' | 'running', expiresAt: Date) => {
    const id = randomUUID();
    const workflowId = clientExportWorkflowId(firm.id, clientId, id);
    await db.owner('client_exports').insert({ id, firm_id: firm.id, client_id: clientId, workflow_id: workflowId, status, requested_by: firm.users.firm_admin.id, expires_at: expiresAt });
    return { id, workflowId };
  };
  const row = async (id: string) => db.owner('client_exports').where({ id }).first('status', 'failure_reason');

  it('a running export whose workflow was terminated is recorded failed and replaced by a new export, which is built', async () => {
    const client = firm.clients[0]!;
    const dead = await seedExport(client.id, 'running', new Date(Date.now() + 86_400_000));
    // Its run: started where no worker builds it, then terminated (what an operator or a lost run leaves).
    const handle = await temporal.client.workflow.start(CLIENT_EXPORT_WORKFLOW, {
      taskQueue: idleQueue, workflowId: dead.workflowId, args: [{ firmId: firm.id, clientId: client.id, exportId: dead.id, expiresAt: new Date(Date.now() + 86_400_000).toISOString() }],
    });
    await handle.terminate('lost');
    // What the dead run left: a partial ZIP no workflow will delete now.
    const partial = path.join(exportDir, `${dead.id}.zip.partial`);
    fs.writeFileSync(partial, 'half a zip');

    const res = await call(api, 'POST', `/api/clients/${client.id}/exports`, { token });
    expect(res.status).toBe(202);
    expect(res.body.exportId).not.toBe(dead.id);
    expect(await row(dead.id)).toEqual({ status: 'failed', failure_reason: expect.stringMatching(/ended \(terminated\) before it was ready/) });
    expect(fs.existsSync(partial)).toBe(false);
    await ready(res.body.exportId as string);
  });

  it('a queued export past its expiry is recorded failed and replaced by a new export with a new expiry, which is built', async () => {
    const client = firm.clients[1]!;
    const stale = await seedExport(client.id, 'queued', new Date(Date.now() - 60_000));
    const res = await call(api, 'POST', `/api/clients/${client.id}/exports`, { token });
    expect(res.status).toBe(202);
    expect(res.body.exportId).not.toBe(stale.id);
    expect(await row(stale.id)).toEqual({ status: 'failed', failure_reason: expect.stringMatching(/expired before it was built/) });
    await ready(res.body.exportId as string);
    const built = await call(api, 'GET', `/api/exports/${res.body.exportId}`, { token });
    expect({ status: built.body.status, future: Date.parse(built.body.expiresAt as string) > Date.now() }).toEqual({ status: 'ready', future: true });
  });

  it('a build whose export row is gone (an erasure deleted it) fails at once, not retried', async () => {
    const exportId = randomUUID();
    const client = firm.clients[1]!;
    const handle = await temporal.client.workflow.start(CLIENT_EXPORT_WORKFLOW, {
      taskQueue, workflowId: clientExportWorkflowId(firm.id, client.id, exportId), args: [{ firmId: firm.id, clientId: client.id, exportId, expiresAt: new Date(Date.now() + 86_400_000).toISOString() }],
    });
    await expect(handle.result()).rejects.toThrow();
    const events = (await handle.fetchHistory()).events ?? [];
    const attempts = events.flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
    const failures = events.flatMap((e) => {
      const info = e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo;
      return info ? [{ type: info.type, nonRetryable: info.nonRetryable }] : [];
    });
    // The build (attempt 1, non-retryable); then the cleanup step, which succeeds.
    expect({ buildAttempt: attempts[0], failures }).toEqual({ buildAttempt: 1, failures: [{ type: 'ClientExportGone', nonRetryable: true }] });
  });
});
