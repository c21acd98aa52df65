/**
 * The send activity run alone (not through its workflow) against PostgreSQL, with the worker's
 * `Date.now()` pinned to the last millisecond of the day before: the same as a worker whose clock
 * crosses midnight between two readings of it. The day a slot's row counts for (its client_day,
 * which the plan and the nudge read) must be the day of the instant written as its created_at
 * (which the day's lookups read), and `writtenAt` must be that instant: one reading for all three.
 */
import { createFollowUpActivities } from '../../../activities/follow-ups';
import { instantOf, positionOf, type FollowUpClock } from '../../../domain/follow-ups';
import { createFollowUp, inDays, startStack, TEST_POLICY, type Stack } from './helpers';

jest.setTimeout(120_000);

describe('the day a slot is written on (activity alone)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    // No workflow sends here: the test drives the activity itself.
    await stack.worker.shutdown();
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await stack?.close();
  });

  it('dates the row, its day and writtenAt by one instant', async () => {
    const clientId = stack.firm.clients[0]!.id;
    const created = await createFollowUp(stack, clientId, { title: 'Bank statement', dueDate: inDays(10), policy: TEST_POLICY, items: [{ description: 'Bank statement' }] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const { clock } = (await stack.db.owner('follow_ups').where({ id }).first('clock')) as { clock: FollowUpClock };
    // Opted out: the slot is recorded (skipped) without any SMTP call.
    await stack.db.owner('clients').where({ id: clientId }).update({ email_opted_out_at: new Date() });
    // The last millisecond of the day before the one `new Date()` reads now.
    const pinned = instantOf(clock, positionOf(clock, Date.now()).day, 0) - 1;
    const activities = createFollowUpActivities({ knex: stack.db.app });
    const now = jest.spyOn(Date, 'now').mockReturnValue(pinned);
    let result;
    try {
      result = await activities.followUpSendSlot({ firmId: stack.firm.id, followUpId: id, key: 'probe', kind: 'interval', scheduledAt: pinned });
    } finally {
      now.mockRestore();
    }
    const row = await stack.db.owner('outbox').where({ follow_up_id: id }).whereLike('slot_key', '%:probe').first();
    const written = (row.created_at as Date).getTime();
    expect({ status: row.status, dayOfCreatedAt: positionOf(clock, written).day, writtenAt: result && 'writtenAt' in result ? result.writtenAt : null }).toEqual({
      status: 'skipped',
      dayOfCreatedAt: row.client_day,
      writtenAt: written,
    });
  });
});
