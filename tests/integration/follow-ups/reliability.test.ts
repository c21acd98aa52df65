/**
 * Sending exactly once on the real stack: an activity retried after a timeout (its first attempt
 * stalls after the SMTP server accepted the message) sends one email; a worker stopped while the
 * workflow sleeps and started again after the slot sends that slot once; two requests of one
 * client share one message a day.
 */
import { call } from '../../harness/api';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { clientEmail, createFollowUp, DAY_MS, eventually, inDays, startStack, type Stack } from './helpers';

describe('follow-up sends', () => {
  let stack: Stack;
  const stalled: string[] = [];
  beforeAll(async () => {
    stack = await startStack({
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

  it('sends one message when the send activity is retried after a timeout', async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    const created = await createFollowUp(stack, client.id, { title: 'Retry check', dueDate: inDays(6), items: [{ description: 'Sales register' }] });
    expect(created.status).toBe(201);
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
    // Let the stalled first attempt finish too: still one message.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const caught = await caughtTo(to);
    expect(caught.filter((m) => m.Subject.includes('Retry check'))).toHaveLength(1);
    await cancel(created.body.id);
  });

  it('sends a slot once when the worker was down at its time and comes back after it', async () => {
    const client = stack.firm.clients[1]!;
    const to = await clientEmail(stack, client.id);
    const created = await createFollowUp(stack, client.id, { title: 'Worker restart', dueDate: inDays(3), items: [{ description: 'Credit notes' }], policy: { deadlineOffsets: [2], overdueOffsets: [3], intervalDays: 30 } });
    expect(created.status).toBe(201);
    await waitForCaught(to, 1);
    const slot = created.body.schedule[1];
    expect(slot).toMatchObject({ kind: 'anchored', status: 'planned' });
    await stack.worker.shutdown();
    // Down through the T-1 slot, then back.
    const slotAt = Date.parse(slot.at);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, slotAt - Date.now()) + 1500));
    expect((await caughtTo(to)).length).toBe(1);
    stack.worker = await stack.startWorker();
    const after = await waitForCaught(to, 2);
    expect(after).toHaveLength(2);
    // The next slot (T+3) is days later: nothing else may arrive before it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rows = await stack.db.owner('outbox').where({ follow_up_id: created.body.id }).orderBy('created_at');
    expect(rows.map((r) => r.slot_key.split(':').slice(2).join(':'))).toEqual(['initial', expect.stringMatching(/^anchored:/)]);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect((await caughtTo(to)).length).toBe(2);
    await cancel(created.body.id);
  });

  it('merges two requests of one client into one message a day, listing both', async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    const before = (await caughtTo(to)).length;
    const policy = { deadlineOffsets: [1], overdueOffsets: [1], intervalDays: 30 };
    const a = await createFollowUp(stack, client.id, { title: 'Request A', dueDate: inDays(2), items: [{ description: 'Item of A' }], policy });
    const b = await createFollowUp(stack, client.id, { title: 'Request B', dueDate: inDays(2), items: [{ description: 'Item of B' }], policy });
    expect([a.status, b.status]).toEqual([201, 201]);
    // Both first messages (a new request is announced at once), then one T-1 message for both.
    const caught = await waitForCaught(to, before + 3, 4 * DAY_MS + 20_000);
    const merged = await caughtMessage(caught[before + 2]!.ID);
    expect(merged.Text).toContain('Item of A');
    expect(merged.Text).toContain('Item of B');
    const slots = await eventually('both T-1 slots handled', async () => {
      const rows = await stack.db.owner('outbox').whereIn('follow_up_id', [a.body.id, b.body.id]).where('slot_key', 'like', '%:anchored:%');
      return rows.length === 2 && rows.every((r) => r.status !== 'sending') ? rows : null;
    });
    expect(slots.map((r) => r.status).sort()).toEqual(['merged', 'sent']);
    const sentRow = slots.find((r) => r.status === 'sent')!;
    expect(slots.find((r) => r.status === 'merged')!.merged_into).toBe(sentRow.id);
    expect(sentRow.follow_up_ids.sort()).toEqual([a.body.id, b.body.id].sort());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await caughtTo(to)).length).toBe(before + 3);
    for (const id of [a.body.id, b.body.id]) await cancel(id);
  });
});
