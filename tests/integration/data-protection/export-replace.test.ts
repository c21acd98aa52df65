/**
 * An export in flight that can no longer become ready: asking again replaces it (recorded `failed`
 * with why, its files removed) with a new export that is built; and a build whose export row is gone
 * fails at once, not retried. The real api, PostgreSQL, Temporal server and worker.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CLIENT_EXPORT_WORKFLOW, clientExportWorkflowId } from '../../../workflows/client-export-definitions';
import { call, loginReauthenticated, type TestApi } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import type { TestFirm } from '../../harness/factories';
import { uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { startDataProtectionStack, type DataProtectionStack } from '../../harness/data-protection-stack';
import { until } from './helpers';

jest.setTimeout(240_000);

describe('an export in flight that can no longer become ready', () => {
  let stack: DataProtectionStack;
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let temporal: TestTemporal;
  let taskQueue: string;
  let token: string;
  let exportDir: string;
  /** A queue no worker polls: a run started on it stays open until the test ends it. */
  const idleQueue = uniqueTaskQueue('export-replace-idle');

  beforeAll(async () => {
    stack = await startDataProtectionStack('export-replace');
    ({ db, api, firm, temporal, taskQueue } = stack);
    exportDir = stack.deps.exportDir;
    fs.mkdirSync(exportDir, { recursive: true });
    token = await loginReauthenticated(api, firm.users.firm_admin);
  });
  afterAll(async () => {
    await stack?.close();
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
