/**
 * Edges of a nudge merged into a message still going out, with the activities run alone (not
 * through their workflow) against PostgreSQL and a relay in front of the mail catcher that this
 * test holds and then makes fail. A nudge's send retried after its first attempt merged it (and
 * then timed out) still tells its workflow to read that message's fate. A message whose attempt
 * fails only after a merge settled it as sent (it had outlived its attempt's timeout) stays sent,
 * and so does what was merged into it: its slot answers sent (what the outbox says), its row keeps
 * the server's reply and the owner is told the delivery is not confirmed.
 */
import { createFollowUpActivities } from '../../../activities/follow-ups';
import { failedAfterRecordedSent } from '../../../activities/follow-up-outbox';
import { positionOf, type FollowUpClock } from '../../../domain/follow-ups';
import { followUpSlotKey } from '../../../workflows/follow-up-definitions';
import { testMailDeps } from '../../harness/temporal';
import { createFollowUp, eventually, inDays, startStack, TEST_POLICY, type Stack } from './helpers';
import { startRelay } from './smtp-relay';

jest.setTimeout(180_000);

const DAY = 600_000;

describe('a nudge merged into a message still going out (activities alone)', () => {
  let stack: Stack;
  let relay: Awaited<ReturnType<typeof startRelay>>;
  let followUpId: string;
  let clientId: string;
  let clock: FollowUpClock;
  beforeAll(async () => {
    relay = await startRelay();
    stack = await startStack({ dayMs: DAY });
    // No workflow sends here: the test drives the activities itself.
    await stack.worker.shutdown();
    clientId = stack.firm.clients[0]!.id;
    const created = await createFollowUp(stack, clientId, { title: 'Bank statement', dueDate: inDays(10), policy: TEST_POLICY, items: [{ description: 'Bank statement' }] });
    expect(created.status).toBe(201);
    followUpId = created.body.id as string;
    clock = ((await stack.db.owner('follow_ups').where({ id: followUpId }).first('clock')) as { clock: FollowUpClock }).clock;
  });
  afterAll(async () => {
    await stack?.close();
    await relay?.close();
  });

  const activities = () => createFollowUpActivities({ knex: stack.db.app, mail: testMailDeps({ secretBox: stack.api.security.secretBox, platformSmtpUrl: `smtp://127.0.0.1:${relay.port}` }) });
  const plant = async (key: string, fields: Record<string, unknown>, at: number): Promise<string> => {
    const client = await stack.db.owner('clients').where({ id: clientId }).first('email');
    const [row] = await stack.db
      .owner('outbox')
      .insert({ firm_id: stack.firm.id, client_id: clientId, follow_up_id: followUpId, slot_key: followUpSlotKey(followUpId, key), audience: 'client', template: 'reminder.interval', recipient: client.email, subject: key, follow_up_ids: JSON.stringify([followUpId]), client_day: positionOf(clock, at).day, created_at: new Date(at), updated_at: new Date(at), ...fields })
      .returning('id');
    return (row as { id: string }).id;
  };

  it("a nudge's retried send, merged by its first attempt into a message still going out, still asks for that message's fate", async () => {
    // Two days back, so that the next test's send does not see these as today's message.
    const at = Date.now() - 2 * DAY;
    const target = await plant('interval:earlier', { status: 'sending' }, at);
    await plant('nudge:1', { status: 'merged', merged_into: target, follow_up_ids: JSON.stringify([]) }, at + 1);
    const result = await activities().followUpSendSlot({ firmId: stack.firm.id, followUpId, key: 'nudge:1', kind: 'nudge', scheduledAt: at + 1, sendTimeoutMs: 600_000 });
    expect(result).toEqual({ status: 'merged', writtenAt: at + 1, awaitsMessage: true, mergedInto: target });
    // Once that message is settled, a retry answers without asking.
    await stack.db.owner('outbox').where({ id: target }).update({ status: 'sent' });
    expect(await activities().followUpSendSlot({ firmId: stack.firm.id, followUpId, key: 'nudge:1', kind: 'nudge', scheduledAt: at + 1, sendTimeoutMs: 600_000 })).toEqual({ status: 'merged', writtenAt: at + 1, mergedInto: target });
  });

  it('a message whose attempt fails after a merge settled it as sent stays sent, and the nudge merged into it stays merged', async () => {
    relay.hold();
    const sending = activities().followUpSendSlot({ firmId: stack.firm.id, followUpId, key: 'interval:late', kind: 'interval', scheduledAt: Date.now(), sendTimeoutMs: 600_000 });
    sending.catch(() => undefined);
    const going = await eventually('the message going out', async () => ((await stack.db.owner('outbox').where({ slot_key: followUpSlotKey(followUpId, 'interval:late'), status: 'sending' }).first('id', 'created_at')) as { id: string; created_at: Date } | undefined) ?? null);
    await eventually('the relay holding it', async () => relay.held() >= 1);
    await plant('nudge:2', { status: 'merged', merged_into: going.id, follow_up_ids: JSON.stringify([]) }, Date.now());
    // Judged against a tiny send timeout, the message has outlived its attempt: settled sent (unconfirmed).
    await eventually('the message to outlive a 1 ms attempt', async () => Date.now() - new Date(going.created_at).getTime() > 10);
    expect(await activities().followUpMergeOutcome({ firmId: stack.firm.id, followUpId, key: 'nudge:2', sendTimeoutMs: 1 })).toEqual({ status: 'merged' });
    // The attempt then fails for real: the slot answers what the outbox says, not what it saw.
    relay.fail();
    expect((await sending).status).toBe('sent');
    const target = (await stack.db.owner('outbox').where({ id: going.id }).first('status', 'error')) as { status: string; error: string };
    // The row keeps the server's reply, whatever words the SMTP client put it in.
    const [before, after] = failedAfterRecordedSent('\u0000').split('\u0000') as [string, string];
    expect({ status: target.status, error: target.error.startsWith(before) && target.error.endsWith(after) ? 'failed after recorded sent' : target.error }).toEqual({ status: 'sent', error: 'failed after recorded sent' });
    const told = await stack.db.owner('notifications').whereRaw(`payload->>'outboxId' = ?`, [going.id]).select('kind');
    expect(told).toEqual([{ kind: 'follow_up.delivery_unconfirmed' }]);
    const nudge = await stack.db.owner('outbox').where({ slot_key: followUpSlotKey(followUpId, 'nudge:2') }).first('status', 'error');
    expect([nudge.status, nudge.error]).toEqual(['merged', null]);
    expect(await activities().followUpMergeOutcome({ firmId: stack.firm.id, followUpId, key: 'nudge:2', sendTimeoutMs: 1 })).toEqual({ status: 'merged' });
  });
});
