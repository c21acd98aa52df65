/**
 * The daily calendar sweep with real PostgreSQL, a real Temporal server and a real worker: two
 * schedulers firing the same day start one workflow, which notifies each client's owner and the
 * managers once; a later day notifies only what became overdue since. Days are picked in a far
 * future year so this file's workflow ids never meet another run's on the shared server.
 */
import { randomInt } from 'node:crypto';
import { addMonths, plusDays } from '../../../domain/calendar';
import { calendarJobs, startScheduler } from '../../../ops/scheduler';
import type { RunningWorker } from '../../../ops/worker';
import { CALENDAR_NOTIFICATION_KIND, CALENDAR_SWEEP_WORKFLOW, calendarSweepWorkflowId, type CalendarSweepResult } from '../../../workflows/calendar-sweep-definitions';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../../harness/factories';
import { captureLogger } from '../../harness/logs';
import { connectTestTemporal, startTestWorker, uniqueTaskQueue, type TestTemporal } from '../../harness/temporal';

type Item = { clientName: string; returnType: string; period: string; periodLabel: string; status: string; dueDate: string };
// Written out, so the expected labels do not come from the code under test.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

describe('calendar sweep', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let firm: TestFirm;
  const taskQueue = uniqueTaskQueue('calendar-sweep');
  // The 15th of a month between May and November of a year far ahead: GSTR-1 (11th) of the previous
  // month is overdue, GSTR-3B (20th) is due soon, and no annual return falls due near it.
  const year = 2100 + randomInt(0, 800);
  const month = String(randomInt(5, 12)).padStart(2, '0');
  const day = `${year}-${month}-15`;
  const previous = `${year}-${String(Number(month) - 1).padStart(2, '0')}`;
  const beforeThat = `${year}-${String(Number(month) - 2).padStart(2, '0')}`;
  // Each notified deadline names its period as the calendar does: these monthly filers' by the month.
  const last = `${MONTHS[Number(month) - 2]} ${year}`;

  const notifications = async () => {
    const rows = await db.owner('notifications').where({ firm_id: firm.id, kind: CALENDAR_NOTIFICATION_KIND }).orderBy('created_at').select('user_id', 'payload');
    const byUser: Record<string, string[][]> = {};
    for (const r of rows as Array<{ user_id: string; payload: { items: Item[] } }>) {
      const role = Object.values(firm.users).find((u) => u.id === r.user_id)?.role ?? r.user_id;
      (byUser[role] ??= []).push(r.payload.items.map((i) => `${i.clientName} ${i.returnType} ${i.period} ${i.periodLabel} ${i.status}`).sort());
    }
    return byUser;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await connectTestTemporal();
    worker = await startTestWorker({ knex: db.app, taskQueue });
    firm = await createTestFirm(db, 'Sweep Firm');
    const [alpha, beta] = firm.clients.map((c) => c.id);
    // Alpha is owned by the staff member, Beta by a manager (who must not hear twice about it).
    await db.owner('clients').where({ id: alpha }).update({ owner_id: firm.users.staff.id });
    await db.owner('clients').where({ id: beta }).update({ owner_id: firm.users.manager.id });
    // Filed returns are not chased: Beta's last GSTR-1, and both clients' GSTR-3B of the month before
    // (else the first sweep would rightly catch up on that one too, overdue since the 20th), filed
    // after their periods ended, as the filings route requires.
    const filing = (clientId: string | undefined, returnType: string, period: string, arn: string) => ({ firm_id: firm.id, client_id: clientId, return_type: returnType, period, filed_on: `${year}-${month}-10`, arn });
    await db.owner('filings').insert([
      filing(beta, 'GSTR-1', previous, 'AA270000000001A'),
      filing(alpha, 'GSTR-3B', beforeThat, 'AA270000000002A'),
      filing(beta, 'GSTR-3B', beforeThat, 'AA270000000003A'),
    ]);
  });
  afterAll(async () => {
    await worker?.shutdown();
    await temporal?.close();
    await db?.drop();
  });

  it('runs once for a day however many schedulers fire, and notifies each person once', async () => {
    const jobs = calendarJobs({ taskQueue, cron: '0 9 * * *', timezone: 'Asia/Kolkata' });
    const a = startScheduler({ client: temporal.client, logger: captureLogger().logger, timezone: 'Asia/Kolkata', jobs });
    const b = startScheduler({ client: temporal.client, logger: captureLogger().logger, timezone: 'Asia/Kolkata', jobs });
    const tick = new Date(`${day}T09:00:00+05:30`);
    try {
      const outcomes = await Promise.all([a.runNow('calendar-sweep', tick), b.runNow('calendar-sweep', tick)]);
      expect(outcomes.sort()).toEqual(['already_started', 'started']);
      const result: CalendarSweepResult = await temporal.client.workflow.getHandle(calendarSweepWorkflowId(day)).result();
      expect(result.firms).toEqual([{ firmId: firm.id, day, alreadySwept: false, alerts: 3, notifications: 2 }]);
      // Even after it completed, the same day is not started again.
      await expect(a.runNow('calendar-sweep', tick)).resolves.toBe('already_started');
    } finally {
      await a.stop();
      await b.stop();
    }

    expect(await notifications()).toEqual({
      manager: [[`Alpha Traders GSTR-1 ${previous} ${last} overdue`, `Alpha Traders GSTR-3B ${previous} ${last} due_soon`, `Beta Industries GSTR-3B ${previous} ${last} due_soon`]],
      staff: [[`Alpha Traders GSTR-1 ${previous} ${last} overdue`, `Alpha Traders GSTR-3B ${previous} ${last} due_soon`]],
    });
    const sweeps = await db.owner('audit_events').where({ firm_id: firm.id, entity_type: 'calendar_sweep' }).select('action', 'actor_email');
    expect(sweeps).toEqual([{ action: 'calendar_sweep.create', actor_email: 'system:calendar-sweep' }]);
  });

  it('writes nothing when the same day is swept again under another workflow id', async () => {
    const result: CalendarSweepResult = await temporal.client.workflow.execute(CALENDAR_SWEEP_WORKFLOW, {
      taskQueue,
      workflowId: `${calendarSweepWorkflowId(day)}-manual-${randomInt(1e9)}`,
      args: [{ day }],
    });
    expect(result.firms).toEqual([{ firmId: firm.id, day, alreadySwept: true, alerts: 3, notifications: 2 }]);
    expect(Object.values(await notifications()).map((n) => n.length)).toEqual([1, 1]);
  });

  it('notifies on a later day only what became overdue since', async () => {
    const sweep = async (d: string): Promise<CalendarSweepResult> =>
      temporal.client.workflow.execute(CALENDAR_SWEEP_WORKFLOW, { taskQueue, workflowId: calendarSweepWorkflowId(d), args: [{ day: d }], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
    expect((await sweep(plusDays(day, 1))).firms[0]).toMatchObject({ alreadySwept: false, alerts: 0, notifications: 0 });
    expect((await sweep(plusDays(day, 6))).firms[0]).toMatchObject({ alreadySwept: false, alerts: 2, notifications: 2 });
    const byUser = await notifications();
    expect(byUser.manager).toEqual([
      [`Alpha Traders GSTR-1 ${previous} ${last} overdue`, `Alpha Traders GSTR-3B ${previous} ${last} due_soon`, `Beta Industries GSTR-3B ${previous} ${last} due_soon`],
      [`Alpha Traders GSTR-3B ${previous} ${last} overdue`, `Beta Industries GSTR-3B ${previous} ${last} overdue`],
    ]);
    expect(byUser.staff).toEqual([[`Alpha Traders GSTR-1 ${previous} ${last} overdue`, `Alpha Traders GSTR-3B ${previous} ${last} due_soon`], [`Alpha Traders GSTR-3B ${previous} ${last} overdue`]]);
    expect(byUser.firm_admin).toBeUndefined();
  });

  it('announces the new date once an extension moves an overdue deadline, and nothing for the old one', async () => {
    const extended = plusDays(day, 10);
    await db.owner('calendar_extensions').insert({ firm_id: firm.id, return_type: 'GSTR-3B', period: previous, state_codes: null, due_date: extended, reference: 'Notification (test)' });
    const result: CalendarSweepResult = await temporal.client.workflow.execute(CALENDAR_SWEEP_WORKFLOW, { taskQueue, workflowId: calendarSweepWorkflowId(plusDays(day, 7)), args: [{ day: plusDays(day, 7) }] });
    expect(result.firms[0]).toMatchObject({ alreadySwept: false, alerts: 2, notifications: 2 });
    const rows = await db.owner('notifications').where({ firm_id: firm.id, user_id: firm.users.staff.id, kind: CALENDAR_NOTIFICATION_KIND }).orderBy('created_at').select('payload');
    expect((rows.at(-1)?.payload as { items: Item[] }).items.map((i) => `${i.returnType} ${i.status} ${i.dueDate}`)).toEqual([`GSTR-3B due_soon ${extended}`]);
  });

  it("names a QRMP filer's GSTR-3B by its quarter of the financial year, where a monthly filer's reads as the month", async () => {
    // Gamma files quarterly: its GSTR-3B for the quarter ending in `quarterEnd` is due on the 22nd or
    // 24th of the next month, so it is due soon on the 20th.
    const quarterEndMonth = Math.ceil(Number(month) / 3) * 3;
    const quarterEnd = `${year}-${String(quarterEndMonth).padStart(2, '0')}`;
    const sweepDay = `${addMonths(quarterEnd, 1)}-20`;
    await db.owner('clients').insert({ firm_id: firm.id, name: 'Gamma Quarterly', gstin: validGstin('27'), email: 'gamma@sweep.example', filing_frequency: 'quarterly', state_code: '27', owner_id: firm.users.staff.id });
    const result: CalendarSweepResult = await temporal.client.workflow.execute(CALENDAR_SWEEP_WORKFLOW, { taskQueue, workflowId: calendarSweepWorkflowId(sweepDay), args: [{ day: sweepDay }] });
    expect(result.firms[0]).toMatchObject({ alreadySwept: false });
    const rows = await db.owner('notifications').where({ firm_id: firm.id, user_id: firm.users.staff.id, kind: CALENDAR_NOTIFICATION_KIND }).orderBy('created_at').select('payload');
    const items = (rows.at(-1)?.payload as { day: string; items: Item[] }).items.filter((i) => i.returnType === 'GSTR-3B' && i.period === quarterEnd);
    // Written out: the quarter's place in the financial year (April–June is Q1) and its months.
    const quarter = ({ 6: `Q1 FY ${year}-${String((year + 1) % 100).padStart(2, '0')} (Apr–Jun ${year})`, 9: `Q2 FY ${year}-${String((year + 1) % 100).padStart(2, '0')} (Jul–Sep ${year})`, 12: `Q3 FY ${year}-${String((year + 1) % 100).padStart(2, '0')} (Oct–Dec ${year})` } as Record<number, string>)[quarterEndMonth];
    expect(items.map((i) => `${i.clientName} ${i.periodLabel} ${i.status}`).sort()).toEqual([`Alpha Traders ${MONTHS[quarterEndMonth - 1]} ${year} due_soon`, `Gamma Quarterly ${quarter} due_soon`]);
  });
});
