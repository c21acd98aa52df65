/**
 * A holiday added to the firm's calendar replans what it times, on the real Temporal server with a
 * real worker, PostgreSQL and the mail catcher, with plans seconds apart: a running follow-up's
 * skip-day reminder moves off the new holiday and nothing is sent at the replaced instant; a
 * notice counted in working days gets its new due date, and no step of the old date ever fires.
 */
import type { RunningWorker } from '../../../ops/worker';
import { dateOf, positionOf, IST_CLOCK } from '../../../domain/follow-ups';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { reference, today } from '../notices/helpers';

jest.setTimeout(240_000);

/**
 * A follow-up's business day lasts this long here; a notice's plan day lasts three seconds, so the
 * old date's first step (three plan days after the intake) comes well after the holiday edit that
 * replaces it, even when the two requests between them crawl on a busy machine.
 */
const DAY_MS = 6000;
const NOTICE_SCALE = 3 / 86_400;

describe('holiday edits replan running follow-ups and notices', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let admin: string;
  let staff: string;
  let national: Set<string>;
  const taskQueue = uniqueTaskQueue('holiday-replan');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    api = await startTestApi(db, {}, { taskQueue, followUps: { dayMs: DAY_MS }, notices: { timeScale: NOTICE_SCALE } });
    firm = await createTestFirm(db, 'Holiday Firm');
    admin = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    const calendar = await call(api, 'PUT', '/api/firm/holidays', { token: admin, body: { saturdaysWorking: true, dates: [] } });
    expect(calendar.status).toBe(200);
    national = new Set(calendar.body.nationalHolidays.map((h: { date: string }) => h.date));
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const todayDay = () => positionOf(IST_CLOCK, Date.now()).day;
  const working = (day: number) => new Date(`${dateOf(day)}T00:00:00Z`).getUTCDay() !== 0 && !national.has(dateOf(day));
  const putHolidays = (dates: string[]) => call(api, 'PUT', '/api/firm/holidays', { token: admin, body: { saturdaysWorking: true, dates: dates.map((date) => ({ date, name: 'Office closed' })) } });

  it("moves a running follow-up's skip-day reminder off the new holiday; nothing is sent at the replaced instant", async () => {
    // T-2 falls on day k and k-1 is a working day too: a holiday on day k moves the reminder to k-1.
    const k = [3, 4, 5, 6, 7, 8, 9].find((d) => working(todayDay() + d) && working(todayDay() + d - 1))!;
    const policy = { deadlineOffsets: [2], overdueOffsets: [1], intervalDays: 30, skipDays: true };
    const created = await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/follow-ups`, { token: staff, body: { title: 'Bank statement', items: [{ description: 'Bank statement for November' }], dueDate: dateOf(todayDay() + k + 2), policy } });
    expect(created.status).toBe(201);
    const anchoredAt = (schedule: Array<{ at: string; kind: string; status: string }>) => schedule.find((m) => m.kind === 'anchored')!;
    const before = anchoredAt(created.body.schedule);
    expect(before.status).toBe('planned');

    const changed = await putHolidays([dateOf(todayDay() + k)]);
    expect(changed.status).toBe(200);
    const followUp = async () => (await call(api, 'GET', `/api/follow-ups/${created.body.id}`, { token: staff })).body;
    await eventually('the recomputed plan', async () => anchoredAt((await followUp()).schedule).at !== before.at);
    const after = anchoredAt((await followUp()).schedule);
    // One business day earlier, same time of day.
    expect(Date.parse(before.at) - Date.parse(after.at)).toBe(DAY_MS);

    // Its budget counts from the moved instant, however far ahead the plan put it.
    await eventually('the moved reminder sent', async () => anchoredAt((await followUp()).schedule).status === 'sent', Math.max(0, Date.parse(after.at) - Date.now()) + 90_000);
    await eventually('the replaced instant passed', async () => Date.now() > Date.parse(before.at) + DAY_MS / 4);
    const scheduled = (await db.owner('outbox').where({ firm_id: firm.id, follow_up_id: created.body.id }).whereNot('template', 'like', 'escalation%').pluck('scheduled_at')) as Array<Date | null>;
    // The api shows instants to the second.
    const instants = scheduled.filter((d): d is Date => d !== null).map((d) => Math.floor(d.getTime() / 1000) * 1000);
    expect(instants).toContain(Date.parse(after.at));
    expect(instants).not.toContain(Date.parse(before.at));
    await call(api, 'POST', `/api/follow-ups/${created.body.id}/cancel`, { token: staff, body: {} });
  });

  it('gives a working-day notice its new due date; no step of the old date fires', async () => {
    await putHolidays([]);
    const intake = await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/notices`, { token: staff, body: { form: 'REG-03', reference: reference(), servedOn: today(), assigneeId: firm.users.staff.id } });
    expect(intake.status).toBe(201);
    const notice = intake.body as { id: string; statutoryDueDate: string; reminders: Array<{ key: string }> };
    const oldDue = notice.statutoryDueDate;
    expect(notice.reminders.map((r) => r.key)).toContain(`t-1:${oldDue}`);

    // The old due date becomes a holiday: seven working days now end on the next working day.
    const changed = await putHolidays([oldDue]);
    expect(changed.status).toBe(200);
    const shown = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: staff })).body as { statutoryDueDate: string; reminders: Array<{ key: string }>; escalations: Array<{ key: string }> };
    const newDue = shown.statutoryDueDate;
    expect(newDue > oldDue).toBe(true);
    expect([...shown.reminders, ...shown.escalations].filter((s) => s.key.includes(oldDue))).toEqual([]);

    const fired = async () => (await db.owner('notice_alerts').where({ notice_id: notice.id }).pluck('step_key')) as string[];
    // The old date's overdue escalation would have fired a plan-day before the new one's.
    await eventually('the new date overdue', async () => (await fired()).includes(`overdue:${newDue}:0`), 150_000);
    expect((await fired()).filter((k) => k.includes(oldDue))).toEqual([]);
    expect(await fired()).toContain(`t-1:${newDue}`);
    const history = (await call(api, 'GET', `/api/notices/${notice.id}`, { token: staff })).body.history.map((h: { action: string; by: string }) => `${h.action} ${h.by}`);
    expect(history).toContain(`notice.calendar_changed ${firm.users.firm_admin.email}`);
    await call(api, 'POST', `/api/notices/${notice.id}/close`, { token: await login(api, firm.users.manager.email, firm.users.manager.password), body: { outcome: 'withdrawn' } });
  });
});
