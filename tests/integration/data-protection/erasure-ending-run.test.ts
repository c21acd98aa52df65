/**
 * A retried erasure that meets its failed run still open (the run commits `failed`, then closes):
 * the real api, PostgreSQL and Temporal server. The api's task queue has no worker, so a run started
 * on it stays open exactly as long as the test wants: it stands in for the failed run between its
 * last write and its close. The retry must not take that run for "the same erasure" (the record
 * would stay `running` with nothing running once it closes): 409 `erasure_ending`, the record stays
 * failed; once the run has closed, the same request starts a new run.
 */
import { randomUUID } from 'node:crypto';
import { CLIENT_ERASURE_WORKFLOW, clientErasureWorkflowId } from '../../../workflows/client-erasure-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';

jest.setTimeout(120_000);

describe('retrying an erasure whose failed run has not closed yet (no worker: runs stay open)', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let firm: TestFirm;
  let other: TestFirm;
  let token: string;
  const taskQueue = uniqueTaskQueue('erasure-ending');
  const opened: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    api = await startTestApi(db, {}, { taskQueue, dataProtection: { exportDir: '/nonexistent', certificatePublicKey: null, cancelGraceSeconds: 5 } });
    firm = await createTestFirm(db, 'Ending Firm');
    other = await createTestFirm(db, 'Other Ending Firm');
    token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
  });
  afterAll(async () => {
    for (const id of opened) await temporal.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await api?.close();
    await temporal?.close();
    await db?.drop();
  });

  const openRun = async (firmId: string, clientId: string, erasureId: string) => {
    const workflowId = clientErasureWorkflowId(firmId, clientId);
    const handle = await temporal.client.workflow.start(CLIENT_ERASURE_WORKFLOW, { taskQueue, workflowId, args: [{ firmId, clientId, erasureId }] });
    opened.push(workflowId);
    return handle;
  };
  const status = async (id: string) => ((await db.owner('client_erasures').where({ id }).first('status')) as { status: string }).status;
  const requests = async () => db.owner('audit_events').where({ firm_id: firm.id, action: 'client.erasure_requested' });

  it('answers 409 erasure_ending while the failed run is open (record stays failed), and starts a new run once it has closed', async () => {
    const client = firm.clients[0]!;
    const [row] = (await db.owner('client_erasures')
      .insert({ firm_id: firm.id, client_id: client.id, workflow_id: clientErasureWorkflowId(firm.id, client.id), reason: 'engagement ended', status: 'failed', failure_reason: 'injected' })
      .returning('id')) as Array<{ id: string }>;
    const old = await openRun(firm.id, client.id, row!.id);
    const erase = () => call(api, 'POST', `/api/clients/${client.id}/erasure`, { token, body: { reason: 'engagement ended', confirmName: client.name } });

    const refused = await erase();
    expect({ status: refused.status, code: refused.body?.error?.code }).toEqual({ status: 409, code: 'erasure_ending' });
    expect(await status(row!.id)).toBe('failed');

    await old.terminate('the failed run closes');
    const retried = await erase();
    expect(retried.status).toBe(202);
    expect(await status(row!.id)).toBe('running');
    const now = await temporal.client.workflow.getHandle(clientErasureWorkflowId(firm.id, client.id)).describe();
    expect(now.status.name).toBe('RUNNING');
    expect(now.runId).not.toBe(old.firstExecutionRunId);
  });

  it('resumes a committed erasure left running with no run: starts it (no restart: its run never started, so no second audit); another firm cannot resume it', async () => {
    const goneClient = randomUUID();
    await db.owner('client_erasures').insert({ firm_id: firm.id, client_id: goneClient, workflow_id: clientErasureWorkflowId(firm.id, goneClient), reason: 'engagement ended', status: 'running', data_deleted_at: new Date() });
    opened.push(clientErasureWorkflowId(firm.id, goneClient));
    const before = (await requests()).length;

    // Another firm's admin names the gone client: nothing of this firm's is found or started.
    const otherToken = await login(api, other.users.firm_admin.email, other.users.firm_admin.password);
    expect((await call(api, 'POST', '/api/auth/reauth', { token: otherToken, body: { password: other.users.firm_admin.password } })).status).toBe(204);
    expect((await call(api, 'POST', `/api/clients/${goneClient}/erasure`, { token: otherToken, body: { reason: 'x', confirmName: 'x' } })).status).toBe(404);

    const resumed = await call(api, 'POST', `/api/clients/${goneClient}/erasure`, { token, body: { reason: 'engagement ended', confirmName: '' } });
    expect(resumed.status).toBe(202);
    expect((await temporal.client.workflow.getHandle(clientErasureWorkflowId(firm.id, goneClient)).describe()).status.name).toBe('RUNNING');
    // The record's decision was never started (no run at all): starting it is no new request.
    expect((await requests()).length).toBe(before);

    // Asked again while that run is open: the same erasure, nothing audited.
    expect((await call(api, 'POST', `/api/clients/${goneClient}/erasure`, { token, body: { reason: 'engagement ended', confirmName: '' } })).status).toBe(202);
    expect((await requests()).length).toBe(before);
  });
});
