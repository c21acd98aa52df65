/**
 * Creating a follow-up while the return it is keyed to is filed, or while the notice it serves is
 * closed, on the real stack (api, worker, Temporal, PostgreSQL): two concurrent requests, each
 * stopped by this test at the point where the race would do harm, with the locks of
 * db/period-lock.ts between them. The create holds the return's (or the notice's) lock from its
 * check to its commit, and the filing (or the close) takes the same lock before it reads the
 * follow-ups to end, so one waits for the other: a create past its check makes the filing wait,
 * then the filing ends what it made; a filing past its read of the follow-ups makes the create
 * wait, then the create sees the filing (422 already_filed). Never a live follow-up for a filed
 * return or a closed notice.
 */
import type { Knex } from 'knex';
import { lockPeriodKey } from '../../../db/period-lock';
import { call } from '../../harness/api';
import { daysFromToday, reference, today } from '../notices/helpers';
import { createFollowUp, eventually, inDays, startStack, type Stack } from './helpers';

jest.setTimeout(120_000);

type Waiter = { pid: number; query: string; blockedBy: number[] };
const LIVE = ['open', 'snoozed', 'exhausted'];

describe('creating a follow-up while what it serves ends', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Sessions of this test's database waiting for a lock, and whom they wait for. */
  const waiters = async (): Promise<Waiter[]> =>
    (
      await stack.db.owner.raw(
        `select pid, query, pg_blocking_pids(pid) as blocked_by from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      )
    ).rows.map((r: { pid: number; query: string; blocked_by: number[] }) => ({ pid: r.pid, query: r.query, blockedBy: r.blocked_by }));
  const pidOf = async (trx: Knex.Transaction) => ((await trx.raw('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
  const waitingOn = (all: Waiter[], blocker: number, query: RegExp) => all.find((w) => w.blockedBy.includes(blocker) && query.test(w.query));
  const ADVISORY = /pg_advisory_xact_lock/;

  /** Last month's GSTR-1, its due date moved ahead (for every state) so a follow-up for it is due in the future. */
  let extended: Promise<{ returnType: string; period: string }> | null = null;
  function openDeadline(): Promise<{ returnType: string; period: string }> {
    extended ??= (async () => {
      const now = inDays(0);
      const [year, month] = [Number(now.slice(0, 4)), Number(now.slice(5, 7))];
      const period = month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
      const res = await call(stack.api, 'POST', '/api/calendar/extensions', { token: stack.tokens.firm_admin, body: { returnType: 'GSTR-1', period, stateCodes: null, dueDate: inDays(30), reference: 'Notification 9/2027' } });
      expect(res.status).toBe(201);
      return { returnType: 'GSTR-1', period };
    })();
    return extended;
  }
  const liveFor = async (clientId: string, deadline: { returnType: string; period: string }) =>
    (await stack.db.owner('follow_ups').where({ client_id: clientId }).whereIn('status', LIVE).whereRaw(`deadline->>'returnType' = ? and deadline->>'period' = ?`, [deadline.returnType, deadline.period])).map((r: { id: string }) => r.id);

  it('completing a request while a sender holds the audit lock and writes a link to it: both go through, no deadlock', async () => {
    const clientId = stack.firm.clients[0]!.id;
    const created = await createFollowUp(stack, clientId, { title: 'Completed beside a sender', dueDate: inDays(6), items: [{ description: 'Bank statement' }] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // As the sender of another request's message to this client: an audited write first (the firm's audit lock, to commit).
    const sender = await stack.db.owner.transaction();
    let completing: ReturnType<typeof call> | null = null;
    let linked: { ok: boolean; error?: string } = { ok: false };
    try {
      await sender.raw(`select pg_advisory_xact_lock(hashtextextended('taalmel.audit:' || ?, 0))`, [stack.firm.id]);
      const senderPid = await pidOf(sender);
      // The complete locks the request's row, then its audited write waits for the sender.
      completing = call(stack.api, 'POST', `/api/follow-ups/${id}/complete`, { token: stack.tokens.manager, body: {} });
      await eventually('the complete to wait for the audit lock', async () => waitingOn(await waiters(), senderPid, /./));
      // The sender lists this request: a link to it (the foreign key needs a key-share lock on its row).
      linked = await sender('follow_up_links')
        .insert({ firm_id: stack.firm.id, client_id: clientId, follow_up_id: id, token_hash: `sender-${id}`, expires_at: new Date(Date.now() + 86_400_000) })
        .then(() => ({ ok: true }), (error: Error) => ({ ok: false, error: error.message }));
    } finally {
      if (linked.ok) await sender.commit();
      else await sender.rollback();
    }
    const res = await completing!;
    expect({ linked, status: res.status, ...(res.status === 200 ? {} : { body: res.body }) }).toEqual({ linked: { ok: true }, status: 200 });
    // The link the sender wrote before the end is revoked with the request's others.
    const links = await stack.db.owner('follow_up_links').where({ follow_up_id: id }).select('revoked_at');
    expect(links.length > 0 && links.every((l: { revoked_at: Date | null }) => l.revoked_at !== null)).toBe(true);
  });

  it('a filing that arrives after the create passed its check waits for it, then completes what it made', async () => {
    const clientId = stack.firm.clients[1]!.id;
    const deadline = await openDeadline();
    // Hold the period's lock: the create stops at it, after it took the return's lock and found no filing.
    const holder = await stack.db.owner.transaction();
    let creation: ReturnType<typeof createFollowUp> | null = null;
    let filing: ReturnType<typeof call> | null = null;
    try {
      await lockPeriodKey(holder, clientId, deadline.period);
      const holderPid = await pidOf(holder);
      creation = createFollowUp(stack, clientId, { title: 'Sales invoices', deadline, items: [{ description: 'Sales register' }] });
      const create = await eventually('the create to wait behind the test', async () => waitingOn(await waiters(), holderPid, ADVISORY));
      filing = call(stack.api, 'POST', `/api/clients/${clientId}/filings`, { token: stack.tokens.staff, body: { ...deadline, filedOn: today(), arn: 'AA270725000101Z' } });
      // The filing wrote its row and waits for the return's lock, which the create holds.
      await eventually('the filing to wait for the create', async () => waitingOn(await waiters(), create.pid, ADVISORY));
    } finally {
      await holder.rollback();
    }
    const [created, filed] = await Promise.all([creation!, filing!]);
    expect([created.status, filed.status]).toEqual([201, 201]);
    // The filing ran after the create's commit: it saw the request and completed it, workflow included.
    const row = await stack.db.owner('follow_ups').where({ id: created.body.id }).first();
    expect([row.status, row.end_note]).toEqual(['completed', `GSTR-1 for ${deadline.period} filed on ${today()} (ARN AA270725000101Z)`]);
    expect(await stack.temporal.client.workflow.getHandle(created.body.workflowId).result()).toEqual({ state: 'completed' });
    expect(await liveFor(clientId, deadline)).toEqual([]);
  });

  it('a create that arrives after the filing read the follow-ups waits for it, then sees the filing (422 already_filed)', async () => {
    // The same return of the other client (the first test filed it for the second).
    const clientId = stack.firm.clients[0]!.id;
    const deadline = await openDeadline();
    const first = await createFollowUp(stack, clientId, { title: 'Purchase bills', deadline, items: [{ description: 'Purchase register' }] });
    expect(first.status).toBe(201);
    // Its workflow at rest (first message sent, plan recorded), so only the filing meets the row lock below.
    await eventually('the first message recorded', async () => ((await stack.db.owner('follow_ups').where({ id: first.body.id }).first()).schedule as Array<{ kind: string; status: string }>)[0]?.status === 'sent');
    // Hold the existing follow-up's row: the filing stops at its read of the follow-ups to end, holding the return's lock.
    const holder = await stack.db.owner.transaction();
    let filing: ReturnType<typeof call> | null = null;
    let creation: ReturnType<typeof createFollowUp> | null = null;
    try {
      await holder.raw('select id from follow_ups where id = ? for update', [first.body.id]);
      const holderPid = await pidOf(holder);
      filing = call(stack.api, 'POST', `/api/clients/${clientId}/filings`, { token: stack.tokens.staff, body: { ...deadline, filedOn: today(), arn: 'AA270725000202Z' } });
      const filer = await eventually('the filing to wait at the follow-ups', async () => waitingOn(await waiters(), holderPid, /follow_ups/));
      creation = createFollowUp(stack, clientId, { title: 'Purchase bills again', deadline, items: [{ description: 'Purchase register' }] });
      await eventually('the create to wait for the filing', async () => waitingOn(await waiters(), filer.pid, ADVISORY));
    } finally {
      await holder.rollback();
    }
    const [filed, created] = await Promise.all([filing!, creation!]);
    expect(filed.status).toBe(201);
    expect([created.status, created.body.error?.code]).toEqual([422, 'already_filed']);
    expect((await stack.db.owner('follow_ups').where({ id: first.body.id }).first()).status).toBe('completed');
    expect(await stack.db.owner('follow_ups').where({ client_id: clientId, title: 'Purchase bills again' })).toEqual([]);
    expect(await liveFor(clientId, deadline)).toEqual([]);
  });

  it('a notice closed after the create passed its check waits for it, then cancels what it made', async () => {
    const clientId = stack.firm.clients[0]!.id;
    const intake = await call(stack.api, 'POST', `/api/clients/${clientId}/notices`, { token: stack.tokens.staff, body: { form: 'ASMT-10', reference: reference(), servedOn: today(), assigneeId: stack.firm.users.staff.id } });
    expect(intake.status).toBe(201);
    const noticeId = intake.body.id as string;
    const period = '2025-03';
    const holder = await stack.db.owner.transaction();
    let creation: ReturnType<typeof createFollowUp> | null = null;
    let closing: ReturnType<typeof call> | null = null;
    try {
      // The create takes the notice's lock, finds it open, then stops at the period's lock (held here).
      await lockPeriodKey(holder, clientId, period);
      const holderPid = await pidOf(holder);
      creation = createFollowUp(stack, clientId, { title: 'Reply documents', dueDate: daysFromToday(10), noticeId, items: [{ description: 'Stock register', period }] });
      const create = await eventually('the create to wait behind the test', async () => waitingOn(await waiters(), holderPid, ADVISORY));
      closing = call(stack.api, 'POST', `/api/notices/${noticeId}/close`, { token: stack.tokens.manager, body: { outcome: 'withdrawn', reason: 'officer dropped it' } });
      await eventually('the close to wait for the create', async () => waitingOn(await waiters(), create.pid, ADVISORY));
    } finally {
      await holder.rollback();
    }
    const [created, closed] = await Promise.all([creation!, closing!]);
    expect([created.status, closed.status]).toEqual([201, 200]);
    const row = await stack.db.owner('follow_ups').where({ id: created.body.id }).first();
    expect([row.status, row.end_note]).toEqual(['cancelled', 'the notice was closed']);
    expect(await stack.temporal.client.workflow.getHandle(created.body.workflowId).result()).toEqual({ state: 'cancelled' });
    // Without a deadlock between them: the close's step succeeded on its first attempt. (Had the close
    // written the notice, taking the firm's audit-chain lock, before waiting for the notice's key, the
    // create's audited writes and the close would each wait for the other; PostgreSQL aborts one with
    // 40P01 and the close's activity runs again. A retried activity's started event carries the
    // attempt that ended it.)
    const attempts = await stepAttempts(noticeId);
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts).toEqual(attempts.map(() => 1));
  });

  it('a close waiting for a follow-up held by its writer does not hold the audit chain that writer needs', async () => {
    const clientId = stack.firm.clients[0]!.id;
    const intake = await call(stack.api, 'POST', `/api/clients/${clientId}/notices`, { token: stack.tokens.staff, body: { form: 'ASMT-10', reference: reference(), servedOn: today(), assigneeId: stack.firm.users.staff.id } });
    expect(intake.status).toBe(201);
    const noticeId = intake.body.id as string;
    const created = await createFollowUp(stack, clientId, { title: 'Reply documents', dueDate: daysFromToday(10), noticeId, items: [{ description: 'Stock register' }] });
    expect(created.status).toBe(201);
    // A writer of the follow-up (as the workflow recording a new state, or a snooze): its row first,
    // then an audited change of it, which takes the firm's audit-chain lock.
    const holder = await stack.db.owner.transaction();
    let closing: ReturnType<typeof call> | null = null;
    try {
      // (No key update: the request's own workflow may still be writing rows that refer to it.)
      await holder.raw('select id from follow_ups where id = ? for no key update', [created.body.id]);
      closing = call(stack.api, 'POST', `/api/notices/${noticeId}/close`, { token: stack.tokens.manager, body: { outcome: 'withdrawn', reason: 'officer dropped it' } });
      // The close's read of the notice's follow-ups, locked FOR NO KEY UPDATE as every writer of the row
      // (the request's workflow may be queued on the row too).
      const close = await eventually('the close to wait for the follow-up', async () => (await waiters()).find((w) => /"follow_ups"[\s\S]*"notice_id"[\s\S]*for no key update/i.test(w.query)));
      // Waiting there, the close holds no audit-chain lock of the firm (it has written nothing yet).
      // Had it written the notice first, it would hold it: the writer's audited change below would
      // then wait for the close and the close for the writer, and PostgreSQL would abort one (40P01).
      const chain = await stack.db.owner.raw(
        `select count(*)::int as held from pg_locks where locktype = 'advisory' and granted and pid = ?
           and classid::bigint = ((hashtextextended('taalmel.audit:' || ?, 0) >> 32) & 4294967295)
           and objid::bigint = (hashtextextended('taalmel.audit:' || ?, 0) & 4294967295)`,
        [close.pid, stack.firm.id, stack.firm.id],
      );
      expect({ closePid: close.pid, chainLocksHeld: chain.rows[0].held }).toEqual({ closePid: close.pid, chainLocksHeld: 0 });
      await holder('follow_ups').where({ id: created.body.id }).update({ title: 'Reply documents (stock)' });
      await holder.commit();
    } catch (error) {
      await holder.rollback();
      throw error;
    }
    const closed = await closing!;
    expect(closed.status).toBe(200);
    const row = await stack.db.owner('follow_ups').where({ id: created.body.id }).first();
    expect([row.title, row.status, row.end_note]).toEqual(['Reply documents (stock)', 'cancelled', 'the notice was closed']);
    // The close's step went through on its first attempt.
    const attempts = await stepAttempts(noticeId);
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts).toEqual(attempts.map(() => 1));
    // The close and the cancel are both in the trail, each under its own action.
    const audited = await stack.db.owner('audit_events').whereIn('entity_id', [noticeId, created.body.id]).where('action', 'in', ['notice.close', 'follow_up.cancelled_notice_closed']).select('action', 'entity_id');
    expect(audited.map((a: { action: string; entity_id: string }) => `${a.action}:${a.entity_id === noticeId ? 'notice' : 'follow_up'}`).sort()).toEqual(['follow_up.cancelled_notice_closed:follow_up', 'notice.close:notice']);
  });

  /** The attempts of the notice's step activities (a retried activity's started event carries the attempt that ended it). */
  async function stepAttempts(noticeId: string): Promise<number[]> {
    const notice = await stack.db.owner('notices').where({ id: noticeId }).first('workflow_id');
    const events = (await stack.temporal.client.workflow.getHandle(notice.workflow_id).fetchHistory()).events ?? [];
    const steps = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'noticeApplyStep').map((e) => String(e.eventId)));
    return events.filter((e) => e.activityTaskStartedEventAttributes && steps.has(String(e.activityTaskStartedEventAttributes.scheduledEventId))).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
  }
});
