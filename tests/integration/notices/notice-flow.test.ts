/**
 * GST notices over HTTP with real PostgreSQL, a real Temporal server and a real worker: intake, draft,
 * four-eyes review and filing; refusals (self-approval audited, filing before approval or without an
 * ARN, drafting with no due date); one notice and one workflow for two intakes at once; tenants.
 */
import { NOTICE_NOTIFICATION_KIND, noticeStatusQuery } from '../../../workflows/notice-definitions';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { daysFromToday, reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(60_000);

describe('GST notices', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let other: TestFirm;
  const tokens: Record<string, string> = {};
  const taskQueue = uniqueTaskQueue('notices');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE } });
    firm = await createTestFirm(db, 'Notice Firm');
    other = await createTestFirm(db, 'Other Firm');
    for (const role of ['staff', 'manager', 'firm_admin', 'reviewer'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
    tokens.otherManager = await login(api, other.users.manager.email, other.users.manager.password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const clientId = () => firm.clients[0]!.id;
  const intake = (token: string, body: Record<string, unknown>) => call(api, 'POST', `/api/clients/${clientId()}/notices`, { token, body });
  const post = (token: string, id: string, step: string, body: unknown = {}) => call(api, 'POST', `/api/notices/${id}/${step}`, { token, body });
  const auditActions = async (id: string) => (await db.owner('audit_events').where({ entity_id: id }).orderBy('seq').select('action', 'actor_email')).map((r: { action: string; actor_email: string }) => `${r.action} ${r.actor_email}`);

  it('lists the form catalogue for the intake screen, to every role of the firm and to a client user', async () => {
    const res = await call(api, 'GET', '/api/notice-forms', { token: tokens.reviewer });
    expect(res.status).toBe(200);
    const drc01b = res.body.items.find((f: { form: string }) => f.form === 'DRC-01B');
    expect(drc01b).toMatchObject({ windowDays: 7, windowUnit: 'calendar', blocksReturn: true, registrationAtStake: false, owner: 'staff' });
    expect(res.body.items.map((f: { form: string }) => f.form)).toEqual(expect.arrayContaining(['DRC-01', 'REG-17', 'GSTR-3A', 'DRC-07']));
    expect((await call(api, 'GET', '/api/notice-forms')).status).toBe(401);
  });

  it('takes a notice from intake through draft, a manager’s approval and filing', async () => {
    const res = await intake(tokens.staff!, { form: 'DRC-01B', reference: reference(), servedOn: today(), periods: ['2026-09'], amounts: { tax: 125000, interest: 0, penalty: 0 }, assigneeId: firm.users.staff.id });
    expect(res.status).toBe(201);
    const notice = res.body;
    expect(notice).toMatchObject({ state: 'assigned', statutoryDueDate: daysFromToday(7), dueDateSource: 'computed', extendedDueDate: null, targetDate: daysFromToday(6), flags: ['blocks_return'] });
    expect(notice.workflowId).toBe(`notice:${firm.id}:${notice.id}`);
    // The target (due − 1 for a 7-day window) falls on T-1: one reminder that day, not two.
    expect(notice.reminders.map((r: { key: string; audience: string }) => `${r.key} ${r.audience}`)).toEqual([`review-gate:${daysFromToday(7)} manager`, `t-3:${daysFromToday(7)} assignee`, `t-1:${daysFromToday(7)} assignee`]);
    expect(notice.escalations[0]).toMatchObject({ key: `overdue:${daysFromToday(7)}:0`, audience: 'manager' });

    expect((await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.staff, body: { text: 'The difference is the advance received in September; see the working paper.' } })).body.state).toBe('drafting');
    expect((await post(tokens.staff!, notice.id, 'filing', { arn: 'AA2709260000001', filedOn: today() })).body.error.code).toBe('reply_not_approved');
    expect((await post(tokens.staff!, notice.id, 'submit')).body.state).toBe('in_review');

    const approvals = (await call(api, 'GET', '/api/approvals', { token: tokens.manager })).body.items;
    expect(approvals.filter((a: { kind: string }) => a.kind === 'notice_reply')).toEqual([
      expect.objectContaining({ kind: 'notice_reply', id: notice.id, clientId: clientId(), requestedBy: expect.objectContaining({ id: firm.users.staff.id }), summary: expect.stringContaining('DRC-01B') }),
    ]);
    expect((await post(tokens.staff!, notice.id, 'approve')).status).toBe(403);
    expect((await post(tokens.reviewer!, notice.id, 'approve')).status).toBe(403);

    const approved = await post(tokens.manager!, notice.id, 'approve', { note: 'ok to file' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'approved', approvedBy: firm.users.manager.id });

    const withoutArn = await post(tokens.staff!, notice.id, 'filing', { filedOn: today() });
    expect([withoutArn.status, withoutArn.body.error.code, Object.keys(withoutArn.body.error.details.fields ?? {})]).toEqual([400, 'invalid_input', ['arn']]);
    const filed = await post(tokens.staff!, notice.id, 'filing', { arn: 'AA2709260000001', filedOn: today() });
    expect(filed.body).toMatchObject({ state: 'filed', reply: { arn: 'AA2709260000001', filedOn: today() }, reminders: [], escalations: [] });

    const detail = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.reviewer })).body;
    expect(detail.drafts).toHaveLength(1);
    expect(detail.reviews.map((r: { decision: string; comment: string }) => [r.decision, r.comment])).toEqual([['approved', 'ok to file']]);
    expect(await auditActions(notice.id)).toEqual([
      `notice.intake ${firm.users.staff.email}`,
      `notice.draft ${firm.users.staff.email}`,
      `notice.file_refused ${firm.users.staff.email}`,
      `notice.submit ${firm.users.staff.email}`,
      `notice.approve ${firm.users.manager.email}`,
      `notice.file ${firm.users.staff.email}`,
    ]);
    const status = await temporal.client.workflow.getHandle(notice.workflowId).query(noticeStatusQuery);
    expect([status.state, status.next]).toEqual(['filed', null]);
  });

  it('refuses and audits a self-approval, keeps the workflow waiting, and sends requested changes back to the drafter', async () => {
    const notice = (await intake(tokens.manager!, { form: 'ASMT-10', reference: reference(), servedOn: today(), financialYears: ['2023-24'], assigneeId: firm.users.manager.id })).body;
    await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.manager, body: { text: 'Reply in ASMT-11.' } });
    await post(tokens.manager!, notice.id, 'submit');

    const refused = await post(tokens.manager!, notice.id, 'approve');
    expect([refused.status, refused.body.error.code]).toEqual([403, 'self_approval_forbidden']);
    const refusals = await db.owner('audit_events').where({ entity_id: notice.id, action: 'notice.self_approval_refused' }).select('actor_email');
    expect(refusals).toEqual([{ actor_email: firm.users.manager.email }]);
    expect((await temporal.client.workflow.getHandle(notice.workflowId).query(noticeStatusQuery)).state).toBe('in_review');
    // The drafter sees their own reply among the approvals, marked as someone else's to decide; the firm admin may decide it.
    expect((await call(api, 'GET', '/api/approvals', { token: tokens.manager })).body.items.find((a: { id: string }) => a.id === notice.id)).toMatchObject({ kind: 'notice_reply', canDecide: false });
    expect((await call(api, 'GET', '/api/approvals', { token: tokens.firm_admin })).body.items.find((a: { id: string }) => a.id === notice.id)).toMatchObject({ kind: 'notice_reply', canDecide: true });

    const noComment = await post(tokens.firm_admin!, notice.id, 'request-changes', {});
    expect([noComment.status, noComment.body.error.code]).toEqual([400, 'invalid_input']);
    const changes = await post(tokens.firm_admin!, notice.id, 'request-changes', { comment: 'Attach the 2B reconciliation.' });
    expect(changes.body.state).toBe('drafting');
    // The manager is this notice's assignee: on a busy machine its plan's first reminder (T-7, some
    // eleven seconds after the intake here) may have come by now too. Those carry their step's key;
    // every other note about the notice is this one.
    const told = await db.owner('notifications').where({ user_id: firm.users.manager.id, kind: NOTICE_NOTIFICATION_KIND }).select('payload');
    expect(told.filter((n: { payload: { noticeId: string; key?: string } }) => n.payload.noticeId === notice.id && n.payload.key === undefined).map((n: { payload: { noticeId: string; reason: string; comment: string } }) => [n.payload.noticeId, n.payload.reason, n.payload.comment])).toEqual([
      [notice.id, 'changes_requested', 'Attach the 2B reconciliation.'],
    ]);
  });

  it('flags a notice with no due date and refuses drafting until one is set (marked as entered by hand)', async () => {
    const notice = (await intake(tokens.staff!, { form: 'DRC-01A', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id })).body;
    expect(notice).toMatchObject({ statutoryDueDate: null, dueDateSource: null, targetDate: null, flags: ['no_due_date'], reminders: [] });
    const refused = await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.staff, body: { text: 'x' } });
    expect([refused.status, refused.body.error.code]).toEqual([422, 'due_date_required']);
    const patched = await call(api, 'PATCH', `/api/notices/${notice.id}`, { token: tokens.staff, body: { dueDate: daysFromToday(10) } });
    expect(patched.body).toMatchObject({ statutoryDueDate: daysFromToday(10), dueDateSource: 'manual', targetDate: daysFromToday(9), flags: [] });
    expect((await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.staff, body: { text: 'Part B reply' } })).body.state).toBe('drafting');
  });

  it('gives one notice and one workflow for two intakes of the same notice at once', async () => {
    const body = { form: 'REG-17', reference: reference(), servedOn: today() };
    const [a, b] = await Promise.all([intake(tokens.staff!, body), intake(tokens.manager!, body)]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.id).toBe(b.body.id);
    expect(a.body.flags).toEqual(['registration_at_stake']);
    const counted = await db.owner('notices').where({ firm_id: firm.id, reference: body.reference }).count('* as n');
    expect(counted.map((r) => Number(r.n))).toEqual([1]);
    const runs = [];
    for await (const run of temporal.client.workflow.list({ query: `WorkflowId = '${a.body.workflowId}'` })) runs.push(run.runId);
    expect(runs).toHaveLength(1);
  });

  it('answers 404 for another firm’s notice and hides it from their lists', async () => {
    const notice = (await intake(tokens.staff!, { form: 'GSTR-3A', reference: reference(), servedOn: today() })).body;
    expect((await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.otherManager })).status).toBe(404);
    expect((await post(tokens.otherManager!, notice.id, 'assign', { assigneeId: other.users.staff.id })).status).toBe(404);
    expect((await call(api, 'GET', '/api/notices', { token: tokens.otherManager })).body.items).toEqual([]);
    expect((await call(api, 'POST', `/api/clients/${clientId()}/notices`, { token: tokens.otherManager, body: { form: 'GSTR-3A', reference: reference(), servedOn: today() } })).status).toBe(404);
  });

  it('lists the most urgent first: consequence, then due date, then amount', async () => {
    const list = (await call(api, 'GET', `/api/notices?clientId=${clientId()}`, { token: tokens.manager })).body.items as Array<{ flags: string[]; effectiveDueDate: string | null }>;
    const ranks = list.map((n) => (n.flags.includes('blocks_return') || n.flags.includes('registration_at_stake') ? 0 : 1));
    expect(ranks).toEqual([...ranks].sort());
    expect(list.length).toBeGreaterThanOrEqual(4);
  });

  it('records a hearing with reminders the two days before, and refuses a fourth adjournment without a manager’s override', async () => {
    const notice = (await intake(tokens.staff!, { form: 'DRC-01', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id })).body;
    const at = (days: number) => `${daysFromToday(days)}T11:00:00+05:30`;
    const hearing = await post(tokens.staff!, notice.id, 'hearings', { at: at(20), place: 'Range office, Pune' });
    expect(hearing.status).toBe(201);
    expect(hearing.body).toMatchObject({ at: `${daysFromToday(20)}T11:00:00.000+05:30`, adjournments: 0 });
    const shown = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.staff })).body.reminders.filter((r: { reason: string }) => r.reason === 'hearing');
    // Two days and one day before (the instants are compressed in these tests; the keys name the days).
    expect(shown.map((r: { key: string; forDate: string }) => [r.key, r.forDate])).toEqual([
      [`hearing:${hearing.body.id}:${daysFromToday(20)}:2`, daysFromToday(20)],
      [`hearing:${hearing.body.id}:${daysFromToday(20)}:1`, daysFromToday(20)],
    ]);
    const adjourn = (token: string, days: number, extra: Record<string, unknown> = {}) => post(token, notice.id, `hearings/${hearing.body.id}/adjourn`, { newAt: at(days), reason: 'officer on leave', ...extra });
    for (const days of [27, 34, 41]) expect((await adjourn(tokens.staff!, days)).status).toBe(200);
    const fourth = await adjourn(tokens.staff!, 48);
    expect([fourth.status, fourth.body.error.code]).toEqual([422, 'adjournment_limit']);
    expect((await adjourn(tokens.staff!, 48, { override: true })).body.error.code).toBe('adjournment_limit');
    const overridden = await adjourn(tokens.manager!, 48, { override: true });
    expect(overridden.body).toMatchObject({ adjournments: 4, overrideUsed: true, at: `${daysFromToday(48)}T11:00:00.000+05:30` });
  });

  it('closes a notice with an order, starts the appeal clock and ends the workflow', async () => {
    const notice = (await intake(tokens.staff!, { form: 'DRC-01', reference: reference(), servedOn: today(), sections: ['73'], financialYears: ['2021-22'] })).body;
    expect(notice.clocks.map((c: { kind: string }) => c.kind)).toEqual(['penalty_saving', 'limitation_end']);
    const closed = await post(tokens.manager!, notice.id, 'close', { outcome: 'order', orderForm: 'DRC-07', orderDate: today() });
    expect(closed.body.state).toBe('closed');
    expect(closed.body.clocks.map((c: { kind: string }) => c.kind)).toEqual(['penalty_saving', 'appeal_due', 'condonation_end', 'limitation_end']);
    expect(await temporal.client.workflow.getHandle(notice.workflowId).result()).toEqual({ noticeId: notice.id, state: 'closed' });
    expect((await post(tokens.staff!, notice.id, 'hearings', { at: new Date(Date.now() + 86_400_000).toISOString() })).body.error.code).toBe('notice_closed');
  });
});
