/**
 * A message to a client lists its other open requests only when their own quiet hours allow a
 * message then, on the real stack (api, worker, Temporal, PostgreSQL, Mailpit) with compressed
 * business days. Request A waits for the next day's send time (the client already had its message
 * of the day) and is quiet all day but for its send time; request B, quiet never, sends at once:
 * its message must not carry A's items, and A's plan must keep agreeing with what was sent to it:
 * nothing under `sent` while its first message is `planned`, then exactly that first message.
 */
import { minuteOf, inQuietHours, positionOf, type FollowUpClock, type FollowUpPolicy } from '../../../domain/follow-ups';
import { call } from '../../harness/api';
import { caughtMessage, waitForCaught } from '../../harness/mail';
import { clientEmail, createFollowUp, eventually, inDays, startStack, TEST_POLICY, type Stack } from './helpers';

jest.setTimeout(300_000);

/** Long enough that A's business day 0 still holds X's message when A is made (10/24 of it before A). */
const DAY = 90_000;
const NEVER_QUIET = { from: '00:00', to: '00:00' };

type Slot = { key: string; at: string; kind: string; status: string };
type Row = { id: string; follow_up_id: string; follow_up_ids: string[]; status: string; created_at: Date };

describe('merging and quiet hours', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ dayMs: DAY });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const asManager = (method: string, path: string, body?: unknown) => call(stack.api, method, path, { token: stack.tokens.manager, body });

  it("a request inside its quiet hours is left out of another request's message, and its plan shows what was sent", async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    const create = async (title: string, item: string, policy: Partial<FollowUpPolicy>) => {
      const res = await createFollowUp(stack, client.id, { title, dueDate: inDays(5), items: [{ description: item }], policy: { ...TEST_POLICY, ...policy } });
      expect(res.status).toBe(201);
      return res.body as { id: string; schedule: Slot[] };
    };

    // X: the client's message of A's day 0.
    const x = await create('Request X', 'Item of X', { quietHours: NEVER_QUIET });
    await waitForCaught(to, 1);
    // A: quiet all day but 10:00, its send time; the day's message gone, its first message waits for the next day's 10:00.
    const a = await create('Request A', 'Item of A', { quietHours: { from: '10:01', to: '10:00' } });
    const aInitial = a.schedule.find((s) => s.kind === 'initial')!;
    expect([aInitial.status, Date.parse(aInitial.at) > Date.now()]).toEqual(['planned', true]);
    // B: never quiet, its day starting as it is made (send time 00:00): its first message goes at once, inside A's quiet hours.
    const b = await create('Request B', 'Item of B', { sendAt: '00:00', quietHours: NEVER_QUIET });
    const [, bMail] = await waitForCaught(to, 2);
    const bText = (await caughtMessage(bMail!.ID)).Text;
    expect({ b: bText.includes('Item of B'), a: bText.includes('Item of A') }).toEqual({ b: true, a: false });

    // A's plan agrees: its first message still planned, nothing sent to it yet.
    const before = (await asManager('GET', `/api/follow-ups/${a.id}`)).body as { schedule: Slot[]; sent: unknown[] };
    expect({ initial: before.schedule.find((s) => s.kind === 'initial')?.status, sent: before.sent }).toEqual({ initial: 'planned', sent: [] });

    // A's first message goes at its own send time (the next day's, or the day after when B's message fell on A's next day).
    const initial = await eventually("A's first message handled", async () => {
      const slot = ((await asManager('GET', `/api/follow-ups/${a.id}`)).body.schedule as Slot[]).find((s) => s.kind === 'initial');
      return slot && slot.status !== 'planned' ? slot : null;
    }, 3 * DAY);
    expect(initial.status).toBe('sent');
    const after = (await asManager('GET', `/api/follow-ups/${a.id}`)).body as { sent: Array<{ at: string }> };
    expect(after.sent).toHaveLength(1);
    const caught = await waitForCaught(to, 3);
    expect((await caughtMessage(caught.at(-1)!.ID)).Text).toContain('Item of A');

    // No client message listed another request inside that request's own quiet hours (a request's
    // own slot is timed by its plan, and may be written a moment late on this compressed day).
    const requests = new Map(((await stack.db.owner('follow_ups').where({ client_id: client.id })) as Array<{ id: string; policy: FollowUpPolicy; clock: FollowUpClock }>).map((r) => [r.id, r]));
    const rows = (await stack.db.owner('outbox').where({ client_id: client.id, audience: 'client' }).whereIn('status', ['sending', 'sent'])) as Row[];
    const violations = rows.flatMap((row) =>
      row.follow_up_ids
        .filter((id) => id !== row.follow_up_id)
        .map((id) => requests.get(id)!)
        .filter((r) => inQuietHours(r.policy, positionOf(r.clock, row.created_at.getTime()).minute))
        .map((r) => ({ message: row.id, listed: r.id, minute: positionOf(r.clock, row.created_at.getTime()).minute, quietFrom: minuteOf(r.policy.quietHours.from) })),
    );
    expect(violations).toEqual([]);
    for (const id of [x.id, a.id, b.id]) expect((await asManager('POST', `/api/follow-ups/${id}/cancel`, {})).status).toBe(200);
  });
});
