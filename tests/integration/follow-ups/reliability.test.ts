/**
 * Sending exactly once on the real stack: an activity retried after a timeout (its first attempt
 * stalls after the SMTP server accepted the message) sends one email; a worker stopped while the
 * workflow sleeps and started again after the slot sends that slot once; two requests of one
 * client share one message a day, their first messages included.
 */
import { call } from '../../harness/api';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { statusQuery } from '../../../workflows/follow-up-definitions';
import { clientEmail, createFollowUp, DAY_MS, eventually, inDays, startStack, type Stack } from './helpers';

// Each test waits on several steps of up to a minute each on a loaded machine: past jest's default
// budget a test would be failed while its body (its worker restart, its cancels) still ran into the next.
jest.setTimeout(180_000);

describe('follow-up sends', () => {
  let stack: Stack;
  const stalled: string[] = [];
  // One compressed clock for the requests a test makes together (null: each its own), as the real
  // IST clock is one for all: created a second apart under load, two requests' 4-second days would
  // otherwise stand six hours apart, and one's message could fall in the other's quiet hours.
  let clockAt: number | null = null;
  beforeAll(async () => {
    stack = await startStack({
      sharedClockAt: () => clockAt,
      sendTimeoutMs: 2000,
      mail: {
        // The first attempt of each first message stalls after SMTP accepted it, past its 2 s timeout.
        afterSmtpAccepted: async ({ slotKey, attempt }) => {
          if (attempt === 1 && slotKey.endsWith(':initial') && stalled.length === 0) {
            stalled.push(slotKey);
            // Past its 2 s timeout and until its retry has settled the message (however late a
            // loaded machine runs the retry): only then does this attempt go on to mark it.
            await eventually('the retry to settle the stalled message', async () => (await stack.db.owner('outbox').where({ slot_key: slotKey }).whereNot('status', 'sending').first()) ?? null);
          }
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function cancel(id: string) {
    const res = await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.manager, body: { note: 'test done' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
  }
  /** After a failed test: its chases must not send into the next test's client (its counts and merges). */
  async function endQuietly(ids: string[]) {
    for (const id of ids) await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.manager, body: { note: 'test ended' } }).catch(() => undefined);
  }
  /**
   * The client's outbox rows of these follow-ups, once none is still `sending` (the catcher holds an
   * email before its row is marked). Escalations to the firm's people are not the client's.
   */
  async function settledRows(ids: string[]) {
    return eventually("the client's outbox rows to be settled", async () => {
      const rows = await stack.db.owner('outbox').whereIn('follow_up_id', ids).where({ audience: 'client' }).orderBy('created_at');
      return rows.length > 0 && rows.every((r) => r.status !== 'sending') && rows;
    });
  }

  it('sends one message when the send activity is retried after a timeout', async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    const created = await createFollowUp(stack, client.id, { title: 'Retry check', dueDate: inDays(6), items: [{ description: 'Sales register' }] });
    expect(created.status).toBe(201);
    try {
      const row = await eventually(
        'the first message to be settled',
        async () => (await stack.db.owner('outbox').where({ follow_up_id: created.body.id, slot_key: `followup:${created.body.id}:initial` }).whereNot('status', 'sending').first()) ?? null,
      );
      expect(stalled).toEqual([`followup:${created.body.id}:initial`]);
      // The retry's start is recorded when it completes.
      await eventually('the send to be retried after its timeout', async () => {
        const history = await stack.temporal.client.workflow.getHandle(created.body.workflowId).fetchHistory();
        return history.events?.some((e) => e.activityTaskTimedOutEventAttributes || (e.activityTaskStartedEventAttributes?.attempt ?? 0) > 1);
      });
      expect(row).toMatchObject({ status: 'sent', recipient: to });
      expect(row.error).toMatch(/not confirmed/);
      // Let the stalled first attempt finish too: still one message. Counted by its message id: on a
      // loaded machine the T-1 reminder (same subject, 20 s of business days later) may come first.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const caught = await caughtTo(to);
      expect(caught.filter((m) => `<${m.MessageID}>` === row.message_id)).toHaveLength(1);
      await cancel(created.body.id);
    } finally {
      await endQuietly([created.body.id]);
    }
  });

  it('sends a slot once when the worker was down at its time and comes back after it', async () => {
    const client = stack.firm.clients[1]!;
    const to = await clientEmail(stack, client.id);
    // The T-2 slot falls on business day 3 (12 s after the first message): room for the first
    // message to settle and the worker to stop before it on a loaded machine. The next slot (T+30)
    // is far beyond the test.
    const created = await createFollowUp(stack, client.id, { title: 'Worker restart', dueDate: inDays(5), items: [{ description: 'Credit notes' }], policy: { deadlineOffsets: [2], overdueOffsets: [30], intervalDays: 30 } });
    expect(created.status).toBe(201);
    let down = false;
    try {
      await waitForCaught(to, 1);
      // The catcher holds the email before the send step marks it: stop the worker once it has, so
      // the outage covers the T-2 slot only.
      await settledRows([created.body.id]);
      const slot = created.body.schedule[1];
      expect(slot).toMatchObject({ kind: 'anchored', status: 'planned' });
      await stack.worker.shutdown();
      down = true;
      const slotAt = Date.parse(slot.at);
      if (Date.now() >= slotAt) throw new Error('the worker stopped after the T-2 slot was due: the machine is too slow for this test');
      // Down through the T-2 slot, then back.
      await new Promise((resolve) => setTimeout(resolve, slotAt - Date.now() + 1500));
      expect((await caughtTo(to)).length).toBe(1);
      stack.worker = await stack.startWorker();
      down = false;
      const after = await waitForCaught(to, 2);
      expect(after).toHaveLength(2);
      const rows = await settledRows([created.body.id]);
      expect(rows.map((r) => r.slot_key.split(':').slice(2).join(':'))).toEqual(['initial', expect.stringMatching(/^anchored:/)]);
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
      // Nothing else arrives: once the run has recorded both messages and has no send step pending or
      // retrying (a loaded machine may run one seconds late), a second send of the slot would be caught.
      const handle = stack.temporal.client.workflow.getHandle(created.body.workflowId);
      await eventually('the run to record both messages with no send pending', async () => {
        const [status, description] = await Promise.all([handle.query(statusQuery), handle.describe()]);
        return status.sentCount === 2 && !description.raw.pendingActivities?.some((a) => a.activityType?.name === 'followUpSendSlot');
      });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await caughtTo(to)).length).toBe(2);
      await cancel(created.body.id);
    } finally {
      // A failure while the worker was down must not leave the next test without one. Only a failed
      // test gets here with the worker down: a restart failing too is not thrown over its failure
      // (the next test then fails for want of a worker).
      if (down) {
        await stack.startWorker().then(
          (worker) => {
            stack.worker = worker;
          },
          () => undefined,
        );
      }
      await endQuietly([created.body.id]);
    }
  });

  it('merges two requests of one client into one message a day, listing both, first messages included', async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    const before = (await caughtTo(to)).length;
    // The overdue reminder (T+10) lies far beyond the test, however slowly a loaded machine runs it.
    const policy = { deadlineOffsets: [1], overdueOffsets: [10], intervalDays: 30 };
    clockAt = Date.now();
    const a = await createFollowUp(stack, client.id, { title: 'Request A', dueDate: inDays(2), items: [{ description: 'Item of A' }], policy });
    const b = await createFollowUp(stack, client.id, { title: 'Request B', dueDate: inDays(2), items: [{ description: 'Item of B' }], policy });
    clockAt = null;
    expect([a.status, b.status]).toEqual([201, 201]);
    try {
      // Day 0: one message (A's first; B's merges into it, or waits for day 1). Day 1 (T-1): one message for both.
      const caught = await waitForCaught(to, before + 2, 4 * DAY_MS + 20_000);
      const merged = await caughtMessage(caught[before + 1]!.ID);
      expect(merged.Text).toContain('Item of A');
      expect(merged.Text).toContain('Item of B');
      type Row = { id: string; follow_up_id: string; status: string; client_day: number; merged_into: string | null; follow_up_ids: string[] };
      const rows = await eventually('both requests\' slots of day 1 handled', async () => {
        const all = (await stack.db.owner('outbox').whereIn('follow_up_id', [a.body.id, b.body.id]).whereNotNull('client_day').orderBy('created_at')) as Row[];
        const lastDay = Math.max(...all.map((r) => r.client_day));
        const onLastDay = all.filter((r) => r.client_day === lastDay);
        return all.every((r) => r.status !== 'sending') && new Set(onLastDay.map((r) => r.follow_up_id)).size === 2 ? all : null;
      });
      const sent = rows.filter((r) => r.status === 'sent');
      expect(sent.map((r) => r.client_day)).toEqual([...new Set(sent.map((r) => r.client_day))]);
      expect(sent).toHaveLength(2);
      expect(sent[1]!.follow_up_ids.sort()).toEqual([a.body.id, b.body.id].sort());
      for (const r of rows.filter((x) => x.status === 'merged')) expect(sent.find((x) => x.id === r.merged_into)?.follow_up_ids).toContain(r.follow_up_id);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await caughtTo(to)).length).toBe(before + 2);
      for (const id of [a.body.id, b.body.id]) await cancel(id);
    } finally {
      await endQuietly([a.body.id, b.body.id]);
    }
  });
});
