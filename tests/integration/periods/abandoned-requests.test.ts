/**
 * A close request whose workflow is no longer running (terminated by ops with the Temporal client
 * here, or a restore that brought back a pending row whose workflow had already completed): the
 * database and the workflow agree again. A decision answers 409 close_request_abandoned and marks
 * the request `abandoned` (audited, with its reason, the period back to open); a new close request
 * abandons it and starts a fresh one; the rules of who may act still apply. The real api,
 * PostgreSQL, Temporal server and worker.
 */
import { statusQuery } from '../../../workflows/period-close-definitions';
import { call, type TestApi } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import type { TestFirm } from '../../harness/factories';
import { startPeriodStack, type PeriodStack } from '../../harness/period-stack';
import type { TestTemporal } from '../../harness/temporal';
import { nextPeriod, seedReconciledPeriod } from './helpers';

// Waits on the workflow get a minute each on a busy machine; the tests' own deadline leaves room for them.
jest.setTimeout(180_000);

describe('a close request whose workflow ended', () => {
  let stack: PeriodStack;
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let firm: TestFirm;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startPeriodStack('period-abandoned', ['firm_admin', 'manager', 'staff']);
    ({ db, api, temporal, firm } = stack);
    Object.assign(tokens, stack.tokens);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const clientId = () => firm.clients[0]!.id;

  /** A pending request whose workflow has started, then terminated by ops. */
  async function terminatedRequest(role = 'staff'): Promise<{ period: string; closeRequestId: string; workflowId: string }> {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const res = await call(api, 'POST', `/api/clients/${clientId()}/periods/${period}/close`, { token: tokens[role], body: { note: 'ready' } });
    expect(res.status).toBe(202);
    const { closeRequestId, workflowId } = res.body;
    const handle = temporal.client.workflow.getHandle(workflowId);
    await eventually('the workflow to answer its query', async () => (await handle.query(statusQuery).catch(() => null))?.state === 'pending', 60_000);
    await handle.terminate('stuck: terminated by ops');
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    return { period, closeRequestId, workflowId };
  }

  it('answers a decision with 409 close_request_abandoned, marks the request abandoned with its reason and reopens the period, audited', async () => {
    const { period, closeRequestId } = await terminatedRequest();

    const approve = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: { note: 'fine' } });
    expect({ status: approve.status, code: approve.body.error?.code }).toEqual({ status: 409, code: 'close_request_abandoned' });
    expect(approve.body.error.details.reason).toContain('terminated');

    const request = await call(api, 'GET', `/api/close-requests/${closeRequestId}`, { token: tokens.manager });
    expect(request.body).toMatchObject({ status: 'abandoned', canDecide: false, canWithdraw: false, decision: { by: { email: 'system:period-close', role: 'system' }, note: approve.body.error.details.reason } });
    const detail = await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.staff });
    expect(detail.body).toMatchObject({ state: 'open', closeRequestId: null, closeRequests: [{ id: closeRequestId, status: 'abandoned' }] });

    // One audited change, by the person whose step found it, with the period's move back to open.
    const events = await db.owner('audit_events').where({ firm_id: firm.id, action: 'period.close_abandoned' }).orderBy('seq');
    const mine = events.filter((e) => e.entity_id === closeRequestId || e.after?.close_request_id === closeRequestId);
    expect(mine.map((e) => ({ type: e.entity_type, actor: e.actor_id }))).toEqual([
      { type: 'close_request', actor: firm.users.manager.id },
      { type: 'period', actor: firm.users.manager.id },
    ]);
    expect(mine[1].before.state).toBe('close_requested');
    expect(mine[1].after.state).toBe('open');
    const [refusal] = await db.owner('audit_events').where({ request_id: approve.headers.get('x-request-id'), action: 'period.approve_refused_abandoned' });
    expect(refusal).toMatchObject({ entity_id: closeRequestId, actor_id: firm.users.manager.id });

    // It no longer waits for anyone, and every later decision gets the same answer.
    const approvals = await call(api, 'GET', '/api/approvals', { token: tokens.manager });
    expect(approvals.body.items.map((i: { id: string }) => i.id)).not.toContain(closeRequestId);
    const again = await call(api, 'POST', `/api/close-requests/${closeRequestId}/withdraw`, { token: tokens.staff, body: {} });
    expect({ status: again.status, code: again.body.error?.code }).toEqual({ status: 409, code: 'close_request_abandoned' });

    // The period can be closed again, on a new request with a running workflow.
    const fresh = await call(api, 'POST', `/api/clients/${clientId()}/periods/${period}/close`, { token: tokens.staff, body: {} });
    expect(fresh.status).toBe(202);
    expect(fresh.body.closeRequestId).not.toBe(closeRequestId);
    const approved = await call(api, 'POST', `/api/close-requests/${fresh.body.closeRequestId}/approve`, { token: tokens.manager, body: {} });
    expect({ status: approved.status, state: approved.body.status }).toEqual({ status: 200, state: 'approved' });
  });

  it('a new close request abandons the orphan and starts a fresh request, in one transaction', async () => {
    const { period, closeRequestId, workflowId } = await terminatedRequest();

    const fresh = await call(api, 'POST', `/api/clients/${clientId()}/periods/${period}/close`, { token: tokens.manager, body: { note: 'again' } });
    expect(fresh.status).toBe(202);
    expect(fresh.body.closeRequestId).not.toBe(closeRequestId);
    expect(fresh.body.workflowId).not.toBe(workflowId);
    expect((await temporal.client.workflow.getHandle(fresh.body.workflowId).describe()).status.name).toBe('RUNNING');

    const detail = await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.staff });
    expect(detail.body).toMatchObject({ state: 'close_requested', closeRequestId: fresh.body.closeRequestId });
    expect(detail.body.closeRequests.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([
      [closeRequestId, 'abandoned'],
      [fresh.body.closeRequestId, 'pending'],
    ]);
    // The same request again is the fresh one (its workflow runs): no third request.
    const repeat = await call(api, 'POST', `/api/clients/${clientId()}/periods/${period}/close`, { token: tokens.staff, body: {} });
    expect(repeat.body).toEqual(fresh.body);
    const actions = (await db.owner('audit_events').where({ entity_id: closeRequestId }).orderBy('seq')).map((e) => e.action);
    expect(actions).toEqual(['period.close_requested', 'period.close_abandoned']);
    expect((await call(api, 'POST', `/api/close-requests/${fresh.body.closeRequestId}/withdraw`, { token: tokens.manager, body: {} })).status).toBe(200);
  });

  it('keeps the rules: staff may not withdraw (and so abandon) a request of someone else; the requester may not decide it', async () => {
    const { closeRequestId } = await terminatedRequest('manager');
    const byStaff = await call(api, 'POST', `/api/close-requests/${closeRequestId}/withdraw`, { token: tokens.staff, body: {} });
    expect({ status: byStaff.status, code: byStaff.body.error?.code }).toEqual({ status: 403, code: 'forbidden' });
    const bySelf = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: { note: 'me' } });
    expect({ status: bySelf.status, code: bySelf.body.error?.code }).toEqual({ status: 403, code: 'self_approval_forbidden' });
    expect((await db.owner('close_requests').where({ id: closeRequestId }).first()).status).toBe('pending');
    // The requester may withdraw their own: that finds the workflow gone.
    const own = await call(api, 'POST', `/api/close-requests/${closeRequestId}/withdraw`, { token: tokens.manager, body: {} });
    expect({ status: own.status, code: own.body.error?.code }).toEqual({ status: 409, code: 'close_request_abandoned' });
    expect((await db.owner('close_requests').where({ id: closeRequestId }).first()).status).toBe('abandoned');
  });

  it('after a restore brought back a pending row whose workflow had completed, the request ends as abandoned', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const { closeRequestId, workflowId } = (await call(api, 'POST', `/api/clients/${clientId()}/periods/${period}/close`, { token: tokens.staff, body: {} })).body;
    expect((await call(api, 'POST', `/api/close-requests/${closeRequestId}/withdraw`, { token: tokens.staff, body: {} })).status).toBe(200);
    expect(await temporal.client.workflow.getHandle(workflowId).result()).toEqual({ closeRequestId, outcome: 'withdrawn' });
    // What a restore of a backup taken while it was pending brings back (rows as the owner, triggers off).
    await db.owner.transaction(async (trx) => {
      await trx.raw('SET LOCAL session_replication_role = replica');
      await trx('close_requests').where({ id: closeRequestId }).update({ status: 'pending', decided_by: null, decided_by_email: null, decided_by_role: null, decided_at: null, decision_note: null });
      await trx('periods').where({ client_id: clientId(), period }).update({ state: 'close_requested', close_request_id: closeRequestId });
    });

    const reject = await call(api, 'POST', `/api/close-requests/${closeRequestId}/reject`, { token: tokens.manager, body: { reason: 'no' } });
    expect({ status: reject.status, code: reject.body.error?.code }).toEqual({ status: 409, code: 'close_request_abandoned' });
    expect(reject.body.error.details.reason).toContain('completed');
    expect((await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.staff })).body).toMatchObject({ state: 'open', closeRequests: [{ id: closeRequestId, status: 'abandoned' }] });
  });
});
