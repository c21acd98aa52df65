/**
 * Facts of a notice that must agree (dates, extensions, targets, filings, hearings, orders), an
 * intake replayed with other facts, each financial year under its own section, a client's reduced
 * view, the history's names (the firm's own people only), and a list that builds only its page:
 * over HTTP with real PostgreSQL and a real Temporal server.
 */
import { createNoticeActivities } from '../../../activities/notices';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { eventually } from '../../harness/eventually';
import { noticeStatusQuery } from '../../../workflows/notice-definitions';
import { daysFromToday, reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(90_000);

describe('notice facts and views', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const tokens: Record<string, string> = {};
  const taskQueue = uniqueTaskQueue('notice-facts');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE } });
    firm = await createTestFirm(db, 'Facts Firm');
    for (const role of ['staff', 'manager', 'client'] as const) tokens[role] = await login(api, firm.users[role].email, firm.users[role].password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const clientId = () => firm.clients[0]!.id;
  const intakeRaw = (body: Record<string, unknown>, via = api) => call(via, 'POST', `/api/clients/${clientId()}/notices`, { token: tokens.staff, body: { reference: reference(), servedOn: today(), ...body } });
  const intake = async (body: Record<string, unknown>) => {
    const res = await intakeRaw(body);
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };
  const post = (id: string, step: string, body: unknown, token = tokens.staff!) => call(api, 'POST', `/api/notices/${id}/${step}`, { token, body });
  const refusal = (res: { status: number; body: { error?: { code: string; details?: { fields?: Record<string, unknown> } } } }) => [res.status, res.body.error?.code, Object.keys(res.body.error?.details?.fields ?? {})];

  it('refuses an intake whose dates contradict each other', async () => {
    expect(refusal(await intakeRaw({ form: 'ASMT-10', servedOn: daysFromToday(2) }))).toEqual([422, 'facts_inconsistent', ['servedOn']]);
    expect(refusal(await intakeRaw({ form: 'ASMT-10', servedOn: daysFromToday(-5), issuedOn: daysFromToday(-3) }))).toEqual([422, 'facts_inconsistent', ['issuedOn']]);
    expect(refusal(await intakeRaw({ form: 'ASMT-10', servedOn: daysFromToday(-5), dueDate: daysFromToday(-6) }))).toEqual([422, 'facts_inconsistent', ['dueDate']]);
  });

  it('answers an identical intake with the notice on record, and another with the same reference 409 naming what differs', async () => {
    const body = { form: 'ASMT-10', reference: reference(), servedOn: today(), financialYears: ['2023-24'] };
    const first = await intakeRaw(body);
    expect(first.status).toBe(201);
    const replay = await intakeRaw(body);
    expect([replay.status, replay.body.id]).toEqual([200, first.body.id]);
    const other = await intakeRaw({ ...body, form: 'DRC-01', dueDate: daysFromToday(20) });
    expect([other.status, other.body.error.code, other.body.error.details.noticeId]).toEqual([409, 'notice_reference_taken', first.body.id]);
    expect(other.body.error.details.fields).toEqual({ form: { recorded: 'ASMT-10', given: 'DRC-01' }, dueDate: { recorded: null, given: daysFromToday(20) } });
    expect(await db.owner('notices').where({ firm_id: firm.id, reference: body.reference }).first('form')).toEqual({ form: 'ASMT-10' });
  });

  it('keeps the statutory, extended and target dates in order', async () => {
    // ASMT-10 served today: statutory due in 30 days.
    const notice = await intake({ form: 'ASMT-10' });
    expect(refusal(await post(notice.id, 'extension', { extendedDueDate: daysFromToday(20), reference: 'letter 1' }))).toEqual([422, 'extension_before_due_date', ['extendedDueDate']]);
    expect((await post(notice.id, 'extension', { extendedDueDate: daysFromToday(45), reference: 'letter 1' })).body.effectiveDueDate).toBe(daysFromToday(45));
    expect(refusal(await post(notice.id, 'extension', { extendedDueDate: daysFromToday(40), reference: 'letter 2' }))).toEqual([422, 'facts_inconsistent', ['extendedDueDate']]);
    const patch = (body: Record<string, unknown>) => call(api, 'PATCH', `/api/notices/${notice.id}`, { token: tokens.staff, body });
    expect(refusal(await patch({ dueDate: daysFromToday(50) }))).toEqual([422, 'facts_inconsistent', ['dueDate']]);
    expect(refusal(await patch({ targetDate: daysFromToday(46) }))).toEqual([422, 'facts_inconsistent', ['targetDate']]);
    expect(refusal(await patch({ dueDate: daysFromToday(-1) }))).toEqual([422, 'facts_inconsistent', ['dueDate']]);
    const fine = await patch({ targetDate: daysFromToday(45), dueDate: daysFromToday(35) });
    expect(fine.body).toMatchObject({ statutoryDueDate: daysFromToday(35), extendedDueDate: daysFromToday(45), targetDate: daysFromToday(45) });
  });

  it('refuses the second of two date changes sent at once that contradict each other: the dates on record still agree', async () => {
    // Each alone holds (ASMT-10 served today: statutory due in 30 days); together the target would
    // fall after the due date. Both may pass the api's check on the same row; the workflow runs them
    // one after the other and the activity checks the second again on what the first wrote.
    for (let round = 0; round < 3; round += 1) {
      const notice = await intake({ form: 'ASMT-10' });
      const patch = (body: Record<string, unknown>) => call(api, 'PATCH', `/api/notices/${notice.id}`, { token: tokens.staff, body });
      const answers = await Promise.all([patch({ targetDate: daysFromToday(28) }), patch({ dueDate: daysFromToday(25) })]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 422]);
      expect(refusal(answers.find((a) => a.status === 422)!)[1]).toBe('facts_inconsistent');
      const row = await db.owner('notices').where({ id: notice.id }).first('manual_due_date', 'manual_target_date');
      expect(row.manual_due_date === null || row.manual_target_date === null).toBe(true);
    }
  });

  it('checks a change of dates again in the activity, under the row lock (the activity run alone)', async () => {
    const notice = await intake({ form: 'ASMT-10' });
    await call(api, 'PATCH', `/api/notices/${notice.id}`, { token: tokens.staff, body: { targetDate: daysFromToday(28) } });
    const activities = createNoticeActivities({ knex: db.app });
    const actor = { userId: firm.users.staff.id, email: firm.users.staff.email, role: 'staff' as const };
    const refused = activities.noticeApplyStep({ firmId: firm.id, noticeId: notice.id, kind: 'change_dates', actor, payload: { dueDate: daysFromToday(25) } });
    await expect(refused).rejects.toMatchObject({ type: 'facts_inconsistent', nonRetryable: true, details: [{ fields: { dueDate: expect.stringContaining(daysFromToday(28)) } }] });
    expect(await db.owner('notices').where({ id: notice.id }).first('manual_due_date', 'manual_target_date')).toEqual({ manual_due_date: null, manual_target_date: daysFromToday(28) });
    // The same change again (a retried activity after its commit) still agrees with itself.
    await expect(activities.noticeApplyStep({ firmId: firm.id, noticeId: notice.id, kind: 'change_dates', actor, payload: { targetDate: daysFromToday(28) } })).resolves.toBeDefined();
  });

  it('refuses a filing or a hearing before service, and an order from the future or of an unknown form', async () => {
    const notice = await intake({ form: 'DRC-01', servedOn: daysFromToday(-10), assigneeId: firm.users.staff.id });
    expect(refusal(await post(notice.id, 'filing', { arn: 'AA2712260000555', filedOn: daysFromToday(-11) }))).toEqual([422, 'facts_inconsistent', ['filedOn']]);
    expect(refusal(await post(notice.id, 'outside-reply', { arn: 'AA2712260000555', filedOn: daysFromToday(-11), documentIds: ['00000000-0000-4000-8000-000000000000'] }))).toEqual([422, 'facts_inconsistent', ['filedOn']]);
    expect(refusal(await post(notice.id, 'hearings', { at: '1999-06-01T11:00:00+05:30' }))).toEqual([422, 'facts_inconsistent', ['at']]);
    const hearing = await post(notice.id, 'hearings', { at: `${daysFromToday(5)}T11:00:00+05:30` });
    expect(refusal(await post(notice.id, `hearings/${hearing.body.id}/adjourn`, { newAt: '1999-06-01T11:00:00+05:30', reason: 'x' }))).toEqual([422, 'facts_inconsistent', ['newAt']]);
    const close = await post(notice.id, 'close', { outcome: 'order', orderForm: 'banana', orderDate: daysFromToday(3) }, tokens.manager);
    expect(refusal(close)).toEqual([422, 'facts_inconsistent', ['orderForm', 'orderDate']]);
    expect((await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.staff })).body.state).toBe('assigned');
    expect((await post(notice.id, 'close', { outcome: 'order', orderForm: 'DRC-07', orderDate: today() }, tokens.manager)).status).toBe(200);
  });

  it('decides each financial year under its own section', async () => {
    // FY 2021-22 under s.74 (limitation to 2027-06-30) and FY 2024-25 under s.74A: served 2026-07-01, inside both.
    const notice = (await intakeRaw({ form: 'DRC-01', servedOn: '2026-07-01', sections: ['74'], financialYears: ['2021-22', '2024-25'] })).body;
    expect(notice.flags).not.toContain('outside_limitation');
    expect(notice.clocks.map((c: { kind: string; date: string; section: string }) => [c.kind, c.date, c.section])).toEqual([
      ['penalty_saving', '2026-07-31', '74'],
      ['penalty_saving', '2026-08-30', '74A'],
      ['limitation_end', '2027-06-30', '74'],
      ['limitation_end', '2029-06-30', '74A'],
    ]);
  });

  it("gives a client's users their reduced view of a notice and of the list", async () => {
    const notice = await intake({ form: 'DRC-01', assigneeId: firm.users.staff.id, description: 'internal: check the 2B of March', targetDate: undefined });
    await call(api, 'PUT', `/api/notices/${notice.id}/draft`, { token: tokens.staff, body: { text: 'Our reply' } });
    const internal = ['workflowId', 'assigneeId', 'draftedBy', 'approvedBy', 'targetDate', 'targetDateSource', 'reminders', 'escalations', 'description', 'extensionReference', 'drafts', 'reviews', 'history', 'fired', 'caseNotices'];
    const detail = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.client })).body;
    expect(detail).toMatchObject({ id: notice.id, form: 'DRC-01', state: 'drafting', effectiveDueDate: daysFromToday(30), documents: [], followUps: [] });
    // The firm's fields are there (one screen renders both views), empty.
    const empty = (v: unknown) => v === null || v === undefined || (Array.isArray(v) && v.length === 0);
    for (const field of internal) expect([field, empty(detail[field])]).toEqual([field, true]);
    expect(detail.clocks.map((c: { kind: string }) => c.kind)).toEqual(['penalty_saving']);
    const listed = (await call(api, 'GET', `/api/notices?clientId=${clientId()}&limit=100`, { token: tokens.client })).body.items.find((n: { id: string }) => n.id === notice.id);
    for (const field of internal) expect([field, empty(listed[field])]).toEqual([field, true]);
    // Staff still see everything.
    expect((await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.staff })).body).toMatchObject({ assigneeId: firm.users.staff.id, description: 'internal: check the 2B of March', drafts: [expect.objectContaining({ text: 'Our reply' })] });
  });

  it("names each person in a notice's history from the firm's own users, for staff too; never another firm's", async () => {
    const notice = await intake({ form: 'DRC-01', assigneeId: firm.users.staff.id });
    expect((await post(notice.id, 'assign', { assigneeId: firm.users.manager.id }, tokens.manager)).status).toBe(200);
    // An entry whose actor id is another firm's person (none is written so; the join must not name them).
    const other = await createTestFirm(db, 'Other Firm');
    await db.owner('audit_events').insert({ firm_id: firm.id, actor_id: other.users.manager.id, actor_email: other.users.manager.email, actor_role: 'manager', action: 'notice.updated', entity_type: 'notice', entity_id: notice.id });
    const names = Object.fromEntries((await db.owner('users').whereIn('id', [firm.users.staff.id, firm.users.manager.id, other.users.manager.id]).select('id', 'name')).map((u: { id: string; name: string }) => [u.id, u.name]));
    const res = await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.staff });
    expect(res.status).toBe(200);
    const who = (res.body.history as Array<{ action: string; by: string; byName: string | null }>).map(({ action, by, byName }) => ({ action, by, byName }));
    expect(who).toEqual([
      { action: 'notice.intake', by: firm.users.staff.email, byName: names[firm.users.staff.id] },
      { action: 'notice.assign', by: firm.users.manager.email, byName: names[firm.users.manager.id] },
      { action: 'notice.updated', by: other.users.manager.email, byName: null },
    ]);
    expect(JSON.stringify(res.body.history)).not.toContain(names[other.users.manager.id]);
    // A client's users see no history, and so no one of the firm.
    const client = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.client })).body;
    expect(client.history).toEqual([]);
    for (const id of [firm.users.staff.id, firm.users.manager.id]) expect(JSON.stringify(client)).not.toContain(names[id]);
  });

  it('shows a notice taken in past its partner day with the partner step its run plans and sends', async () => {
    const notice = (await intakeRaw({ form: 'ASMT-10', dueDate: daysFromToday(-10), servedOn: daysFromToday(-40), assigneeId: firm.users.staff.id })).body as { id: string; workflowId: string };
    const key = `partner:${daysFromToday(-10)}`;
    // A run started now plans with the rule (its query says so), and sends the step at once.
    await eventually('the partner step sent', async () => (await db.owner('notice_alerts').where({ notice_id: notice.id, step_key: key }).first()) ?? null);
    expect((await temporal.client.workflow.getHandle(notice.workflowId).query(noticeStatusQuery)).latePartner).toBe(true);
    const shown = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: tokens.staff })).body.escalations as Array<{ key: string; audience: string; status: string }>;
    expect(shown.filter((s) => s.audience === 'firm_admin')).toEqual([expect.objectContaining({ key, status: 'sent' })]);

    // A run that does not answer (no worker polls its queue) leaves the plan as computed: the step planned at intake.
    const quiet = await startTestApi(db, {}, { taskQueue: uniqueTaskQueue('notice-late-quiet'), notices: { timeScale: TEST_TIME_SCALE } });
    try {
      // The firm admin: staff and the manager keep their sessions for the tests that follow (a device limit).
      const token = await login(quiet, firm.users.firm_admin.email, firm.users.firm_admin.password);
      const unanswered = await call(quiet, 'POST', `/api/clients/${clientId()}/notices`, { token, body: { form: 'ASMT-10', reference: reference(), dueDate: daysFromToday(-10), servedOn: daysFromToday(-40) } });
      expect(unanswered.status).toBe(201);
      const detail = (await call(quiet, 'GET', `/api/notices/${unanswered.body.id}`, { token })).body;
      expect(detail.escalations.filter((s: { audience: string }) => s.audience === 'firm_admin')).toEqual([expect.objectContaining({ key, status: 'planned', at: detail.createdAt })]);
    } finally {
      await quiet.close();
    }
  });

  it('orders and pages the list first, building only the page’s notices', async () => {
    // An api on a task queue no worker polls: the notices' workflows never run, so the only reads are the list's.
    const quiet = await startTestApi(db, {}, { taskQueue: uniqueTaskQueue('notice-list-quiet'), notices: { timeScale: TEST_TIME_SCALE } });
    try {
      const other = firm.clients[1]!.id;
      const [staff, manager] = [await login(quiet, firm.users.staff.email, firm.users.staff.password), await login(quiet, firm.users.manager.email, firm.users.manager.password)];
      const mine = new Set<string>();
      for (const days of [9, 3, 7, 1, 5]) {
        const created = await call(quiet, 'POST', `/api/clients/${other}/notices`, { token: staff, body: { form: 'ASMT-10', reference: reference(), servedOn: today(), dueDate: daysFromToday(days) } });
        expect(created.status).toBe(201);
        mine.add(created.body.id);
      }
      // Only this list's reads count: the earlier tests' notice runs may still be reading their own hearings.
      const hearingReads: string[] = [];
      const listen = (q: { sql: string; bindings?: unknown[] }) => (q.sql.includes('notice_hearings') && (q.bindings ?? []).some((b) => mine.has(String(b))) ? hearingReads.push(q.sql) : undefined);
      db.app.on('query', listen);
      const page1 = await call(quiet, 'GET', `/api/notices?clientId=${other}&limit=2`, { token: manager });
      db.app.off('query', listen);
      expect(hearingReads).toHaveLength(2);
      const page2 = await call(quiet, 'GET', `/api/notices?clientId=${other}&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`, { token: manager });
      const page3 = await call(quiet, 'GET', `/api/notices?clientId=${other}&limit=2&cursor=${encodeURIComponent(page2.body.nextCursor)}`, { token: manager });
      expect([...page1.body.items, ...page2.body.items, ...page3.body.items].map((n: { effectiveDueDate: string }) => n.effectiveDueDate)).toEqual([1, 3, 5, 7, 9].map(daysFromToday));
      expect(page3.body.nextCursor).toBeNull();
      const due = (await call(quiet, 'GET', `/api/notices?clientId=${other}&dueBefore=${daysFromToday(6)}`, { token: manager })).body.items;
      expect(due.map((n: { effectiveDueDate: string }) => n.effectiveDueDate)).toEqual([1, 3, 5].map(daysFromToday));
    } finally {
      await quiet.close();
    }
  });
});
