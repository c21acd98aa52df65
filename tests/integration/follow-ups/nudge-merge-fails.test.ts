/**
 * A nudge merged into the client's message of the day while that message is still going out, and
 * that message then fails, on the real stack (api, worker, Temporal, PostgreSQL, Mailpit behind a
 * relay this test makes fail) with compressed business days. A nudge never waits, so it answers
 * `merged` at once; once the message fails, the nudge failed with it: its outbox row says so, the
 * plan its workflow records has it `skipped` (never `merged`: the client got nothing), and a second
 * nudge that day is accepted and sent.
 */
import fs from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { positionOf, type FollowUpClock } from '../../../domain/follow-ups';
import { NUDGE_MERGE_FIXTURE, patchMarkers } from './history-fixtures';
import { call } from '../../harness/api';
import { caughtMessage, waitForCaught } from '../../harness/mail';
import { clientEmail, eventually, inDays, startStack, type Stack } from './helpers';
import { startRelay } from './smtp-relay';

jest.setTimeout(300_000);

const DAY = 90_000;
/** Nothing of the cadence on days 0 and 1 (T three days out); nights from 23:00 to 01:00. */
const POLICY = { deadlineOffsets: [1], overdueOffsets: [1], intervalDays: 30, quietHours: { from: '23:00', to: '01:00' } };

type Slot = { key: string; at: string; kind: string; status: string };
type OutboxRow = { id: string; follow_up_id: string | null; slot_key: string; status: string; error: string | null; merged_into: string | null; follow_up_ids: string[] };

describe('a nudge merged into a message that then fails', () => {
  let stack: Stack;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  beforeAll(async () => {
    relay = await startRelay();
    stack = await startStack({ dayMs: DAY, mail: { platformSmtpUrl: `smtp://127.0.0.1:${relay.port}` } });
  });
  afterAll(async () => {
    await stack?.close();
    await relay?.close();
  });

  it('is shown failed with it (not merged), its outbox row says why, and another nudge that day sends', async () => {
    const client = stack.firm.clients[0]!;
    const to = await clientEmail(stack, client.id);
    const as = (method: string, path: string, body?: unknown) => call(stack.api, method, path, { token: stack.tokens.staff, body });
    const create = (title: string, item: string) => as('POST', `/api/clients/${client.id}/follow-ups`, { title, dueDate: inDays(3), items: [{ description: item }], policy: POLICY });
    const rows = async (): Promise<OutboxRow[]> => (await stack.db.owner('outbox').where({ client_id: client.id, audience: 'client' }).orderBy('created_at')) as OutboxRow[];

    // B: its first message on its day 0.
    const b = await create('Request B', 'Item of B');
    expect(b.status).toBe(201);
    const bId = b.body.id as string;
    await waitForCaught(to, 1);
    const clock = ((await stack.db.owner('follow_ups').where({ id: bId }).first('clock')) as { clock: FollowUpClock }).clock;
    const first = await eventually("B's first message sent", async () => (await rows()).find((r) => r.follow_up_id === bId && r.status === 'sent') ?? null);
    const day0 = (await stack.db.owner('outbox').where({ id: first.id }).first('client_day')).client_day as number;

    // Early on day 1, outside the night: A is made, its first message lists A and B, and is held at SMTP.
    await eventually(
      'early on the next day',
      async () => {
        const at = positionOf(clock, Date.now());
        return at.day === day0 + 1 && at.minute >= 60 && at.minute < 240;
      },
      3 * DAY,
    );
    relay.hold();
    const a = await create('Request A', 'Item of A');
    expect(a.status).toBe(201);
    const aId = a.body.id as string;
    const going = await eventually("A's first message going out", async () => (await rows()).find((r) => r.follow_up_id === aId && r.status === 'sending') ?? null);
    expect([...going.follow_up_ids].sort()).toEqual([aId, bId].sort());
    await eventually('the relay holding it', async () => relay.held() >= 1);

    // B's nudge does not wait for that message: merged into it at once.
    const nudged = await as('POST', `/api/follow-ups/${bId}/nudge`);
    expect([nudged.status, nudged.body.status]).toEqual([202, 'merged']);
    relay.fail();
    await eventually('the message failed', async () => (await stack.db.owner('outbox').where({ id: going.id, status: 'failed' }).first()) ?? null);

    // The nudge failed with it: its outbox row says so, and the plan shows it skipped, never merged.
    const nudgeRow = (await rows()).find((r) => r.follow_up_id === bId && r.slot_key.endsWith(':nudge:1'))!;
    expect([nudgeRow.status, nudgeRow.error, nudgeRow.merged_into]).toEqual(['skipped', 'the message it was listed in failed', going.id]);
    // The plan the workflow records (nudges are in it, though the API lists them with what was sent).
    const shown = await eventually(
      "B's recorded plan to show the nudge's fate",
      async () => {
        const slot = ((await stack.db.owner('follow_ups').where({ id: bId }).first('schedule')).schedule as Slot[]).find((s) => s.key === 'nudge:1');
        return slot && slot.status !== 'merged' ? slot : null;
      },
      DAY / 2,
    );
    expect(shown.status).toBe('skipped');

    // The client heard nothing today: a second nudge of B is accepted and sent, listing both requests.
    const again = await as('POST', `/api/follow-ups/${bId}/nudge`);
    expect([again.status, again.body.status]).toEqual([202, 'sent']);
    const [, caught] = await waitForCaught(to, 2);
    const text = (await caughtMessage(caught!.ID)).Text;
    expect({ a: text.includes('Item of A'), b: text.includes('Item of B') }).toEqual({ a: true, b: true });
    if (positionOf(clock, Date.now()).day !== day0 + 1) throw new Error('the day ended during the test: the machine is too slow for it');
    for (const id of [aId, bId]) expect((await call(stack.api, 'POST', `/api/follow-ups/${id}/cancel`, { token: stack.tokens.manager, body: {} })).status).toBe(200);

    // B's run took the branch of the 'follow-up-nudge-merge-follows-its-message' patch: its history
    // is the replay fixture of that branch (follow-up-replay.test.ts), rewritten with UPDATE_HISTORY_FIXTURES=1.
    const handle = stack.temporal.client.workflow.getHandle(b.body.workflowId as string);
    expect(await handle.result()).toEqual({ state: 'cancelled' });
    const history = await handle.fetchHistory();
    expect(patchMarkers(history)).toContain('follow-up-nudge-merge-follows-its-message');
    if (process.env.UPDATE_HISTORY_FIXTURES === '1') fs.writeFileSync(NUDGE_MERGE_FIXTURE, `${historyToJSON(history)}\n`);
  });
});
