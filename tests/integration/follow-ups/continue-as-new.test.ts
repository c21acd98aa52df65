/**
 * A follow-up's workflow continues as new when its history grows long (the limit made small here),
 * on the real Temporal server, PostgreSQL and the mail catcher: the new run carries what happened
 * (messages sent, the due date, what is outstanding), so no slot is sent twice, the plan goes on,
 * and a cancel still ends it, even one that arrives while the send before the hand-over is in flight.
 */
import type { temporal } from '@temporalio/proto';
import { followUpWorkflowId, statusQuery } from '../../../workflows/follow-up-definitions';
import { call } from '../../harness/api';
import { waitForCaught } from '../../harness/mail';
import { clientEmail, createFollowUp, eventually, inDays, startStack, type Stack } from './helpers';

jest.setTimeout(120_000);

/** Every run of one workflow id, oldest first, each with its events. */
async function runsOf(stack: Stack, workflowId: string): Promise<temporal.api.history.v1.IHistoryEvent[][]> {
  const runs: temporal.api.history.v1.IHistoryEvent[][] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await stack.temporal.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history.events ?? []);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return runs;
  }
}

describe('follow-up workflow continue-as-new', () => {
  let stack: Stack;
  // While set, an anchored reminder's send stalls after SMTP accepted it, until released.
  let gate: { stalled: boolean; released: Promise<void> } | null = null;
  beforeAll(async () => {
    stack = await startStack({
      historyLimit: 15,
      mail: {
        afterSmtpAccepted: async ({ slotKey }) => {
          const held = gate;
          if (held && slotKey.includes(':anchored:')) {
            held.stalled = true;
            await held.released;
          }
        },
      },
    });
  });
  afterAll(() => stack?.close());

  it('carries the sent messages and the plan across runs; nothing is sent twice; it still ends on cancel', async () => {
    const client = stack.firm.clients[1]!;
    const email = await clientEmail(stack, client.id);
    const created = await createFollowUp(stack, client.id, { title: 'Long chase', dueDate: inDays(2), items: [{ description: 'Purchase bills' }, { description: 'Credit notes' }] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const handle = stack.temporal.client.workflow.getHandle(followUpWorkflowId(stack.firm.id, id));
    const started = async () => (await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;

    try {
      // The initial message and the T-1 reminder: by then the history passed the limit at least once.
      await waitForCaught(email, 2, 60_000);
      await eventually('a continued run', async () => Boolean((await started()).continuedExecutionRunId));
      // The catcher holds an email as soon as SMTP accepts it, before the send step returns to the
      // workflow (and a later reminder may be in flight at any moment): the run is compared with the
      // outbox at a moment they agree on, which a run that lost a message never reaches.
      let last = '';
      const { status, sentSlots } = await eventually('the continued run to know every message sent', async () => {
        const seen = await handle.query(statusQuery);
        const rows = (await stack.db.owner('outbox').where({ firm_id: stack.firm.id, follow_up_id: id, audience: 'client' }).whereIn('status', ['sent', 'sending']).pluck('slot_key')) as string[];
        last = `run knows ${seen.sentCount}, outbox holds ${rows.join(', ')}`;
        return seen.sentCount >= 2 && seen.sentCount === rows.length && { status: seen, sentSlots: rows };
      }).catch((error: Error) => {
        throw new Error(`${error.message}: ${last}`);
      });
      // The continued run knows every message the earlier runs sent.
      expect(status.sentCount).toBe(sentSlots.length);
      expect(status.plan.messages.filter((m) => m.status === 'sent').map((m) => m.key).sort()).toEqual(sentSlots.map((k) => k.split(':').slice(2).join(':')).sort());
      expect(status.outstanding).toBe(2);
      expect(status.dueDate).toBe(inDays(2));

      await eventually('the T reminder', async () => (await stack.db.owner('outbox').where({ follow_up_id: id, audience: 'client', status: 'sent' })).length >= 3);
      const cancelled = await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.staff, body: { note: 'done here' } });
      expect(cancelled.status).toBe(200);
      expect(await handle.result()).toEqual({ state: 'cancelled' });
      const rows = (await stack.db.owner('outbox').where({ follow_up_id: id, audience: 'client' }).whereIn('status', ['sent', 'sending']).pluck('slot_key')) as string[];
      expect(new Set(rows).size).toBe(rows.length);
      // The catcher holds exactly one email per sent slot.
      const caught = await waitForCaught(email, rows.length);
      expect(caught.filter((m) => m.Subject.includes('Long chase'))).toHaveLength(rows.length);
    } finally {
      // A failed assertion must not leave this chase sending into the next test (its reminders
      // would meet that test's gate).
      await handle.terminate('test ended').catch(() => undefined);
    }
  });

  it('a cancel that arrives while the send before a hand-over is in flight ends the request: no later run sends or escalates', async () => {
    const client = stack.firm.clients[0]!;
    let release!: () => void;
    const held = { stalled: false, released: new Promise<void>((resolve) => (release = resolve)) };
    gate = held;
    try {
      const created = await createFollowUp(stack, client.id, { title: 'Cancelled mid-send', dueDate: inDays(2), items: [{ description: 'Purchase bills' }] });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const workflowId = followUpWorkflowId(stack.firm.id, id);
      // By the T-1 reminder the history is past the limit: the step's end is where the run hands over.
      await eventually('the T-1 reminder in flight', () => held.stalled);
      const cancelled = await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.staff, body: { note: 'client called' } });
      expect(cancelled.status).toBe(200);
      release();
      expect(await stack.temporal.client.workflow.getHandle(workflowId).result()).toEqual({ state: 'cancelled' });

      const runs = await runsOf(stack, workflowId);
      const flat = runs.flatMap((events, run) => events.map((e) => ({ run, e })));
      const acceptedAt = flat.findIndex(({ e }) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(acceptedAt).toBeGreaterThan(-1);
      const stepsAfter = flat
        .slice(acceptedAt)
        .map(({ run, e }) => ({ run, activity: e.activityTaskScheduledEventAttributes?.activityType?.name }))
        .filter((s) => s.activity === 'followUpSendSlot' || s.activity === 'followUpEscalate');
      expect(stepsAfter).toEqual([]);
      const outbox = (await stack.db.owner('outbox').where({ follow_up_id: id, audience: 'client' }).orderBy('created_at').pluck('slot_key')) as string[];
      expect(outbox.map((k) => k.split(':')[2])).toEqual(['initial', 'anchored']);
    } finally {
      release();
      gate = null;
    }
  });
});
