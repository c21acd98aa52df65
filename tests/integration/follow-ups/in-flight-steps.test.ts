/**
 * Steps still running when something else happens, on the real stack (api, worker, Temporal,
 * PostgreSQL, Mailpit behind a relay this test holds) with compressed business days:
 * - a nudge held at the SMTP server when staff cancel the request: once it goes out, the plan the
 *   lists show is the one the run ended with (the nudge in it, the day's slot it replaced gone);
 * - a scheduled slot listed in the client's message of the day while that message is held at the
 *   SMTP server (stalled after its greeting, so it outlasts them): its send is retried until its
 *   attempts run out, then the slot is recorded failed
 *   (shown skipped, nothing in the outbox under it) and the chase goes on.
 */
import { temporal } from '@temporalio/proto';
import { dateOf, positionOf, type FollowUpClock, type PlannedMessage } from '../../../domain/follow-ups';
import { MERGE_TARGET_SENDING, statusQuery } from '../../../workflows/follow-up-definitions';
import { presentSchedule } from '../../../api/follow-ups/present';
import { call } from '../../harness/api';
import { clientEmail, endLiveFollowUps, eventually, inDays, startStack, type Stack } from './helpers';
import { startRelay } from './smtp-relay';

jest.setTimeout(300_000);

const DAY = 90_000;
/** No quiet hours (from = to): a nudge early in the day is allowed. */
const POLICY = { deadlineOffsets: [1], overdueOffsets: [1], intervalDays: 30, quietHours: { from: '00:00', to: '00:00' } };
/** Attempts of a workflow step: the retries of a slot waiting for a held message run out in seconds. */
const ATTEMPTS = 3;

type OutboxRow = { id: string; follow_up_id: string | null; slot_key: string; status: string; client_day: number | null; follow_up_ids: string[] };

