/**
 * The two ways a first message does not go when it is due, on the real stack (api, worker,
 * Temporal, PostgreSQL, Mailpit behind a relay this test can make fail) with compressed business
 * days: merged into another request's message that then fails, and deferred because the client's
 * message of the day went out first without it, across a continue-as-new. Either way the plan the
 * API shows moves the first message to the next day's send time, and that day's one email lists it.
 * And a later reminder listed in another request's first message that then fails: it is never
 * shown `merged` (the client got nothing), and a nudge that day still sends.
 */
import { followUpWorkflowId } from '../../../workflows/follow-up-definitions';
import { call, login } from '../../harness/api';
import { createTestFirm } from '../../harness/factories';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { clientEmail, createFollowUp, endLiveFollowUps, eventually, inDays, startStack, type Stack } from './helpers';
import { startRelay } from './smtp-relay';

jest.setTimeout(180_000);

const DAY = 20_000;
/**
 * Anchored on T-1 and overdue on T+1 only: with T three days out, nothing of the cadence falls on
 * days 0 and 1. No quiet hours: a message lists a request only outside that request's quiet hours,
 * judged on its own compressed clock (a 20-second day, 72 minutes a second), so with any night the
 * seconds a loaded machine takes between two creates could put one request's message in the
 * other's night and leave it out for a reason these tests are not about (merge-quiet-hours is).
 */
const POLICY = { deadlineOffsets: [1], overdueOffsets: [1], intervalDays: 30, quietHours: { from: '00:00', to: '00:00' } };

type Slot = { key: string; at: string; kind: string; status: string };
type OutboxRow = { id: string; follow_up_id: string | null; slot_key: string; status: string; client_day: number | null; follow_up_ids: string[]; created_at: Date };

