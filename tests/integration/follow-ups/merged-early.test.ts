/**
 * A request's step that rode along early in another request's message, on the real stack (api,
 * worker, Temporal, PostgreSQL, Mailpit) with compressed business days. Request B sends its first
 * message at its 23:00 and plans its reminder for the next day's 23:00. Early on that next day
 * request A is made and its first message goes at once, listing B's open item: the client has now
 * been asked about B for that day. B's plan shows that reminder merged into A's message at once
 * (when A's message was written, and which message), not `planned` until 23:00, and it never goes.
 */
import { dateOf, istIso, positionOf, type FollowUpClock } from '../../../domain/follow-ups';
import { followUpSlotKey } from '../../../workflows/follow-up-definitions';
import { call } from '../../harness/api';
import { caughtMessage, caughtTo, waitForCaught } from '../../harness/mail';
import { clientEmail, createFollowUp, eventually, inDays, startStack, type Stack } from './helpers';

jest.setTimeout(300_000);

const DAY = 90_000;
const NEVER_QUIET = { from: '00:00', to: '00:00' };

type Slot = { at: string; kind: string; status: string; mergedInto?: { at: string; subject: string | null; messageId: string | null } };
type Escalation = { at: string; reason: string; status: string };
type OutboxRow = { id: string; follow_up_id: string; slot_key: string; status: string; subject: string; message_id: string | null; merged_into: string | null; follow_up_ids: string[]; created_at: Date; sent_at: Date | null };

describe("a step listed early in another request's message", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ dayMs: DAY });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const asManager = (method: string, path: string, body?: unknown) => call(stack.api, method, path, { token: stack.tokens.manager, body });

  it('is shown merged into that message at once, and is never sent at its own time', async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    const rows = async (): Promise<OutboxRow[]> => (await stack.db.owner('outbox').where({ client_id: client.id, audience: 'client' }).orderBy('created_at')) as OutboxRow[];

    // B: due tomorrow, its reminder on T (tomorrow) at 23:00, an overdue one the day after.
    const b = await createFollowUp(stack, client.id, { title: 'Request B', dueDate: inDays(1), items: [{ description: 'Item of B' }], policy: { sendAt: '23:00', quietHours: NEVER_QUIET, deadlineOffsets: [0], overdueOffsets: [1], intervalDays: 30 } });
    expect(b.status).toBe(201);
    const bId = b.body.id as string;
    await waitForCaught(to, 1);
    const clock = ((await stack.db.owner('follow_ups').where({ id: bId }).first('clock')) as { clock: FollowUpClock }).clock;
    const day0 = positionOf(clock, Date.parse(b.body.createdAt as string)).day;
    const reminder = (b.body.schedule as Slot[]).find((s) => s.kind === 'anchored')!;
    expect({ day: positionOf(clock, Date.parse(reminder.at)).day, status: reminder.status }).toEqual({ day: day0 + 1, status: 'planned' });

    // B's next day has begun (its 00:00, an hour of its clock after its first message).
    await eventually("B's next day", async () => positionOf(clock, Date.now()).day === day0 + 1, 2 * DAY);
    // A: its day begins as it is made (send time 00:01), so B's first message is not its day's: it sends at once, listing B.
    const a = await createFollowUp(stack, client.id, { title: 'Request A', dueDate: inDays(5), items: [{ description: 'Item of A' }], policy: { sendAt: '00:01', quietHours: NEVER_QUIET, deadlineOffsets: [1, 0], overdueOffsets: [1], intervalDays: 30 } });
    expect(a.status).toBe(201);
    const aId = a.body.id as string;
    const [, aMail] = await waitForCaught(to, 2);
    const text = (await caughtMessage(aMail!.ID)).Text;
    expect({ a: text.includes('Item of A'), b: text.includes('Item of B') }).toEqual({ a: true, b: true });
    const aRow = await eventually("A's message sent", async () => (await rows()).find((r) => r.follow_up_id === aId && r.status === 'sent') ?? null);
    expect([...aRow.follow_up_ids].sort()).toEqual([aId, bId].sort());
    // Written on B's day of the reminder, before the reminder's own time.
    expect(positionOf(clock, aRow.created_at.getTime()).day).toBe(day0 + 1);

    // B's plan: the reminder merged into A's message, shown when that message was written, naming it.
    const merged = await eventually(
      "B's reminder shown merged into A's message",
      async () => {
        const slot = ((await asManager('GET', `/api/follow-ups/${bId}`)).body.schedule as Slot[]).find((s) => s.kind === 'anchored');
        return slot?.status === 'merged' ? slot : null;
      },
      DAY,
    );
    expect(merged).toEqual({ kind: 'anchored', status: 'merged', at: istIso(aRow.created_at.getTime()), mergedInto: { at: istIso((aRow.sent_at ?? aRow.created_at).getTime()), subject: aRow.subject, messageId: aRow.message_id } });
    const slotRow = (await rows()).find((r) => r.slot_key === followUpSlotKey(bId, `anchored:${dateOf(day0 + 1)}`));
    expect([slotRow?.status, slotRow?.merged_into]).toEqual(['merged', aRow.id]);

    // It never goes: once B's clock is past the reminder's own time (B has told the managers T passed,
    // at T+1 00:00), the client still has the two messages, and B's plan still shows it merged.
    await eventually(
      "B's alert that T passed",
      async () => ((await asManager('GET', `/api/follow-ups/${bId}`)).body.escalations as Escalation[]).some((e) => e.reason === 'due_passed' && e.status === 'sent'),
      2 * DAY,
    );
    expect(Date.now()).toBeGreaterThan(Date.parse(reminder.at));
    expect((await caughtTo(to)).length).toBe(2);
    const after = ((await asManager('GET', `/api/follow-ups/${bId}`)).body.schedule as Slot[]).find((s) => s.kind === 'anchored');
    expect(after).toEqual(merged);
    expect((await rows()).filter((r) => r.follow_up_id === bId).map((r) => r.status)).toEqual(['sent', 'merged']);

    for (const id of [aId, bId]) expect((await asManager('POST', `/api/follow-ups/${id}/cancel`, {})).status).toBe(200);
  });
});