describe('steps in flight', () => {
  let stack: Stack;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  beforeAll(async () => {
    relay = await startRelay();
    stack = await startStack({ dayMs: DAY, sendAttempts: ATTEMPTS, mail: { platformSmtpUrl: `smtp://127.0.0.1:${relay.port}` } });
  });
  afterEach(async () => {
    // A failed test must not leave a held connection or a live chase behind for the next one.
    relay.fail();
    await endLiveFollowUps(stack);
  });
  afterAll(async () => {
    await stack?.close();
    await relay?.close();
  });

  const as = (method: string, path: string, body?: unknown) => call(stack.api, method, path, { token: stack.tokens.staff, body });
  const rowsOf = async (clientId: string): Promise<OutboxRow[]> => (await stack.db.owner('outbox').where({ client_id: clientId, audience: 'client' }).orderBy('created_at')) as OutboxRow[];
  const clockOf = async (id: string) => ((await stack.db.owner('follow_ups').where({ id }).first('clock')) as { clock: FollowUpClock }).clock;
  /** The follow-up's first message, settled as sent, and the business day it belongs to. */
  async function firstSent(clientId: string, id: string): Promise<number> {
    const first = await eventually('the first message sent', async () => (await rowsOf(clientId)).find((r) => r.follow_up_id === id && r.slot_key.endsWith(':initial') && r.status === 'sent') ?? null);
    return first.client_day!;
  }
  async function untilEarlyOn(clock: FollowUpClock, day: number, toMinute: number) {
    await eventually(
      `day ${day} before minute ${toMinute}`,
      async () => {
        const at = positionOf(clock, Date.now());
        return at.day === day && at.minute < toMinute;
      },
      3 * DAY,
    );
  }

  it('records the plan with the outcome of a nudge that was still going out when the request was cancelled', async () => {
    const client = stack.firm.clients[0]!;
    const created = await as('POST', `/api/clients/${client.id}/follow-ups`, { title: 'Nudged then cancelled', dueDate: inDays(2), items: [{ description: 'Stock statement' }], policy: POLICY });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const day0 = await firstSent(client.id, id);
    // The day after the first message has its own slot (T-1, at 10:00); a nudge early that day takes its place.
    expect(created.body.schedule.map((s: { kind: string }) => s.kind)).toEqual(['initial', 'anchored', 'overdue']);
    const clock = await clockOf(id);
    await untilEarlyOn(clock, day0 + 1, 8 * 60);

    relay.hold();
    const nudging = as('POST', `/api/follow-ups/${id}/nudge`);
    await eventually('the nudge held at the SMTP server', async () => relay.held() >= 1);
    const cancelled = await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.manager, body: { note: 'answered by phone' } });
    expect(cancelled.status).toBe(200);
    relay.release();
    const nudged = await nudging;
    expect([nudged.status, nudged.body.status]).toEqual([202, 'sent']);

    const handle = stack.temporal.client.workflow.getHandle(created.body.workflowId);
    expect(await handle.result()).toEqual({ state: 'cancelled' });
    // The plan the run ended with (a query of the closed run) is the one recorded for the lists.
    const final = (await handle.query(statusQuery)).plan.messages;
    const recorded = ((await stack.db.owner('follow_ups').where({ id }).first('schedule')) as { schedule: PlannedMessage[] }).schedule;
    expect(recorded).toEqual(final);
    expect(recorded.find((m) => m.key === 'nudge:1')?.status).toBe('sent');
    expect(recorded.filter((m) => m.kind === 'anchored' && positionOf(clock, m.at).day === day0 + 1)).toEqual([]);
    const shown = await as('GET', `/api/follow-ups/${id}`);
    expect(shown.body.schedule).toEqual(presentSchedule(final));
    expect(shown.body.schedule.map((s: { status: string }) => s.status)).toEqual(['sent', 'cancelled']);
  });

  it('records a slot failed once its retries ran out waiting for the message it is listed in, and goes on', async () => {
    const client = stack.firm.clients[1]!;
    await clientEmail(stack, client.id);
    const b = await as('POST', `/api/clients/${client.id}/follow-ups`, { title: 'Request B', dueDate: inDays(2), items: [{ description: 'Item of B' }], policy: POLICY });
    expect(b.status).toBe(201);
    const bId = b.body.id as string;
    const day0 = await firstSent(client.id, bId);
    const clock = await clockOf(bId);
    const slot = (b.body.schedule as Array<{ kind: string; at: string }>).find((s) => s.kind === 'anchored')!;
    // Keys carry the business date of the compressed clock, not the instant's calendar date.
    expect(positionOf(clock, Date.parse(slot.at)).day).toBe(day0 + 1);
    const slotKey = `followup:${bId}:anchored:${dateOf(day0 + 1)}`;

    // Shortly before B's T-1 slot, A is made: its first message lists A and B, and is stalled at the SMTP server.
    await eventually('shortly before the slot', async () => {
      const at = positionOf(clock, Date.now());
      return at.day === day0 + 1 && at.minute >= 8 * 60 + 30 && at.minute < 9 * 60 + 30;
    }, 3 * DAY);
    relay.stall();
    const a = await as('POST', `/api/clients/${client.id}/follow-ups`, { title: 'Request A', dueDate: inDays(4), items: [{ description: 'Item of A' }], policy: POLICY });
    expect(a.status).toBe(201);
    const going = await eventually("A's first message going out", async () => (await rowsOf(client.id)).find((r) => r.follow_up_id === a.body.id && r.status === 'sending') ?? null);
    expect([...going.follow_up_ids].sort()).toEqual([a.body.id, bId].sort());

    // B's slot waits for that message through each attempt, then is recorded failed: shown skipped.
    const handle = stack.temporal.client.workflow.getHandle(b.body.workflowId);
    const recordedSlot = await eventually(
      "B's plan to record the slot",
      async () => {
        const schedule = ((await stack.db.owner('follow_ups').where({ id: bId }).first('schedule')) as { schedule: PlannedMessage[] }).schedule;
        const found = schedule.find((m) => `followup:${bId}:${m.key}` === slotKey);
        return found && found.status !== 'planned' ? found : null;
      },
      2 * DAY,
    );
    expect(recordedSlot.status).toBe('skipped');
    const history = await handle.fetchHistory();
    const failures = (history.events ?? []).flatMap((e) => (e.activityTaskFailedEventAttributes ? [e.activityTaskFailedEventAttributes] : []));
    expect(failures.map((f) => [f.failure?.applicationFailureInfo?.type, f.retryState])).toEqual([[MERGE_TARGET_SENDING, temporal.api.enums.v1.RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED]]);
    const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(attempts).toContain(ATTEMPTS);
    // Nothing was written under its slot.
    expect((await rowsOf(client.id)).filter((r) => r.slot_key === slotKey)).toEqual([]);

    // The chase goes on: open, its overdue reminder still planned, its run still running.
    const status = await handle.query(statusQuery);
    expect([status.state, status.plan.messages.filter((m) => m.status === 'planned').map((m) => m.kind)]).toEqual(['open', ['overdue']]);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await as('GET', `/api/follow-ups/${bId}`)).body.status).toBe('open');
    // A's message fails (or, had its attempt outlived its timeout first, its retry recorded it sent, unconfirmed).
    relay.fail();
    await eventually("A's message settled", async () => (await stack.db.owner('outbox').where({ id: going.id }).whereNot('status', 'sending').first()) ?? null);
  });
});
