/**
 * One message per client per day, first messages included, on the real stack (api, worker,
 * Temporal, PostgreSQL, Mailpit) with compressed business days: requests made together for one
 * client send one email that day, which lists them (or the later ones wait for the next day's send
 * time); a request made after the client's message of the day plans its first message for the next
 * day's send time, says so in its plan, and the next day's one email lists both requests.
 *
 * The requests of each test share one compressed clock (`sharedClockAt`), as the real IST clock is
 * one grid for every request: on clocks of their own, anchored at each creation, a first message
 * written late (a loaded machine) falls between two requests' midnights and counts toward a
 * different day for each, so two messages on "one day" were the clocks' disagreement, not the rule's.
 * Every expected instant is read from that clock, never from how fast the stack ran.
 */
import { instantOf, istIso, minuteOf, type FollowUpClock } from '../../../domain/follow-ups';
import { call } from '../../harness/api';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { clientEmail, createFollowUp, eventually, inDays, startStack, type Stack } from './helpers';

const DAY = 8000;
/** Anchored on T-1 and overdue on T+1 only: with T three days out, nothing of the cadence falls on days 0 and 1. */
const POLICY = { deadlineOffsets: [1], overdueOffsets: [1], intervalDays: 30 };

type Slot = { at: string; kind: string; status: string };
type OutboxRow = { follow_up_id: string; slot_key: string; status: string; client_day: number | null; merged_into: string | null; follow_up_ids: string[]; id: string; audience: string; created_at: Date };

