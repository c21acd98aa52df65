/**
 * A notice's reminders and escalations on the real Temporal server with a real worker, the plan
 * compressed so that a day lasts half a second: every step fires once, to the right people, in the
 * order the api showed; an extension replaces the pending steps (nothing fires for the old date); a
 * worker stopped across several steps fires each of them once when a new one starts.
 */
import { calendarChangedSignal, NOTICE_NOTIFICATION_KIND } from '../../../workflows/notice-definitions';
import type { RunningWorker } from '../../../ops/worker';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { eventually } from '../../harness/eventually';
import { daysFromToday, reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(90_000);

type Step = { key: string; at: string; audience: string; reason: string; status: string };

describe('notice reminders and escalations', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker | null;
  let firm: TestFirm;
  let staff: string;
  let manager: string;
  const taskQueue = uniqueTaskQueue('notice-timers');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE } });
    firm = await createTestFirm(db, 'Timer Firm');
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    manager = await login(api, firm.users.manager.email, firm.users.manager.password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const intake = async () => {
    const res = await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/notices`, { token: staff, body: { form: 'DRC-01B', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } });
    expect(res.status).toBe(201);
    return res.body as { id: string; reminders: Step[]; escalations: Step[] };
  };
  /** Closes the notice; the close must be answered (a reminder backlog must not hold it up). */
  const close = async (noticeId: string, body: Record<string, unknown>) => {
    const res = await call(api, 'POST', `/api/notices/${noticeId}/close`, { token: manager, body });
    expect({ status: res.status, error: res.body?.error }).toEqual({ status: 200, error: undefined });
  };
  /** Whether a session waits on a row lock of this table (a held latch has caught an activity). */
  const waitingOnLock = async (table: string) =>
    (await db.owner.raw(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike ?`, [`%"${table}"%`])).rows[0].n > 0;
  /** The notice's one workflow, named in its row. */
  const workflowOf = async (noticeId: string) => temporal.client.workflow.getHandle((await db.owner('notices').where({ id: noticeId }).first('workflow_id')).workflow_id as string);
  /** Steps the notice's workflow has accepted (its current run's history). */
  const acceptedSteps = async (noticeId: string) => {
    const history = await (await workflowOf(noticeId)).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
  };
  const fired = async (noticeId: string) => (await db.owner('notice_alerts').where({ notice_id: noticeId }).orderBy([{ column: 'planned_at' }, { column: 'step_key' }]).select('step_key')).map((r: { step_key: string }) => r.step_key as string);
  const told = async (noticeId: string) => {
    const rows = await db.owner('notifications').where({ firm_id: firm.id, kind: NOTICE_NOTIFICATION_KIND }).whereRaw(`payload->>'noticeId' = ?`, [noticeId]).select('user_id', 'payload');
    const byRole: Record<string, string[]> = {};
    for (const r of rows as Array<{ user_id: string; payload: { key: string } }>) {
      const role = Object.values(firm.users).find((u) => u.id === r.user_id)?.role ?? r.user_id;
      (byRole[role] ??= []).push(r.payload.key);
    }
    for (const keys of Object.values(byRole)) keys.sort();
    return byRole;
  };

  it('fires every step of the plan once, to the right people, in the order shown', async () => {
    const notice = await intake();
    const due = daysFromToday(7);
    await eventually('the firm admin escalation at T+3', async () => (await fired(notice.id)).includes(`partner:${due}`));
    await close(notice.id, { outcome: 'withdrawn', reason: 'test over' });

    const shown = [...notice.reminders, ...notice.escalations].sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key)).map((s) => s.key);
    const keys = await fired(notice.id);
    // Fired in the plan's order, with nothing outside the plan; the plan goes on past T+3.
    expect(keys).toEqual(shown.slice(0, keys.length));
    expect(keys.slice(0, 7)).toEqual([`review-gate:${due}`, `t-3:${due}`, `t-1:${due}`, `overdue:${due}:0`, `overdue:${due}:1:assignee`, `overdue:${due}:1:manager`, `overdue:${due}:2:assignee`]);
    const byRole = await told(notice.id);
    expect(byRole.firm_admin).toEqual([`partner:${due}`]);
    expect(byRole.staff!.filter((k) => k.startsWith('t-'))).toEqual([`t-1:${due}`, `t-3:${due}`]);
    expect(byRole.manager).toEqual(expect.arrayContaining([`review-gate:${due}`, `overdue:${due}:0`, `overdue:${due}:1:manager`]));
    expect(byRole.manager).not.toContain(`t-3:${due}`);
    const shownNow = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: staff })).body;
    expect(shownNow.fired.map((f: { key: string }) => f.key).sort()).toEqual([...keys].sort());
  });

  it('replaces every pending step when the due date is extended: nothing fires for the old date', async () => {
    // A plan day of three seconds here: the old date's first step (about four plan days after the
    // intake) comes well after the extension that replaces it, even when the two requests between
    // them crawl on a busy machine. The same keys, so the same tokens, as the file's api.
    const slow = await startTestApi(db, api.security.settings, { taskQueue, notices: { timeScale: 3 / 86_400 } });
    try {
      const res = await call(slow, 'POST', `/api/clients/${firm.clients[0]!.id}/notices`, { token: staff, body: { form: 'DRC-01B', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } });
      expect(res.status).toBe(201);
      const notice = res.body as { id: string };
      const oldDue = daysFromToday(7);
      const newDue = daysFromToday(14);
      const extended = await call(slow, 'POST', `/api/notices/${notice.id}/extension`, { token: staff, body: { extendedDueDate: newDue, reference: 'Officer letter 12/2026' } });
      expect(extended.body).toMatchObject({ statutoryDueDate: oldDue, extendedDueDate: newDue, effectiveDueDate: newDue });
      expect(extended.body.reminders.every((r: Step) => r.key.endsWith(newDue) || r.key.startsWith('target:'))).toBe(true);
      // The new T-1 comes after the old date's T+3: by then every old step would have fired.
      await eventually('the new T-1', async () => (await fired(notice.id)).includes(`t-1:${newDue}`), 120_000);
      const keys = await fired(notice.id);
      expect(keys.filter((k) => k.includes(oldDue))).toEqual([]);
      expect(keys).toEqual([`t-7:${newDue}`, `review-gate:${newDue}`, `t-3:${newDue}`, `t-1:${newDue}`]);
      await close(notice.id, { outcome: 'withdrawn' });
    } finally {
      await slow.close();
    }
  }, 180_000);

  it('fires each step once when the worker was stopped across them', async () => {
    // Stopped before the intake: its first steps come a second or two after it, and a stop that came
    // later on a busy machine could let one of them fire first.
    await worker!.shutdown();
    worker = null;
    const notice = await intake();
    const due = daysFromToday(7);
    const t1 = notice.reminders.find((r) => r.key === `t-1:${due}`)!;
    // The stop outlasts T-3 and T-1 of the plan (wall time of the plan, not a guess at load).
    await eventually('T-1 to pass while no worker runs', async () => Date.now() > Date.parse(t1.at) + 200);
    expect(await fired(notice.id)).toEqual([]);
    worker = await startTestWorker({ knex: db.app, taskQueue });
    await eventually('the missed reminders', async () => (await fired(notice.id)).includes(`t-1:${due}`));
    await close(notice.id, { outcome: 'withdrawn' });
    const byRole = await told(notice.id);
    expect(byRole.staff!.filter((k) => k.startsWith('t-'))).toEqual([`t-1:${due}`, `t-3:${due}`]);
    expect(byRole.manager!.filter((k) => k.startsWith('review'))).toEqual([`review-gate:${due}`]);
  });

  it("lets a person's step go before a backlog of due reminders", async () => {
    const notice = await intake();
    const due = daysFromToday(7);
    await worker!.shutdown();
    worker = null;
    // Ten plan days pass with no worker: every step up to then is due at once when one starts.
    const until = Date.parse(notice.escalations.find((s) => s.key === `partner:${due}`)!.at) + 7 * 500;
    await eventually('ten plan days to pass while no worker runs', async () => Date.now() > until);
    const firedBefore = await fired(notice.id);
    const backlog = [...notice.reminders, ...notice.escalations].filter((s) => Date.parse(s.at) <= until && !firedBefore.includes(s.key));
    // The backlog's alert rows taken by a transaction left open: the first reminder's activity waits on
    // its row, so the close surely arrives while a reminder is being sent and the rest are due.
    const hold = await db.owner.transaction();
    await hold('notice_alerts').insert(backlog.map((s) => ({ firm_id: firm.id, notice_id: notice.id, step_key: s.key, audience: s.audience, reason: s.reason, planned_at: s.at, recipients: 0 })));
    try {
      worker = await startTestWorker({ knex: db.app, taskQueue });
      await eventually('a reminder to wait on its held alert row', () => waitingOnLock('notice_alerts'));
      const closing = call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn' } });
      await eventually('the close to be accepted by the workflow', async () => (await acceptedSteps(notice.id)) === 1);
      await hold.rollback();
      const closed = await closing;
      expect({ status: closed.status, error: closed.body?.error }).toEqual({ status: 200, error: undefined });
    } finally {
      if (!hold.isCompleted()) await hold.rollback();
    }
    // The close went right after the reminder being sent when it came: the backlog waited for it.
    const firedByClose = (await fired(notice.id)).filter((k) => !firedBefore.includes(k));
    expect({ backlog: backlog.length > 10, firedByClose: firedByClose.length, keys: firedByClose }).toEqual({ backlog: true, firedByClose: 1, keys: firedByClose });
  });

  it('a step waiting for a re-read goes on when the step before it ends, with reminders due', async () => {
    const notice = await intake();
    // The notice's row held: the first step's activity waits on it, holding the workflow busy.
    const hold = await db.owner.transaction();
    await hold('notices').where({ id: notice.id }).forUpdate().first('id');
    try {
      const assigning = call(api, 'POST', `/api/notices/${notice.id}/assign`, { token: manager, body: { assigneeId: firm.users.manager.id } });
      await eventually('the assign step to wait on the notice row', () => waitingOnLock('notices'));
      // A reminder comes due while the step runs (its timer fired and the workflow saw it: the loop
      // waits for the step), then the calendar changes: the facts must be re-read.
      await eventually('a reminder to come due while the step runs', async () => {
        const events = (await (await workflowOf(notice.id)).fetchHistory()).events ?? [];
        const step = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'noticeApplyStep');
        const timer = events.findIndex((e, i) => i > step && e.timerFiredEventAttributes);
        return step >= 0 && timer > step && events.some((e, i) => i > timer && e.workflowTaskCompletedEventAttributes);
      });
      await (await workflowOf(notice.id)).signal(calendarChangedSignal);
      // The close is accepted (its check waits for the re-read) and waits behind the assign step.
      const closing = call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn' } });
      await eventually('both steps to be accepted by the workflow', async () => (await acceptedSteps(notice.id)) === 2);
      await hold.rollback();
      const [assigned, closed] = await Promise.all([assigning, closing]);
      expect([assigned, closed].map((r) => ({ status: r.status, error: r.body?.error }))).toEqual([{ status: 200, error: undefined }, { status: 200, error: undefined }]);
    } finally {
      if (!hold.isCompleted()) await hold.rollback();
    }
  });
});
