/**
 * Period close end to end: the real api, PostgreSQL, Temporal server and worker. Human steps go
 * through the api (and, where the rule is the workflow's own, straight to the workflow as an
 * update); the lock is checked through the api and through the application's database role.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { inTenantTransaction } from '../../../db/tenant';
import { addMonths, istDate, plusDays } from '../../../domain/calendar';
import { financialYearPeriod } from '../../../domain/periods';
import { approveUpdate, statusQuery, withdrawUpdate } from '../../../workflows/period-close-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import type { TestFirm } from '../../harness/factories';
import { startPeriodStack, type PeriodStack } from '../../harness/period-stack';
import { startTestWorker, type TestTemporal } from '../../harness/temporal';
import { eventually } from '../../harness/eventually';
import { insertValidatedImport, nextPeriod, seedReconciledPeriod, STORED_SUMMARY } from './helpers';

// Waits on the workflow get a minute each on a busy machine; the tests' own deadline leaves room for them.
jest.setTimeout(180_000);

describe('period close', () => {
  let stack: PeriodStack;
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let firm: TestFirm;
  const tokens: Record<string, string> = {};
  /** The api's date in India when a test pins it (the close window turns on it); the real date otherwise. */
  let pinnedToday: string | null = null;

  beforeAll(async () => {
    stack = await startPeriodStack('period-close', ['firm_admin', 'manager', 'reviewer', 'staff', 'client'], { today: () => pinnedToday ?? istDate(new Date()) });
    ({ db, api, temporal, firm } = stack);
    Object.assign(tokens, stack.tokens);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const clientId = () => firm.clients[0]!.id;

  async function requestClose(period: string, role = 'staff', note?: string) {
    return call(api, 'POST', `/api/clients/${clientId()}/periods/${period}/close`, { token: tokens[role], body: note ? { note } : {} });
  }

  async function workflowState(workflowId: string) {
    return temporal.client.workflow.getHandle(workflowId).query(statusQuery);
  }

  async function periodEvents(action: string) {
    return db.owner('audit_events').where({ firm_id: firm.id, action, entity_type: 'period' }).orderBy('seq');
  }

  it('closes a period: staff request, a manager approves, the period locks and every step is audited', async () => {
    const period = nextPeriod();
    const seeded = await seedReconciledPeriod(db, firm.id, clientId(), period);

    const requested = await requestClose(period, 'staff', 'all matched but one supplier');
    expect(requested.status).toBe(202);
    expect(Object.keys(requested.body).sort()).toEqual(['closeRequestId', 'workflowId']);
    const { closeRequestId, workflowId } = requested.body;
    expect(workflowId).toBe(`period-close:${firm.id}:${clientId()}:${period}:${closeRequestId}`);

    // Ops see what it waits for, and can find it by firm, client and period.
    const state = await eventually('the workflow query', async () => (await workflowState(workflowId).catch(() => null)) ?? null, 60_000);
    expect(state).toMatchObject({ state: 'pending', closeRequestId, period, requestedBy: { userId: firm.users.staff.id } });
    expect(state.waitingFor).toContain(firm.users.staff.email);
    const description = await temporal.client.workflow.getHandle(workflowId).describe();
    expect(description.searchAttributes).toMatchObject({ TaalmelFirmId: [firm.id], TaalmelClientId: [clientId()], TaalmelPeriod: [period] });

    const periods = await call(api, 'GET', `/api/clients/${clientId()}/periods`, { token: tokens.reviewer });
    expect(periods.body.items.find((p: { period: string }) => p.period === period)).toMatchObject({ state: 'close_requested', closeRequestId });

    const approvals = await call(api, 'GET', '/api/approvals', { token: tokens.manager });
    expect(approvals.status).toBe(200);
    const item = approvals.body.items.find((i: { id: string }) => i.id === closeRequestId);
    expect(item).toMatchObject({
      kind: 'period_close',
      clientName: firm.clients[0]!.name,
      period,
      status: 'pending',
      requestedBy: { id: firm.users.staff.id },
      evidence: { registerImport: { id: seeded.registerImportId }, gstr2bImport: { id: seeded.gstr2bImportId }, run: { id: seeded.runId, summary: { itcAtRisk: 1800.5, itcAvailable: 92000 } } },
    });
    // The evidence speaks rupees like the rest of the API (the stored summary keeps paise).
    expect(item.evidence.run.summary.itc.atRisk).toEqual({ igst: 0, cgst: 900.25, sgst: 900.25, cess: 0, total: 1800.5 });
    expect(item.evidence.run.summary.books.mismatch).toEqual({ count: 1, taxable: 10000, tax: 1800.5 });
    expect(item.evidence.hash).toMatch(/^[0-9a-f]{64}$/);

    const approved = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: { note: 'reviewed the one mismatch' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decision: { by: { id: firm.users.manager.id }, note: 'reviewed the one mismatch', selfApproved: false } });

    const detail = await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.client });
    expect(detail.status).toBe(200);
    // The client sees the close; who in the firm closed it is the firm's own view (frequency-and-portal.test.ts).
    expect(detail.body).toMatchObject({ state: 'closed', closeRequests: [{ id: closeRequestId, status: 'approved' }] });
    expect((await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.reviewer })).body).toMatchObject({ state: 'closed', closedBy: firm.users.manager.id });
    expect(await temporal.client.workflow.getHandle(workflowId).result()).toEqual({ closeRequestId, outcome: 'approved' });

    const [requestedEvent] = (await periodEvents('period.close_requested')).filter((e) => e.after.close_request_id === closeRequestId);
    expect(requestedEvent).toMatchObject({ actor_id: firm.users.staff.id, actor_role: 'staff', request_id: requested.headers.get('x-request-id') });
    expect(requestedEvent.before.state).toBe('open');
    expect(requestedEvent.after).toMatchObject({ state: 'close_requested', transition_note: 'all matched but one supplier', evidence_hash: item.evidence.hash });
    const [closedEvent] = (await periodEvents('period.closed')).filter((e) => e.after.close_request_id === closeRequestId);
    // Written by the activity, in the transaction that closed the period, naming the approver.
    expect(closedEvent).toMatchObject({ actor_id: firm.users.manager.id, actor_email: firm.users.manager.email, actor_role: 'manager', request_id: approved.headers.get('x-request-id') });
    expect(closedEvent.before.state).toBe('close_requested');
    expect(closedEvent.after).toMatchObject({ state: 'closed', transition_note: 'reviewed the one mismatch', evidence_hash: item.evidence.hash });
    const requestEvents = await db.owner('audit_events').where({ entity_id: closeRequestId }).orderBy('seq');
    expect(requestEvents.map((e) => e.action)).toEqual(['period.close_requested', 'period.closed']);
  });

  it('refuses the requester approving their own request (403 self_approval_forbidden), leaves the workflow waiting, and audits the attempt', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const { closeRequestId, workflowId } = (await requestClose(period, 'manager')).body;

    const refused = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: { note: 'looks fine to me' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('self_approval_forbidden');
    expect((await workflowState(workflowId)).state).toBe('pending');
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    const [audit] = await db.owner('audit_events').where({ request_id: refused.headers.get('x-request-id') });
    expect(audit).toMatchObject({ action: 'period.self_approval_refused', entity_type: 'close_request', entity_id: closeRequestId, actor_id: firm.users.manager.id });
    expect(audit.after).toMatchObject({ fromState: 'close_requested', toState: 'close_requested', refusal: 'self_approval_forbidden' });
    expect((await call(api, 'GET', `/api/close-requests/${closeRequestId}`, { token: tokens.manager })).body.status).toBe('pending');
    // The requester sees it waiting among the firm's approvals, marked as not theirs to decide; the firm admin may decide it.
    const mine = await call(api, 'GET', '/api/approvals', { token: tokens.manager });
    expect(mine.body.items.find((i: { id: string }) => i.id === closeRequestId)).toMatchObject({ kind: 'period_close', id: closeRequestId, requestedBy: { id: firm.users.manager.id }, canDecide: false });
    const admins = await call(api, 'GET', '/api/approvals', { token: tokens.firm_admin });
    expect(admins.body.items.find((i: { id: string }) => i.id === closeRequestId)).toMatchObject({ kind: 'period_close', id: closeRequestId, canDecide: true });

    const byAdmin = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.firm_admin, body: {} });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.status).toBe('approved');
  });

  it('lets a firm with allowSelfApproval self-approve, only with a note, recorded as self-approved', async () => {
    await db.owner('firms').where({ id: firm.id }).update({ settings: { allowSelfApproval: true } });
    try {
      const period = nextPeriod();
      await seedReconciledPeriod(db, firm.id, clientId(), period);
      const { closeRequestId } = (await requestClose(period, 'manager')).body;
      const noNote = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: {} });
      // A well-formed body (the note is optional) that the firm's self-approval rule refuses: 422.
      expect({ status: noNote.status, code: noNote.body.error?.code, fields: Object.keys(noNote.body.error?.details?.fields ?? {}) }).toEqual({ status: 422, code: 'note_required', fields: ['note'] });
      const ok = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: { note: 'sole practitioner this month' } });
      expect(ok.status).toBe(200);
      expect(ok.body.decision).toMatchObject({ selfApproved: true, note: 'sole practitioner this month' });
      const [event] = (await periodEvents('period.closed')).filter((e) => e.after.close_request_id === closeRequestId);
      expect(event.after).toMatchObject({ self_approved: true, transition_note: 'sole practitioner this month' });
    } finally {
      await db.owner('firms').where({ id: firm.id }).update({ settings: {} });
    }
  });

  it('lets neither staff nor reviewers approve: refused by the api and by the workflow itself', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const { closeRequestId, workflowId } = (await requestClose(period, 'manager')).body;
    for (const role of ['staff', 'reviewer', 'client']) {
      const res = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens[role], body: {} });
      expect({ role, status: res.status, code: res.body.error.code }).toEqual({ role, status: 403, code: 'forbidden' });
    }
    // A caller that reached Temporal directly is held to the same rule by the update validator.
    const handle = temporal.client.workflow.getHandle(workflowId);
    const staff = firm.users.staff;
    const direct = await handle.executeUpdate(approveUpdate, { args: [{ actor: { userId: staff.id, email: staff.email, role: 'staff' } }] }).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((direct as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('forbidden');
    // Staff may withdraw only their own request.
    const otherWithdraw = await handle.executeUpdate(withdrawUpdate, { args: [{ actor: { userId: staff.id, email: staff.email, role: 'staff' } }] }).catch((e: unknown) => e);
    expect(((otherWithdraw as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('forbidden');
    expect((await workflowState(workflowId)).state).toBe('pending');

    const withdrawn = await call(api, 'POST', `/api/close-requests/${closeRequestId}/withdraw`, { token: tokens.manager, body: {} });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status).toBe('withdrawn');
    expect((await periodEvents('period.close_withdrawn')).map((e) => ({ closeRequestId: e.after.close_request_id, state: e.after.state }))).toContainEqual({ closeRequestId, state: 'open' });
  });

  it('needs a reason to reject; a rejection returns the period to open', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const { closeRequestId, workflowId } = (await requestClose(period)).body;
    const noReason = await call(api, 'POST', `/api/close-requests/${closeRequestId}/reject`, { token: tokens.manager, body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details.fields).toHaveProperty('reason');
    const blank = await call(api, 'POST', `/api/close-requests/${closeRequestId}/reject`, { token: tokens.manager, body: { reason: '   ' } });
    expect(blank.status).toBe(400);
    expect((await workflowState(workflowId)).state).toBe('pending');

    const rejected = await call(api, 'POST', `/api/close-requests/${closeRequestId}/reject`, { token: tokens.manager, body: { reason: 'ITC at risk on two suppliers is unexplained' } });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decision: { note: 'ITC at risk on two suppliers is unexplained' } });
    const detail = await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.staff });
    expect(detail.body.state).toBe('open');
    const [event] = (await periodEvents('period.close_rejected')).filter((e) => e.after.close_request_id === closeRequestId);
    expect(event).toMatchObject({ actor_id: firm.users.manager.id });
    expect(event.before.state).toBe('close_requested');
    expect(event.after).toMatchObject({ state: 'open', transition_note: 'ITC at risk on two suppliers is unexplained' });
    // Decided: a second decision is refused by state.
    const again = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.firm_admin, body: {} });
    expect(again.status).toBe(422);
    expect(again.body.error.code).toBe('close_request_not_pending');
  });

  it('returns the first request on a double request, also when both arrive at once', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const [a, b] = await Promise.all([requestClose(period), requestClose(period)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.body).toEqual(a.body);
    const c = await requestClose(period, 'manager');
    expect(c.body).toEqual(a.body);
    expect(await db.owner('close_requests').where({ client_id: clientId(), period }).count({ n: '*' })).toEqual([{ n: 1 }]);
    await call(api, 'POST', `/api/close-requests/${a.body.closeRequestId}/withdraw`, { token: tokens.staff, body: {} });
  });

  it('answers a replayed request for a period still running with the request recorded, and refuses its approval until the period is over (422)', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const firstDay = `${addMonths(period, 1)}-01`;
    const lastDay = plusDays(firstDay, -1);
    try {
      // Recorded on the first day it can be; the clock then back on the period's last day (as for a
      // request recorded before the window rule, or a replay that crosses it).
      pinnedToday = firstDay;
      const first = await requestClose(period);
      pinnedToday = lastDay;
      const replay = await requestClose(period);
      expect({ status: replay.status, body: replay.body }).toEqual({ status: first.status, body: first.body });
      expect(first.status).toBe(202);
      await eventually('the workflow query', async () => (await workflowState(first.body.workflowId).catch(() => null)) ?? null, 60_000);

      const early = await call(api, 'POST', `/api/close-requests/${first.body.closeRequestId}/approve`, { token: tokens.manager, body: {} });
      expect({ status: early.status, error: early.body.error }).toEqual({
        status: 422,
        error: { code: 'period_not_ended', message: expect.any(String), details: { period, closableFrom: firstDay, fields: { period: expect.any(String) } } },
      });
      const [audit] = await db.owner('audit_events').where({ request_id: early.headers.get('x-request-id') });
      expect(audit).toMatchObject({ action: 'period.approve_refused_not_ended', actor_id: firm.users.manager.id });
      expect(await db.owner('periods').where({ client_id: clientId(), period }).first('state')).toEqual({ state: 'close_requested' });

      pinnedToday = firstDay;
      const approved = await call(api, 'POST', `/api/close-requests/${first.body.closeRequestId}/approve`, { token: tokens.manager, body: {} });
      expect([approved.status, approved.body.status]).toEqual([200, 'approved']);
    } finally {
      pinnedToday = null;
    }
  });

  it('refuses a close without a completed reconciliation of the latest imports (422 reconciliation_missing)', async () => {
    const period = nextPeriod();
    const none = await requestClose(period);
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: 'reconciliation_missing', details: { missing: ['purchase_register', 'gstr2b', 'reconciliation'] } });
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    // A newer register upload makes the completed run one on old data.
    await insertValidatedImport(db, firm.id, clientId(), period, 'purchase_register', new Date(Date.now() + 1000));
    const outdated = await requestClose(period);
    expect(outdated.status).toBe(422);
    expect(outdated.body.error.details.missing).toEqual(['reconciliation']);
    const [audit] = await db.owner('audit_events').where({ request_id: outdated.headers.get('x-request-id') });
    expect(audit).toMatchObject({ action: 'period.close_request_refused', actor_id: firm.users.staff.id });
    expect(await db.owner('periods').where({ client_id: clientId(), period })).toEqual([]);
  });

  it('refuses a close of a period not over yet (422 period_not_ended) or before GST (400 on `period`), even reconciled, writing nothing', async () => {
    const written = async (period: string) => ({
      periods: await db.owner('periods').where({ client_id: clientId(), period }).count({ n: '*' }),
      requests: await db.owner('close_requests').where({ client_id: clientId(), period }).count({ n: '*' }),
    });
    const nothing = { periods: [{ n: 0 }], requests: [{ n: 0 }] };
    // The running month (IST), asked again should the month turn while the request is answered.
    let month: string;
    let running;
    do {
      month = istDate(new Date()).slice(0, 7);
      await seedReconciledPeriod(db, firm.id, clientId(), month);
      running = await requestClose(month);
    } while (istDate(new Date()).slice(0, 7) !== month);
    expect({ status: running.status, error: running.body.error }).toEqual({
      status: 422,
      error: { code: 'period_not_ended', message: expect.any(String), details: { period: month, closableFrom: `${addMonths(month, 1)}-01`, fields: { period: expect.any(String) } } },
    });
    expect(await written(month)).toEqual(nothing);
    // Nothing but the refusal's audit event, naming the rule and the first day the close can be asked.
    const [refused] = await db.owner('audit_events').where({ request_id: running.headers.get('x-request-id') });
    expect(refused).toMatchObject({
      action: 'period.close_request_refused',
      actor_id: firm.users.staff.id,
      entity_type: 'period',
      after: { clientId: clientId(), period: month, refusal: 'period_not_ended', closableFrom: `${addMonths(month, 1)}-01` },
    });

    const ahead = addMonths(month, 2);
    await seedReconciledPeriod(db, firm.id, clientId(), ahead);
    const future = await requestClose(ahead);
    expect([future.status, future.body.error?.code]).toEqual([422, 'period_not_ended']);
    expect(await written(ahead)).toEqual(nothing);

    await seedReconciledPeriod(db, firm.id, clientId(), '2017-06');
    const ancient = await requestClose('2017-06');
    expect([ancient.status, ancient.body.error?.code, Object.keys(ancient.body.error?.details?.fields ?? {})]).toEqual([400, 'invalid_input', ['period']]);
    expect(await written('2017-06')).toEqual(nothing);

    // The first GST month closes like any other.
    await seedReconciledPeriod(db, firm.id, clientId(), '2017-07');
    expect((await requestClose('2017-07')).status).toBe(202);
  });

  it("answers a pre-GST month of a quarterly filer with the input error (400 on `period`) before the quarter rule's 422", async () => {
    const quarterly = firm.clients[1]!.id;
    await db.owner('clients').where({ id: quarterly }).update({ filing_frequency: 'quarterly' });
    try {
      const answer = async (path: string, token: string, body: object) => {
        const res = await call(api, 'POST', `/api/clients/${quarterly}/periods/${path}`, { token, body });
        return [path, res.status, res.body.error?.code, Object.keys(res.body.error?.details?.fields ?? {})];
      };
      expect((await call(api, 'POST', '/api/auth/reauth', { token: tokens.firm_admin, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
      expect([
        await answer('2017-05/close', tokens.staff!, {}),
        await answer('2017-05/reopen', tokens.firm_admin!, { reason: 'a typo', reasonCode: 'correction' }),
        await answer('2024-05/close', tokens.staff!, {}),
      ]).toEqual([
        ['2017-05/close', 400, 'invalid_input', ['period']],
        ['2017-05/reopen', 400, 'invalid_input', ['period']],
        ['2024-05/close', 422, 'period_not_quarter_end', ['period']],
      ]);
      expect(await db.owner('periods').where({ client_id: quarterly }).count({ n: '*' })).toEqual([{ n: 0 }]);
    } finally {
      await db.owner('clients').where({ id: quarterly }).update({ filing_frequency: 'monthly' });
    }
  });

  it('refuses a stale approval (409 approval_stale) and returns the request to open', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const { closeRequestId, workflowId } = (await requestClose(period)).body;
    await insertValidatedImport(db, firm.id, clientId(), period, 'gstr2b', new Date(Date.now() + 1000));

    const stale = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: {} });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('approval_stale');
    expect(stale.body.error.details.currentEvidenceHash).toBeNull(); // no run on the new imports yet
    const detail = await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.staff });
    expect(detail.body).toMatchObject({ state: 'open', closeRequests: [{ id: closeRequestId, status: 'stale' }] });
    const [event] = (await periodEvents('period.approval_refused_stale')).filter((e) => e.after.close_request_id === closeRequestId);
    expect(event).toMatchObject({ actor_id: firm.users.manager.id });
    expect(event.after.state).toBe('open');
    expect(await temporal.client.workflow.getHandle(workflowId).result()).toEqual({ closeRequestId, outcome: 'stale' });
  });

  it("names the period's current evidence in a stale refusal when there is one (a decision on the run after the request)", async () => {
    const period = nextPeriod();
    const seeded = await seedReconciledPeriod(db, firm.id, clientId(), period);
    const { closeRequestId } = (await requestClose(period)).body;
    const requested = await call(api, 'GET', `/api/close-requests/${closeRequestId}`, { token: tokens.manager });
    // What a manual action on the run does to it: its summary moves (here: counts one more decision).
    await db.owner('reconciliation_runs').where({ id: seeded.runId }).update({ summary: { ...STORED_SUMMARY, decisions: 1 } });

    const stale = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: { note: 'ok' } });
    expect({ status: stale.status, code: stale.body.error?.code }).toEqual({ status: 409, code: 'approval_stale' });
    const { evidenceHash, currentEvidenceHash } = stale.body.error.details;
    expect(evidenceHash).toBe(requested.body.evidence.hash);
    expect(currentEvidenceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(currentEvidenceHash).not.toBe(evidenceHash);
    // The request keeps it: the history shows the refusal with the evidence it was refused against.
    const detail = await call(api, 'GET', `/api/close-requests/${closeRequestId}`, { token: tokens.staff });
    expect(detail.body).toMatchObject({ status: 'stale', decision: { by: { email: firm.users.manager.email }, currentEvidenceHash } });
  });

  describe('a closed period', () => {
    // Two months ago (IST): over, so it can be closed, and its financial year's correction cut-off is
    // still ahead whatever today is. Last month is the annual-return test's below.
    const period = addMonths(istDate(new Date()).slice(0, 7), -2);
    let seeded: Awaited<ReturnType<typeof seedReconciledPeriod>>;

    beforeAll(async () => {
      seeded = await seedReconciledPeriod(db, firm.id, clientId(), period);
      const { closeRequestId } = (await requestClose(period)).body;
      expect((await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: {} })).status).toBe(200);
    });

    const asApp = <T>(fn: Parameters<typeof inTenantTransaction<T>>[2]) =>
      inTenantTransaction(db.app, { firmId: firm.id, actor: { userId: firm.users.staff.id, email: firm.users.staff.email, role: 'staff' } }, fn);

    it('refuses writes through the api with 422 period_closed', async () => {
      const upload = await call(api, 'POST', `/api/clients/${clientId()}/imports`, {
        token: tokens.staff,
        body: { kind: 'gstr2b', period, filename: '2b.json', contentType: 'application/json', size: 1000 },
      });
      expect(upload.status).toBe(422);
      expect(upload.body.error.code).toBe('period_closed');
      const again = await requestClose(period);
      expect(again.status).toBe(422);
      expect(again.body.error.code).toBe('period_closed');
    });

    it('refuses raw writes through the application database role (the trigger, whatever the code path)', async () => {
      const insert = asApp((trx) => trx('imports').insert({ firm_id: firm.id, client_id: clientId(), kind: 'gstr2b', period, filename: 'sneaky.json', status: 'validated' }));
      await expect(insert).rejects.toThrow(/period_closed/);
      await expect(asApp((trx) => trx('imports').where({ id: seeded.gstr2bImportId }).update({ filename: 'renamed.json' }))).rejects.toThrow(/period_closed/);
      await expect(asApp((trx) => trx('imports').where({ id: seeded.gstr2bImportId }).delete())).rejects.toThrow(/period_closed/);
      await expect(asApp((trx) => trx('reconciliation_runs').where({ id: seeded.runId }).update({ status: 'failed' }))).rejects.toThrow(/period_closed/);
      await expect(
        asApp((trx) => trx('import_rows').insert({ firm_id: firm.id, client_id: clientId(), import_id: seeded.gstr2bImportId, period, seq: 1, doc: {} })),
      ).rejects.toThrow(/period_closed/);
      await expect(asApp((trx) => trx('periods').where({ client_id: clientId(), period }).update({ state: 'open' }))).rejects.toThrow(/invalid_period_transition/);
      // Control: another period of the same client still takes writes.
      const open = nextPeriod();
      await asApp((trx) => trx('imports').insert({ firm_id: firm.id, client_id: clientId(), kind: 'gstr2b', period: open, filename: 'fine.json' }));
      expect(await db.owner('imports').where({ client_id: clientId(), period: open }).count({ n: '*' })).toEqual([{ n: 1 }]);
    });

    it('reopens only for a firm admin with a fresh re-authentication and a reason; then writes go through again', async () => {
      const path = `/api/clients/${clientId()}/periods/${period}/reopen`;
      expect((await call(api, 'POST', path, { token: tokens.manager, body: { reason: 'notice received' } })).body.error.code).toBe('forbidden');
      const adminToken = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
      const noReauth = await call(api, 'POST', path, { token: adminToken, body: { reason: 'notice received' } });
      expect(noReauth.status).toBe(403);
      expect(noReauth.body.error.code).toBe('reauth_required');
      expect((await call(api, 'POST', '/api/auth/reauth', { token: adminToken, body: { password: firm.users.firm_admin.password } })).status).toBe(204);
      expect((await call(api, 'POST', path, { token: adminToken, body: {} })).status).toBe(400);

      const reopened = await call(api, 'POST', path, { token: adminToken, body: { reason: 'DRC-01A received: two invoices to correct', reasonCode: 'notice' } });
      expect(reopened.status).toBe(200);
      expect(reopened.body).toMatchObject({ state: 'reopened', reopenCount: 1, note: 'DRC-01A received: two invoices to correct', reasonCode: 'notice' });
      const [event] = (await periodEvents('period.reopened')).filter((e) => e.after.period === period);
      expect(event).toMatchObject({ actor_id: firm.users.firm_admin.id, actor_role: 'firm_admin' });
      expect(event.before.state).toBe('closed');
      expect(event.after).toMatchObject({ state: 'reopened', reopen_count: 1 });

      await asApp((trx) => trx('imports').where({ id: seeded.gstr2bImportId }).update({ filename: 'corrected.json' }));
      // The full close flow again, with the earlier decision still visible.
      const second = await requestClose(period);
      expect(second.status).toBe(202);
      const detail = await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.reviewer });
      expect(detail.body).toMatchObject({ state: 'close_requested', reopenCount: 1 });
      expect(detail.body.closeRequests.map((r: { status: string }) => r.status)).toEqual(['approved', 'pending']);
      const withdrawn = await call(api, 'POST', `/api/close-requests/${second.body.closeRequestId}/withdraw`, { token: tokens.staff, body: {} });
      expect(withdrawn.status).toBe(200);
      expect((await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.staff })).body.state).toBe('reopened');
    });

    it('asks for confirmation to reopen a period past its correction cut-off', async () => {
      const old = '2019-05';
      await seedReconciledPeriod(db, firm.id, clientId(), old);
      const { closeRequestId } = (await requestClose(old)).body;
      await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: {} });
      const adminToken = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
      await call(api, 'POST', '/api/auth/reauth', { token: adminToken, body: { password: firm.users.firm_admin.password } });
      const path = `/api/clients/${clientId()}/periods/${old}/reopen`;
      const refused = await call(api, 'POST', path, { token: adminToken, body: { reason: 'audit query' } });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'confirmation_required', details: { cutoff: '2020-11-30T18:29:59.999Z' } });
      // People read the cut-off in IST (the last minute of 30 November); the detail stays an instant.
      expect(refused.body.error.message).toContain('(30-11-2020 23:59 IST)');
      expect((await call(api, 'POST', path, { token: adminToken, body: { reason: 'audit query', confirmPastCutoff: true } })).status).toBe(200);
    });

    it("asks for confirmation once the year's annual return is filed, even before 30 November", async () => {
      // Last month: its financial year's 30 November cut-off is still ahead whatever today is.
      const today = istDate(new Date());
      const period = addMonths(today.slice(0, 7), -1);
      await seedReconciledPeriod(db, firm.id, clientId(), period);
      const { closeRequestId } = (await requestClose(period)).body;
      expect((await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.manager, body: {} })).status).toBe(200);
      // The year's GSTR-9 on record as filed yesterday. Written as the filings route writes it, straight
      // into the table: the route takes an annual return only after its year, which a test cannot wait for.
      const filedOn = plusDays(today, -1);
      await db.owner('filings').insert({ firm_id: firm.id, client_id: clientId(), return_type: 'GSTR-9', period: financialYearPeriod(period), filed_on: filedOn, arn: 'AA2703260000001' });
      const adminToken = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
      await call(api, 'POST', '/api/auth/reauth', { token: adminToken, body: { password: firm.users.firm_admin.password } });
      const path = `/api/clients/${clientId()}/periods/${period}/reopen`;
      const refused = await call(api, 'POST', path, { token: adminToken, body: { reason: 'supplier credit note' } });
      expect({ status: refused.status, error: refused.body.error }).toMatchObject({
        status: 422,
        error: { code: 'confirmation_required', details: { cutoff: new Date(`${filedOn}T00:00:00.000+05:30`).toISOString(), annualReturn: { returnType: 'GSTR-9', filedOn } } },
      });
      expect(refused.body.error.message).toContain('when its annual return GSTR-9 was filed');
      expect((await call(api, 'GET', `/api/clients/${clientId()}/periods/${period}`, { token: tokens.staff })).body.state).toBe('closed');
      expect((await call(api, 'POST', path, { token: adminToken, body: { reason: 'supplier credit note', confirmPastCutoff: true } })).status).toBe(200);
    });
  });

  it('survives its worker: a request waits while no worker runs, and a new worker finishes it', async () => {
    const period = nextPeriod();
    await seedReconciledPeriod(db, firm.id, clientId(), period);
    const { closeRequestId, workflowId } = (await requestClose(period)).body;
    await eventually('the workflow to start', async () => (await workflowState(workflowId).catch(() => null))?.state === 'pending', 60_000);

    await stack.worker.shutdown();
    stack.worker = await startTestWorker({ knex: db.app, taskQueue: stack.taskQueue });
    const approved = await call(api, 'POST', `/api/close-requests/${closeRequestId}/approve`, { token: tokens.firm_admin, body: {} });
    expect(approved.status).toBe(200);
    expect(await temporal.client.workflow.getHandle(workflowId).result()).toEqual({ closeRequestId, outcome: 'approved' });
  });

  describe('timers (configured in seconds here; 48 hours, 5 and 30 days by default)', () => {
    let fastApi: TestApi;
    beforeAll(async () => {
      fastApi = await startTestApi(db, { maxSessionsPerUser: 5 }, { taskQueue: stack.taskQueue, periodClose: { timers: { remindAfterMs: 1500, escalateAfterMs: 3000, expireAfterMs: 6000 } } });
    });
    afterAll(async () => fastApi?.close());

    it('reminds the managers, escalates to firm admins, then expires the request (never approves on timeout)', async () => {
      const period = nextPeriod();
      await seedReconciledPeriod(db, firm.id, clientId(), period);
      const staffToken = await login(fastApi, firm.users.staff.email, firm.users.staff.password);
      const res = await call(fastApi, 'POST', `/api/clients/${clientId()}/periods/${period}/close`, { token: staffToken, body: {} });
      expect(res.status).toBe(202);
      const { closeRequestId, workflowId } = res.body;
      const notificationsOf = (kind: string) => db.owner('notifications').where({ firm_id: firm.id, kind }).whereRaw(`payload->>'closeRequestId' = ?`, [closeRequestId]);

      // Wait for the workflow's own state, not for a side effect of its activity: the workflow
      // records remindedAt only after the reminder activity (and its notifications) committed.
      const reminded = await eventually('the workflow to record its reminder', async () => (await workflowState(workflowId)).remindedAt, 60_000);
      expect(Date.parse(reminded)).not.toBeNaN();
      const reminders = await notificationsOf('period_close.reminder');
      expect(reminders.map((n) => n.user_id)).toEqual([firm.users.manager.id]);

      const escalated = await eventually('the workflow to record its escalation', async () => (await workflowState(workflowId)).escalatedAt, 60_000);
      expect(Date.parse(escalated)).not.toBeNaN();
      const escalations = await notificationsOf('period_close.escalation');
      expect(escalations.map((n) => n.user_id)).toEqual([firm.users.firm_admin.id]);
      expect(escalations[0].payload).toMatchObject({ closeRequestId, period, requestedBy: firm.users.staff.email });

      expect(await temporal.client.workflow.getHandle(workflowId).result()).toEqual({ closeRequestId, outcome: 'expired' });
      const request = await db.owner('close_requests').where({ id: closeRequestId }).first();
      expect(request).toMatchObject({ status: 'expired', decided_by: null });
      expect(request.reminded_at).toBeInstanceOf(Date);
      expect(request.escalated_at).toBeInstanceOf(Date);
      expect((await db.owner('periods').where({ client_id: clientId(), period }).first()).state).toBe('open');
      const actions = (await db.owner('audit_events').where({ entity_id: closeRequestId }).orderBy('seq')).map((e) => e.action);
      expect(actions).toEqual(['period.close_requested', 'period.close_reminder_sent', 'period.close_escalated', 'period.close_expired']);
    });
  });
});
