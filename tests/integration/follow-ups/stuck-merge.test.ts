/**
 * A slot listed in the client's message of the day while that message is still `sending`, with the
 * send activity run alone (not through its workflow) against PostgreSQL. The message is planted in
 * the outbox as the row a send attempt that timed out (or whose worker died) leaves behind. Within
 * its send timeout the slot waits (a retryable failure, nothing written); once it has outlived it,
 * the slot settles the message as its own retry would (sent, "delivery not confirmed") and is merged
 * into it. Without a send timeout (a workflow from before it was passed) the slot only waits. A
 * nudge never waits: it is merged at once. The attempt that wrote the message, failing after that,
 * leaves it sent (and what merged into it merged): its owner is told the delivery is not confirmed,
 * never that it failed.
 */
import { createFollowUpActivities } from '../../../activities/follow-ups';
import { failedAfterRecordedSent, markDelivery } from '../../../activities/follow-up-outbox';
import { instantOf, positionOf, type FollowUpClock } from '../../../domain/follow-ups';
import { MERGE_TARGET_SENDING } from '../../../workflows/follow-up-definitions';
import { createFollowUp, eventually, inDays, startStack, TEST_POLICY, type Stack } from './helpers';

jest.setTimeout(180_000);

/** A business day of ten minutes: the planted message and the slots after it share one. */
const DAY = 600_000;

describe('a merge target stuck in sending (activity alone)', () => {
  let stack: Stack;
  let followUpId: string;
  let clock: FollowUpClock;
  let clientId: string;
  beforeAll(async () => {
    stack = await startStack({ dayMs: DAY });
    // No workflow sends here: the test drives the activity itself.
    await stack.worker.shutdown();
    clientId = stack.firm.clients[0]!.id;
    const created = await createFollowUp(stack, clientId, { title: 'Bank statement', dueDate: inDays(10), policy: TEST_POLICY, items: [{ description: 'Bank statement' }] });
    expect(created.status).toBe(201);
    followUpId = created.body.id as string;
    clock = ((await stack.db.owner('follow_ups').where({ id: followUpId }).first('clock')) as { clock: FollowUpClock }).clock;
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The client's message of the day, listing the follow-up, left `sending` by an attempt that never finished. */
  const plantSending = async (slot: string): Promise<string> => {
    await eventually('a minute of the day left', async () => instantOf(clock, positionOf(clock, Date.now()).day + 1, 0) - Date.now() > 60_000);
    const at = Date.now();
    const client = await stack.db.owner('clients').where({ id: clientId }).first('email');
    const [row] = await stack.db
      .owner('outbox')
      .insert({ firm_id: stack.firm.id, client_id: clientId, follow_up_id: null, slot_key: `test:planted:${slot}`, audience: 'client', template: 'reminder.initial', recipient: client.email, subject: 'Planted message', status: 'sending', follow_up_ids: JSON.stringify([followUpId]), client_day: positionOf(clock, at).day, created_at: new Date(at), updated_at: new Date(at) })
      .returning('id');
    return (row as { id: string }).id;
  };
  const activities = () => createFollowUpActivities({ knex: stack.db.app });
  const slotRow = (key: string) => stack.db.owner('outbox').where({ follow_up_id: followUpId }).whereLike('slot_key', `%:${key}`).first();
  const target = (id: string) => stack.db.owner('outbox').where({ id }).first();

  it('merges a nudge at once while the message it is listed in is still sending', async () => {
    const planted = await plantSending('nudge');
    const result = await activities().followUpSendSlot({ firmId: stack.firm.id, followUpId, key: 'nudge:probe', kind: 'nudge', scheduledAt: Date.now(), sendTimeoutMs: 600_000 });
    expect(result.status).toBe('merged');
    expect((await slotRow('nudge:probe')).merged_into).toBe(planted);
    expect((await target(planted)).status).toBe('sending');
  });

  it('waits for a message within its send timeout, or with no timeout given, then settles and merges once it outlived it', async () => {
    const planted = (await stack.db.owner('outbox').where({ slot_key: 'test:planted:nudge' }).first('id')).id as string;
    const input = { firmId: stack.firm.id, followUpId, key: 'interval:probe', kind: 'interval' as const, scheduledAt: Date.now() };
    for (const sendTimeoutMs of [600_000, undefined]) {
      await expect(activities().followUpSendSlot({ ...input, sendTimeoutMs })).rejects.toMatchObject({ type: MERGE_TARGET_SENDING });
    }
    expect(await slotRow('interval:probe')).toBeUndefined();
    expect((await target(planted)).status).toBe('sending');

    // A send timeout of 1 ms: the planted message has outlived it (and its margin) by now.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const result = await activities().followUpSendSlot({ ...input, sendTimeoutMs: 1 });
    expect(result.status).toBe('merged');
    const settled = await target(planted);
    expect([settled.status, settled.error]).toEqual(['sent', 'delivery not confirmed: the sending attempt was interrupted; not sent again']);
    expect((await slotRow('interval:probe')).merged_into).toBe(planted);
    // Settled in the slot's own transaction, audited as any settled message is.
    const audited = await stack.db.owner('audit_events').where({ entity_id: planted }).orderBy('seq').select('action');
    expect(audited.map((a: { action: string }) => a.action)).toContain('email.sent');
  });

  it('keeps a message a merge recorded sent when its own attempt then fails, and says its delivery is not confirmed', async () => {
    const planted = (await stack.db.owner('outbox').where({ slot_key: 'test:planted:nudge' }).first('id')).id as string;
    expect((await target(planted)).status).toBe('sent');
    const { owner_id: ownerId } = await stack.db.owner('follow_ups').where({ id: followUpId }).first('owner_id');
    // The attempt that wrote it comes back from the SMTP server with a failure.
    const recorded = await markDelivery(stack.db.app, stack.firm.id, planted, { ok: false, error: '421 4.4.2 connection dropped' }, { id: followUpId, ownerId });
    expect(recorded).toBe('sent');
    const row = await target(planted);
    expect([row.status, row.error]).toEqual(['sent', failedAfterRecordedSent('421 4.4.2 connection dropped')]);
    // What merged into it stays merged: the client's day had its message.
    expect([(await slotRow('nudge:probe')).status, (await slotRow('interval:probe')).status]).toEqual(['merged', 'merged']);
    const told = await stack.db.owner('notifications').whereRaw(`payload->>'outboxId' = ?`, [planted]).select('kind', 'user_id');
    expect(told).toEqual([{ kind: 'follow_up.delivery_unconfirmed', user_id: ownerId }]);
  });
});