describe('first messages that do not go when due', () => {
  let stack: Stack;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  beforeAll(async () => {
    relay = await startRelay();
    stack = await startStack({ dayMs: DAY, historyLimit: 15, mail: { platformSmtpUrl: `smtp://127.0.0.1:${relay.port}` } });
  });
  afterEach(async () => {
    // After a test that failed half-way, the relay passes mail again (a message it held fails) and no
    // chase of the shared firm runs on: a later reminder of it must not be the message the next test
    // holds at the relay, nor count among its client's email. (The last test's own firm is left to close.)
    relay.fail();
    await endLiveFollowUps(stack);
  });
  afterAll(async () => {
    await stack?.close();
    await relay?.close();
  });

  const asManager = (method: string, path: string, body?: unknown) => call(stack.api, method, path, { token: stack.tokens.manager, body });
  const clientRows = async (clientId: string): Promise<OutboxRow[]> => (await stack.db.owner('outbox').where({ client_id: clientId, audience: 'client' }).orderBy('created_at')) as OutboxRow[];
  const initialOf = async (id: string): Promise<Slot> => ((await asManager('GET', `/api/follow-ups/${id}`)).body.schedule as Slot[]).find((s) => s.kind === 'initial')!;
  /** Sessions of this test's database waiting for a lock (behind the test's transaction, or behind one that waits for it). */
  const blocked = async () => Number(((await stack.db.owner.raw('select count(*)::int as n from pg_stat_activity where datname = current_database() and cardinality(pg_blocking_pids(pid)) > 0')).rows[0] as { n: number }).n);
  async function cancelAll(ids: string[]) {
    for (const id of ids) expect((await asManager('POST', `/api/follow-ups/${id}/cancel`, {})).status).toBe(200);
  }

  it('a first message merged into a message that then fails moves to the next day, and every listed owner is told', async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    // Hold the client's row FOR SHARE so neither sender can start (they lock it FOR NO KEY UPDATE;
    // the creates only need it to exist): both requests are saved before the first message of
    // either is decided.
    const trx = await stack.db.owner.transaction();
    let ids: string[];
    try {
      await trx.raw('select id from clients where id = ? for share', [client.id]);
      const a = await createFollowUp(stack, client.id, { title: 'Request A', dueDate: inDays(3), items: [{ description: 'Item of A' }], policy: POLICY });
      const b = await createFollowUp(stack, client.id, { title: 'Request B', dueDate: inDays(3), items: [{ description: 'Item of B' }], policy: POLICY, ownerId: stack.firm.users.manager.id });
      expect([a.status, b.status]).toEqual([201, 201]);
      ids = [a.body.id as string, b.body.id as string];
      await eventually('both senders waiting for the client', async () => (await blocked()) >= 2);
      relay.hold();
      await trx.commit();
    } catch (error) {
      await trx.rollback();
      throw error;
    }

    // The first sender lists both requests and is held at SMTP; the other waits for its fate.
    const going = await eventually('one message going out', async () => (await clientRows(client.id)).find((r) => r.status === 'sending') ?? null);
    expect([...going.follow_up_ids].sort()).toEqual([...ids].sort());
    await eventually('the relay holding it', async () => relay.held() >= 1);
    const x = going.follow_up_id!;
    const y = ids.find((id) => id !== x)!;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // Not recorded as merged while the message it would merge into is still going out.
    expect((await clientRows(client.id)).filter((r) => r.follow_up_id === y)).toEqual([]);

    relay.fail();
    const failed = await eventually('the message failed', async () => (await stack.db.owner('outbox').where({ id: going.id, status: 'failed' }).first()) ?? null);
    // Both owners are told: A's (staff, who created both) and B's (the manager).
    for (const user of [stack.firm.users.staff, stack.firm.users.manager]) {
      await eventually(`${user.email} told of the failure`, async () => (await stack.db.owner('notifications').where({ user_id: user.id, kind: 'follow_up.delivery_failed' }).whereRaw(`payload->>'outboxId' = ?`, [failed.id]).first()) ?? null);
    }
    // The other request's first message is not counted as sent: its plan moves it to the next day's send time.
    const moved = await eventually(`the plan of ${y} to move its first message`, async () => {
      const first = await initialOf(y);
      return first.status === 'planned' && Date.parse(first.at) > Date.now() ? first : null;
    });
    expect((await clientRows(client.id)).filter((r) => r.follow_up_id === y)).toEqual([]);
    // The failed request's own first message shows as not sent (skipped), as before.
    expect((await initialOf(x)).status).toBe('skipped');

    // Next day: one email, listing both requests.
    const [caught] = await waitForCaught(to, 1, Date.parse(moved.at) - Date.now() + 20_000);
    const text = (await caughtMessage(caught!.ID)).Text;
    expect({ a: text.includes('Item of A'), b: text.includes('Item of B') }).toEqual({ a: true, b: true });
    const yRow = await eventually('its first message sent', async () => (await clientRows(client.id)).find((r) => r.follow_up_id === y && r.slot_key.endsWith(':initial') && r.status === 'sent') ?? null);
    expect([...yRow.follow_up_ids].sort()).toEqual([...ids].sort());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await caughtTo(to)).length).toBe(1);
    await cancelAll(ids);
  });

  it('a first message deferred because the day\'s message went without it moves to the next day, across a continue-as-new', async () => {
    const client = stack.firm.clients[1]!;
    const to = await clientEmail(stack, client.id);
    const trx = await stack.db.owner.transaction();
    let b: Awaited<ReturnType<typeof createFollowUp>>;
    try {
      await trx.raw('select id from clients where id = ? for update', [client.id]);
      // The create reads the day's messages (none yet), then waits for the client's row to write the request.
      const creating = createFollowUp(stack, client.id, { title: 'Request B', dueDate: inDays(3), items: [{ description: 'Item of B' }], policy: POLICY });
      await eventually('the create waiting for the client', async () => (await blocked()) >= 1);
      // Meanwhile the client's message of the day goes out, from elsewhere, without B.
      await trx('outbox').insert({ firm_id: stack.firm.id, client_id: client.id, follow_up_id: null, slot_key: `test:other-message:${client.id}`, audience: 'client', template: 'reminder.initial', recipient: to, subject: 'Earlier message', status: 'sent', follow_up_ids: JSON.stringify([]), client_day: 0, created_at: new Date(), sent_at: new Date() });
      await trx.commit();
      b = await creating;
    } catch (error) {
      await trx.rollback().catch(() => undefined);
      throw error;
    }
    expect(b.status).toBe(201);
    const id = b.body.id as string;
    // Created before it could know: its plan at creation sends the first message at once.
    const atCreation = (b.body.schedule as Slot[])[0]!;
    expect(atCreation).toMatchObject({ kind: 'initial', status: 'planned' });
    const nextDay = Date.parse(atCreation.at) + DAY;

    // The sender finds the day's message without B: the recorded plan moves the first message to the next day's send time.
    const moved = await eventually('the plan to defer the first message', async () => {
      const first = await initialOf(id);
      return first.status === 'planned' && first.at !== atCreation.at ? first : null;
    });
    expect(Date.parse(moved.at)).toBe(nextDay);
    // The run continued as new after the deferral, before the next day.
    const handle = stack.temporal.client.workflow.getHandle(followUpWorkflowId(stack.firm.id, id));
    await eventually('a continued run', async () => Boolean((await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!.continuedExecutionRunId));
    expect(Date.now()).toBeLessThan(nextDay);
    // Nothing to the client that day: the day's message was the other one.
    expect((await clientRows(client.id)).filter((r) => r.follow_up_id === id)).toEqual([]);
    expect(await caughtTo(to)).toHaveLength(0);

    // Next day: one email, listing B.
    const [caught] = await waitForCaught(to, 1, nextDay - Date.now() + 20_000);
    expect((await caughtMessage(caught!.ID)).Text).toContain('Item of B');
    const row = await eventually('its first message sent', async () => (await clientRows(client.id)).find((r) => r.follow_up_id === id && r.slot_key.endsWith(':initial') && r.status === 'sent') ?? null);
    expect(row.follow_up_ids).toEqual([id]);
    expect(row.created_at.getTime()).toBeGreaterThanOrEqual(nextDay - 50);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await caughtTo(to)).toHaveLength(1);
    const shown = await eventually('the plan to show it sent', async () => ((await initialOf(id)).status === 'sent' ? await initialOf(id) : null));
    // Shown when its outbox row was written (the instant the one-message-a-day rule dates it by).
    expect(Date.parse(shown.at)).toBe(Math.floor(row.created_at.getTime() / 1000) * 1000);
    expect(Date.parse(shown.at)).toBeGreaterThanOrEqual(nextDay - 1000);
    await cancelAll([id]);
  });

  it('a later reminder listed in a first message that then fails is not shown merged, and a nudge that day sends', async () => {
    // A firm of its own: its client has had no message yet.
    const firm = await createTestFirm(stack.db, 'Relay Firm');
    const client = firm.clients[0]!;
    const token = await login(stack.api, firm.users.staff.email, firm.users.staff.password);
    const managerToken = await login(stack.api, firm.users.manager.email, firm.users.manager.password);
    const as = (method: string, path: string, body?: unknown) => call(stack.api, method, path, { token, body });
    const to = await clientEmail(stack, client.id);
    // POLICY has no quiet hours: A's first message may list B, and the nudge both, whatever the hour of their clocks.
    const create = (title: string, item: string) => as('POST', `/api/clients/${client.id}/follow-ups`, { title, dueDate: inDays(2), items: [{ description: item }], policy: POLICY });

    // B: its first message now, its T-1 reminder on business day 1.
    const b = await create('Request B', 'Item of B');
    expect(b.status).toBe(201);
    await waitForCaught(to, 1);
    const reminder = (b.body.schedule as Slot[]).find((s) => s.kind === 'anchored')!;
    const reminderAt = Date.parse(reminder.at);
    // Its only anchored slot (the schedule shows a handled message when it was written, so not by its planned instant).
    const reminderOf = async () => ((await as('GET', `/api/follow-ups/${b.body.id}`)).body.schedule as Slot[]).find((s) => s.kind === 'anchored');

    // A, made a few seconds before B's reminder: its first message lists A and B, and is held at SMTP.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, reminderAt - 6000 - Date.now())));
    relay.hold();
    const a = await create('Request A', 'Item of A');
    expect(a.status).toBe(201);
    const going = await eventually("A's first message going out", async () => (await clientRows(client.id)).find((r) => r.follow_up_id === a.body.id && r.status === 'sending') ?? null);
    expect([...going.follow_up_ids].sort()).toEqual([a.body.id, b.body.id].sort());
    await eventually('the relay holding it', async () => relay.held() >= 1);
    if (Date.now() >= reminderAt) throw new Error("A's message was not held before B's reminder was due: the machine is too slow for this test");

    // B's reminder comes due while A's message is going out: it waits for that message's fate.
    await new Promise((resolve) => setTimeout(resolve, reminderAt - Date.now() + 2000));
    expect((await clientRows(client.id)).filter((r) => r.follow_up_id === b.body.id && r.slot_key.includes(':anchored:'))).toEqual([]);
    relay.fail();
    await eventually('the message failed', async () => (await stack.db.owner('outbox').where({ id: going.id, status: 'failed' }).first()) ?? null);

    // The reminder failed with it: not merged (the client got nothing), so shown skipped, and its outbox row says why.
    const shown = await eventually("B's reminder handled", async () => {
      const slot = await reminderOf();
      return slot && slot.status !== 'planned' ? slot : null;
    });
    expect(shown.status).toBe('skipped');
    const bRow = (await clientRows(client.id)).find((r) => r.follow_up_id === b.body.id && r.slot_key.includes(':anchored:')) as OutboxRow & { error: string; merged_into: string };
    expect([bRow.status, bRow.error, bRow.merged_into]).toEqual(['skipped', 'the message it was listed in failed', going.id]);

    // The client heard nothing today, so a nudge of B sends (listing both requests).
    const nudged = await as('POST', `/api/follow-ups/${b.body.id}/nudge`);
    expect([nudged.status, nudged.body.status]).toEqual([202, 'sent']);
    const [, caught] = await waitForCaught(to, 2);
    const text = (await caughtMessage(caught!.ID)).Text;
    expect({ a: text.includes('Item of A'), b: text.includes('Item of B') }).toEqual({ a: true, b: true });
    for (const id of [a.body.id, b.body.id]) expect((await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: managerToken, body: {} })).status).toBe(200);
  });
});