describe('one message per client per day', () => {
  let stack: Stack;
  /** The send time of the clock the requests created from now on share. */
  let clockAt: number | null = null;
  beforeAll(async () => {
    stack = await startStack({ dayMs: DAY, sharedClockAt: () => clockAt });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const asManager = (method: string, path: string, body?: unknown) => call(stack.api, method, path, { token: stack.tokens.manager, body });
  async function cancelAll(ids: string[]) {
    for (const id of ids) expect((await asManager('POST', `/api/follow-ups/${id}/cancel`, {})).status).toBe(200);
  }
  const clientRows = async (clientId: string): Promise<OutboxRow[]> => (await stack.db.owner('outbox').where({ client_id: clientId, audience: 'client' }).orderBy('created_at')) as OutboxRow[];
  /** Every business day's sent messages to the client: never more than one. */
  function sentPerDay(rows: OutboxRow[]): Record<string, number> {
    const days: Record<string, number> = {};
    for (const r of rows) if (r.client_day !== null && (r.status === 'sent' || r.status === 'sending')) days[r.client_day] = (days[r.client_day] ?? 0) + 1;
    return days;
  }

  it('three requests made together for one client send one email that day; each is listed in it or waits for the next day', async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    const titles = ['Purchase bills', 'Bank statement', 'Credit notes'];
    clockAt = Date.now();
    const created = await Promise.all(titles.map((title) => createFollowUp(stack, client.id, { title, dueDate: inDays(3), items: [{ description: `${title} for November` }], policy: POLICY })));
    expect(created.map((c) => c.status)).toEqual([201, 201, 201]);
    const ids = created.map((c) => c.body.id as string);

    // Every first message handled: sent, merged into the one that went, or (listed in none) gone the next day.
    const initials = await eventually(
      'every first message handled',
      async () => {
        const rows = (await clientRows(client.id)).filter((r) => r.slot_key.endsWith(':initial'));
        return rows.length === 3 && rows.every((r) => r.status !== 'sending') ? rows : null;
      },
      4 * DAY,
    );
    expect(initials.filter((r) => r.status === 'sent').length).toBeGreaterThanOrEqual(1);
    expect(initials.every((r) => r.status === 'sent' || r.status === 'merged')).toBe(true);
    const rows = await clientRows(client.id);
    // Never two on one day: the rule the three requests made together broke.
    for (const [day, count] of Object.entries(sentPerDay(rows))) expect({ day, count }).toEqual({ day, count: 1 });
    // A merged first message is listed in the message it merged into; each request is in some sent message.
    for (const r of initials.filter((x) => x.status === 'merged')) {
      const into = rows.find((x) => x.id === r.merged_into);
      expect({ slot: r.slot_key, listed: into?.follow_up_ids.includes(r.follow_up_id) }).toEqual({ slot: r.slot_key, listed: true });
    }
    const sent = rows.filter((r) => r.status === 'sent');
    for (const id of ids) expect({ id, listed: sent.some((r) => r.follow_up_ids.includes(id)) }).toEqual({ id, listed: true });
    // The catcher agrees: one email per day sent, no more.
    const caught = await caughtTo(to);
    expect(caught.length).toBe(sent.length);
    // The plans say the same once recorded: each first message as its outbox row says, none planned any more.
    for (const id of ids) {
      const outcome = initials.find((r) => r.follow_up_id === id)!.status;
      await eventually(`the plan of ${id} to show its first message ${outcome}`, async () => {
        const detail = await asManager('GET', `/api/follow-ups/${id}`);
        return (detail.body.schedule as Slot[]).find((s) => s.kind === 'initial')?.status === outcome;
      });
    }
    await cancelAll(ids);
  });

  it('a request made after the client had its message of the day plans its first message for the next day, and that one email lists both', async () => {
    const client = stack.firm.clients[1]!;
    const to = await clientEmail(stack, client.id);
    clockAt = Date.now();
    const a = await createFollowUp(stack, client.id, { title: 'Request A', dueDate: inDays(3), items: [{ description: 'Item of A' }], policy: POLICY });
    expect(a.status).toBe(201);
    await waitForCaught(to, 1);
    const aRow = await eventually('the first message settled', async () => (await clientRows(client.id)).find((r) => r.slot_key.endsWith(':initial') && r.status === 'sent'));

    const b = await createFollowUp(stack, client.id, { title: 'Request B', dueDate: inDays(3), items: [{ description: 'Item of B' }], policy: POLICY });
    expect(b.status).toBe(201);
    // Its plan says when: the send time of the day after the day of A's message, on the clock both share, not now.
    const clock = ((await stack.db.owner('follow_ups').where({ id: b.body.id }).first('clock')) as { clock: FollowUpClock }).clock;
    const initial = (b.body.schedule as Slot[])[0]!;
    expect(initial).toMatchObject({ kind: 'initial', status: 'planned' });
    const at = Date.parse(initial.at);
    expect(istIso(at)).toBe(istIso(instantOf(clock, aRow.client_day! + 1, minuteOf('10:00'))));

    // Nothing more that day.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now() - 1500)));
    expect((await caughtTo(to)).length).toBe(1);

    // Next day: one email, listing A's and B's items.
    const [, second] = await waitForCaught(to, 2, 30_000);
    const text = (await caughtMessage(second!.ID)).Text;
    expect({ a: text.includes('Item of A'), b: text.includes('Item of B') }).toEqual({ a: true, b: true });
    const bRow = await eventually('B\'s first message handled', async () => (await clientRows(client.id)).find((r) => r.follow_up_id === b.body.id && r.slot_key.endsWith(':initial') && r.status !== 'sending'));
    expect(['sent', 'merged']).toContain(bRow.status);
    const rows = await clientRows(client.id);
    for (const [day, count] of Object.entries(sentPerDay(rows))) expect({ day, count }).toEqual({ day, count: 1 });
    // Still two emails once day 1 is over (A's next slot is its T-1, on day 2).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + DAY * 0.8 - Date.now())));
    expect((await caughtTo(to)).length).toBe(2);
    const shown = await eventually('B\'s plan to show its first message handled', async () => {
      const first = ((await asManager('GET', `/api/follow-ups/${b.body.id}`)).body.schedule as Slot[])[0];
      return first?.status === bRow.status ? first : null;
    });
    // Shown when its outbox row was written, the instant the one-message-a-day rule dates it by (on its planned day).
    expect(shown).toMatchObject({ kind: 'initial', status: bRow.status, at: istIso(bRow.created_at.getTime()) });
    expect(Date.parse(shown.at)).toBeGreaterThanOrEqual(at - 1000);
    await cancelAll([a.body.id, b.body.id]);
  });
});
