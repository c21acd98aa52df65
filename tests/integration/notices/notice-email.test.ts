/**
 * Notice reminders and escalations by email as well as in-app, on the real Temporal server with a
 * real worker and the real mail catcher (the plan compressed: a day lasts half a second): each step
 * reaches each of its people once; a step fired again (the activity alone, as a retry would) sends
 * nothing more; and the weekly digest goes once per manager, the open notices most urgent first,
 * marked overdue by the digest's own date rather than the day it runs.
 */
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createNoticeActivities } from '../../../activities/notices';
import { dueInstant, plusDays } from '../../../domain/calendar';
import type { RunningWorker } from '../../../ops/worker';
import { NOTICE_DIGEST_WORKFLOW, NOTICE_NOTIFICATION_KIND } from '../../../workflows/notice-definitions';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { connectTestTemporal, startTestWorker, testMailDeps, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';
import { daysFromToday, reference, TEST_TIME_SCALE, today } from './helpers';

jest.setTimeout(90_000);

type Step = { key: string; at: string; audience: string; reason: string; forDate: string };

describe('notice reminders by email', () => {
  let db: TestDatabase;
  let api: TestApi;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  let staff: string;
  let manager: string;
  const taskQueue = uniqueTaskQueue('notice-email');

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue, mail: testMailDeps() });
    api = await startTestApi(db, {}, { taskQueue, notices: { timeScale: TEST_TIME_SCALE } });
    firm = await createTestFirm(db, 'Mailing Notice Firm');
    staff = await login(api, firm.users.staff.email, firm.users.staff.password);
    manager = await login(api, firm.users.manager.email, firm.users.manager.password);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  const intake = async (body: Record<string, unknown>) => {
    const res = await call(api, 'POST', `/api/clients/${firm.clients[0]!.id}/notices`, { token: staff, body: { reference: reference(), servedOn: today(), ...body } });
    expect(res.status).toBe(201);
    return res.body as { id: string; reference: string; reminders: Step[]; escalations: Step[] };
  };
  const fired = async (noticeId: string) => (await db.owner('notice_alerts').where({ notice_id: noticeId }).pluck('step_key')) as string[];
  const subjects = async (address: string, reference: string) => (await caughtTo(address)).map((m) => m.Subject).filter((s) => s.includes(reference));

  it('emails each step of the plan to its people once, besides the in-app notification', async () => {
    const notice = await intake({ form: 'DRC-01B', assigneeId: firm.users.staff.id });
    const due = daysFromToday(7);
    await eventually('T-1 fired', async () => (await fired(notice.id)).includes(`t-1:${due}`));
    await call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn', reason: 'test over' } });

    // Every fired step emailed each of its people exactly once: the outbox has one sent row per step
    // and person, and the catcher holds exactly those messages (the plan runs on while the test closes it).
    const alerts = (await db.owner('notice_alerts').where({ notice_id: notice.id }).select('step_key', 'audience')) as Array<{ step_key: string; audience: string }>;
    const people: Record<string, string[]> = { assignee: [firm.users.staff.id], manager: [firm.users.manager.id], firm_admin: [firm.users.firm_admin.id] };
    const expected = alerts.flatMap((a) => people[a.audience]!.map((userId) => `notice:${notice.id}:${a.step_key}:${userId}`)).sort();
    const slots = (await db.owner('outbox').where({ firm_id: firm.id }).where('slot_key', 'like', `notice:${notice.id}:%`).orderBy('slot_key').select('slot_key', 'status', 'recipient', 'audience')) as Array<{ slot_key: string; status: string; recipient: string; audience: string }>;
    expect(slots.map((r) => r.slot_key)).toEqual(expected);
    expect(new Set(slots.map((r) => `${r.status} ${r.audience}`))).toEqual(new Set(['sent staff']));
    for (const user of [firm.users.staff, firm.users.manager]) {
      await waitForCaught(user.email, 1);
      expect([user.role, (await subjects(user.email, notice.reference)).length]).toEqual([user.role, slots.filter((r) => r.recipient === user.email).length]);
    }
    const toStaff = await subjects(firm.users.staff.email, notice.reference);
    expect(toStaff.filter((t) => t === `Notice: DRC-01B ${notice.reference} — ${firm.clients[0]!.name} — the reply is due on ${due}`)).toHaveLength(2); // T-3 and T-1
    const toManager = await subjects(firm.users.manager.email, notice.reference);
    expect(toManager[0]).toBe(`Notice: DRC-01B ${notice.reference} — ${firm.clients[0]!.name} — the reply is due on ${due} and the draft is not with a manager yet`);
    expect(toManager).not.toContain(toStaff[0]); // the manager is not sent the assignee's T-3
    const inApp = await db.owner('notifications').where({ firm_id: firm.id, kind: NOTICE_NOTIFICATION_KIND }).whereRaw(`payload->>'noticeId' = ?`, [notice.id]).count('* as n').first();
    expect(Number(inApp?.n)).toBe(expected.length);
    const body = await caughtMessage((await caughtTo(firm.users.staff.email)).find((m) => m.Subject.includes(notice.reference))!.ID);
    expect(body.Text).toContain(`Reference: ${notice.reference}`);
    expect(body.Text).toContain(`Due: ${due}`);
  });

  it('a step fired again (the activity alone, as a retry would) emails nobody twice; an interrupted send is settled, not resent', async () => {
    const notice = await intake({ form: 'DRC-01C', assigneeId: firm.users.staff.id });
    const due = daysFromToday(7);
    await eventually('T-3 fired', async () => (await fired(notice.id)).includes(`t-3:${due}`));
    await eventually('the T-3 email caught', async () => (await subjects(firm.users.staff.email, notice.reference)).length > 0);
    await call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn' } });
    const step = notice.reminders.find((r) => r.key === `t-3:${due}`)!;
    const before = await subjects(firm.users.staff.email, notice.reference);

    // The first attempt's email row left `sending` (its worker died between the commit and the SMTP call).
    const slot = `notice:${notice.id}:t-3:${due}:${firm.users.staff.id}`;
    await db.owner('outbox').where({ firm_id: firm.id, slot_key: slot }).update({ status: 'sending', sent_at: null });
    const activities = createNoticeActivities({ knex: db.app, mail: testMailDeps() });
    // In Temporal's mock activity environment: the step first waits for its notice's writer, which
    // reads the attempt's timeout from the activity's context.
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
    expect(await env.run(activities.noticeFireStep, { firmId: firm.id, noticeId: notice.id, step: { ...step, kind: 'reminder' } as never })).toEqual({ fired: false, recipients: 0 });
    expect(await db.owner('outbox').where({ firm_id: firm.id, slot_key: slot }).first('status', 'error')).toEqual({ status: 'sent', error: expect.stringContaining('not confirmed') });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await subjects(firm.users.staff.email, notice.reference)).toEqual(before);
  });

  it("tells the firm admins how late a notice taken in long overdue is, not the policy's three days", async () => {
    // Taken in twelve days after its due date: the partner step goes at once (a late plan).
    const due = daysFromToday(-12);
    const notice = await intake({ form: 'ASMT-10', servedOn: daysFromToday(-40), dueDate: due });
    await eventually('the partner escalation fired', async () => (await fired(notice.id)).includes(`partner:${due}`));
    // Sent after its alert commits: waited for by its reference (the catcher is shared).
    const mail = await eventually('the partner email caught', async () => (await caughtTo(firm.users.firm_admin.email)).find((m) => m.Subject.includes(notice.reference)) ?? null, 30_000);
    expect(mail.Subject).toBe(`Overdue notice: ASMT-10 ${notice.reference} — ${firm.clients[0]!.name} — 12 days overdue: the reply was due on ${due} and no ARN is recorded`);
    expect((await caughtMessage(mail.ID)).Text).toContain(`12 days overdue: the reply was due on ${due}`);
    await call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn', reason: 'test over' } });
  });

  it('says three days overdue for the partner step planned on its day, though it goes a moment after midnight', async () => {
    // The step is planned at the end of the third day after the due date (23:59:59.999 IST): the
    // activity runs a moment later, on the fourth day. The count is the planned day's, not the clock's.
    const due = daysFromToday(-4);
    const notice = await intake({ form: 'ASMT-13' });
    // Closed so its run fires nothing of its own; the step is then fired by the activity alone, as the run would.
    await call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn', reason: 'test over' } });
    const at = new Date(dueInstant(due).getTime() + 3 * 86_400_000).toISOString();
    const step = { key: `partner:probe-${notice.id}`, at, kind: 'escalation', audience: 'firm_admin', reason: 'partner_escalation', forDate: due };
    const activities = createNoticeActivities({ knex: db.app, mail: testMailDeps() });
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
    expect(await env.run(activities.noticeFireStep, { firmId: firm.id, noticeId: notice.id, step: step as never })).toEqual({ fired: true, recipients: 1 });
    const mail = await eventually('the partner email caught', async () => (await caughtTo(firm.users.firm_admin.email)).find((m) => m.Subject.includes(notice.reference)) ?? null, 30_000);
    expect(mail.Subject).toBe(`Overdue notice: ASMT-13 ${notice.reference} — ${firm.clients[0]!.name} — three days overdue: the reply was due on ${due} and no ARN is recorded`);
  });

  it("tells the managers, not nobody, when the notice's assignee has been deactivated", async () => {
    const notice = await intake({ form: 'ASMT-13', assigneeId: firm.users.staff.id });
    // Closed so its run fires nothing of its own; the step is then fired by the activity alone, as the run would.
    await call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn', reason: 'test over' } });
    const step = { key: `t-1:probe-${notice.id}`, at: new Date().toISOString(), kind: 'reminder', audience: 'assignee', reason: 'due_soon', forDate: daysFromToday(60) };
    const activities = createNoticeActivities({ knex: db.app, mail: testMailDeps() });
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
    await db.owner('users').where({ id: firm.users.staff.id }).update({ active: false });
    try {
      expect(await env.run(activities.noticeFireStep, { firmId: firm.id, noticeId: notice.id, step: step as never })).toEqual({ fired: true, recipients: 1 });
    } finally {
      await db.owner('users').where({ id: firm.users.staff.id }).update({ active: true });
    }
    const told = (await db.owner('notifications').where({ firm_id: firm.id, kind: NOTICE_NOTIFICATION_KIND }).whereRaw(`payload->>'key' = ?`, [step.key]).pluck('user_id')) as string[];
    expect(told).toEqual([firm.users.manager.id]);
    await eventually('the reminder emailed to the manager', async () => (await subjects(firm.users.manager.email, notice.reference)).length === 1);
    expect(await subjects(firm.users.staff.email, notice.reference)).toEqual([]);
  });

  it("tells the managers a day's overdue once when nobody is assigned, not again for the assignee's step", async () => {
    const notice = await intake({ form: 'ASMT-13' });
    // Closed so its run fires nothing of its own; the step is then fired by the activity alone, as the run would.
    await call(api, 'POST', `/api/notices/${notice.id}/close`, { token: manager, body: { outcome: 'withdrawn', reason: 'test over' } });
    // The plan pairs each day's assignee step with a managers' step of the same instant: that one tells them.
    const step = { key: `overdue:probe-${notice.id}:1:assignee`, at: new Date().toISOString(), kind: 'escalation', audience: 'assignee', reason: 'overdue', forDate: daysFromToday(-1) };
    const activities = createNoticeActivities({ knex: db.app, mail: testMailDeps() });
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
    expect(await env.run(activities.noticeFireStep, { firmId: firm.id, noticeId: notice.id, step: step as never })).toEqual({ fired: true, recipients: 0 });
    const told = (await db.owner('notifications').where({ firm_id: firm.id, kind: NOTICE_NOTIFICATION_KIND }).whereRaw(`payload->>'key' = ?`, [step.key]).pluck('user_id')) as string[];
    expect(told).toEqual([]);
    expect(await db.owner('outbox').where({ firm_id: firm.id }).where('slot_key', 'like', `notice:${notice.id}:${step.key}:%`).pluck('slot_key')).toEqual([]);
  });

  it('sends the weekly digest once per manager, open notices most urgent first, however often it runs', async () => {
    const big = await intake({ form: 'ASMT-10', amounts: { tax: 900000, interest: 0, penalty: 0 }, assigneeId: firm.users.staff.id });
    const blocking = await intake({ form: 'DRC-01B', amounts: { tax: 1000, interest: 0, penalty: 0 } });
    const closed = await intake({ form: 'GSTR-3A' });
    await call(api, 'POST', `/api/notices/${closed.id}/close`, { token: manager, body: { outcome: 'duplicate' } });
    const date = today();
    const run = (suffix: string) => temporal.client.workflow.execute(NOTICE_DIGEST_WORKFLOW, { taskQueue, workflowId: `notice-digest-test-${date}-${suffix}-${firm.id}`, args: [date] });
    const first = await run('a');
    expect(first.sent).toBeGreaterThanOrEqual(1);
    await run('b');

    const digests = (await caughtTo(firm.users.manager.email)).filter((m) => m.Subject.startsWith(`Open GST notices, week of ${date}`));
    expect(digests).toHaveLength(1);
    const text = (await caughtMessage(digests[0]!.ID)).Text;
    const lines = text.split('\n').filter((l) => l.startsWith('  - '));
    const order = [blocking.reference, big.reference].map((ref) => lines.findIndex((l) => l.includes(ref)));
    // The blocking intimation ranks above the larger demand; the closed notice is not listed.
    expect(order[0]).toBeGreaterThanOrEqual(0);
    expect(order[0]).toBeLessThan(order[1]!);
    expect(text).not.toContain(closed.reference);
    expect(lines.find((l) => l.includes(blocking.reference))).toContain('[blocks return]');
    // Only managers get it.
    expect((await caughtTo(firm.users.staff.email)).filter((m) => m.Subject.startsWith('Open GST notices'))).toEqual([]);
    expect(await db.owner('outbox').where({ firm_id: firm.id, slot_key: `notice-digest:${date}:${firm.users.manager.id}` }).pluck('status')).toEqual(['sent']);
  });
  it('judges overdue by the digest\'s own date, not the day it runs (a late run, past or ahead of it, sends the same picture)', async () => {
    // One notice due between a past digest date and today, one due before that date, one due between
    // today and a digest date ahead: the attempt's clock would mark the first and not the third.
    // Every date is computed once, from one reading of today: the expectations below come after two
    // workflow runs, and the IST date may turn meanwhile (18:30 UTC).
    const now = today();
    const [past, ahead] = [plusDays(now, -20), plusDays(now, 30)];
    const due = { since: plusDays(now, -10), before: plusDays(now, -25), ahead: plusDays(now, 10) };
    const servedOn = plusDays(now, -40);
    const dueSince = await intake({ form: 'ASMT-10', servedOn, dueDate: due.since });
    const dueBefore = await intake({ form: 'ASMT-10', servedOn, dueDate: due.before });
    const dueAhead = await intake({ form: 'ASMT-10', servedOn: now, dueDate: due.ahead });
    const lineOf = async (date: string) => {
      await temporal.client.workflow.execute(NOTICE_DIGEST_WORKFLOW, { taskQueue, workflowId: `notice-digest-test-${date}-own-date-${firm.id}`, args: [date] });
      const [digest] = await eventually(`the digest of ${date} to the manager`, async () => {
        const found = (await caughtTo(firm.users.manager.email)).filter((m) => m.Subject.startsWith(`Open GST notices, week of ${date}:`));
        return found.length > 0 && found;
      });
      const message = await caughtMessage(digest!.ID);
      const lines = message.Text.split('\n').filter((l) => l.startsWith('  - '));
      const overdueLines = lines.filter((l) => l.includes('(OVERDUE)')).length;
      return { subject: message.Subject, overdueLines, line: (ref: string) => lines.find((l) => l.includes(ref)) ?? `(no line for ${ref})` };
    };

    const early = await lineOf(past);
    expect({ dueSince: early.line(dueSince.reference), dueBefore: early.line(dueBefore.reference), dueAhead: early.line(dueAhead.reference) }).toEqual({
      dueSince: expect.not.stringContaining('OVERDUE'),
      dueBefore: expect.stringContaining(`due ${due.before} (OVERDUE)`),
      dueAhead: expect.not.stringContaining('OVERDUE'),
    });
    expect(early.subject).toContain(`, ${early.overdueLines} overdue`);

    const late = await lineOf(ahead);
    expect({ dueSince: late.line(dueSince.reference), dueBefore: late.line(dueBefore.reference), dueAhead: late.line(dueAhead.reference) }).toEqual({
      dueSince: expect.stringContaining(`due ${due.since} (OVERDUE)`),
      dueBefore: expect.stringContaining(`due ${due.before} (OVERDUE)`),
      dueAhead: expect.stringContaining(`due ${due.ahead} (OVERDUE)`),
    });
    expect(late.subject).toContain(`, ${late.overdueLines} overdue`);
  });
});
