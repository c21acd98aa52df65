/**
 * A sending attempt that comes back after its outbox row stopped being `sending` by other means than
 * a settled send: the row was erased (the client's erasure deletes its outbox) or is `skipped`. With
 * the delivery activity's last step (markDelivery) run alone against PostgreSQL, on a row planted as
 * the attempt left it: the row is left as it is, the answer is `skipped`, and nobody is told that a
 * delivery failed or was not confirmed (those are for a message the outbox says failed or sent).
 */
import { markDelivery } from '../../../activities/follow-up-outbox';
import { createFollowUp, inDays, startStack, TEST_POLICY, type Stack } from './helpers';

jest.setTimeout(180_000);

describe('delivery of a message whose row was erased or skipped (activity step alone)', () => {
  let stack: Stack;
  let followUpId: string;
  let ownerId: string;
  let clientId: string;
  beforeAll(async () => {
    stack = await startStack();
    // No workflow sends here: the test drives the activity's step itself.
    await stack.worker.shutdown();
    clientId = stack.firm.clients[0]!.id;
    const created = await createFollowUp(stack, clientId, { title: 'Bank statement', dueDate: inDays(10), policy: TEST_POLICY, items: [{ description: 'Bank statement' }] });
    expect(created.status).toBe(201);
    followUpId = created.body.id as string;
    ({ owner_id: ownerId } = await stack.db.owner('follow_ups').where({ id: followUpId }).first('owner_id'));
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** A message listing the follow-up, as a sending attempt writes it, then put in `status`. */
  const plant = async (slot: string, status: 'sending' | 'skipped', error: string | null = null): Promise<string> => {
    const client = await stack.db.owner('clients').where({ id: clientId }).first('email');
    const [row] = await stack.db
      .owner('outbox')
      .insert({ firm_id: stack.firm.id, client_id: clientId, follow_up_id: followUpId, slot_key: `test:planted:${slot}`, audience: 'client', template: 'reminder.interval', recipient: client.email, subject: 'Planted message', status, error, follow_up_ids: JSON.stringify([followUpId]) })
      .returning('id');
    return (row as { id: string }).id;
  };
  const told = (rowId: string) => stack.db.owner('notifications').whereRaw(`payload->>'outboxId' = ?`, [rowId]).select('kind', 'user_id');

  it.each([
    ['fails', { ok: false as const, error: '421 4.4.2 connection dropped' }],
    ['is accepted', { ok: true as const, response: '250 OK' }],
  ])('leaves a skipped row as it is when its attempt %s, and tells nobody', async (how, outcome) => {
    const rowId = await plant(`skipped:${how}`, 'skipped', 'client unsubscribed from email');
    const recorded = await markDelivery(stack.db.app, stack.firm.id, rowId, outcome, { id: followUpId, ownerId });
    const row = await stack.db.owner('outbox').where({ id: rowId }).first('status', 'error', 'sent_at');
    expect({ recorded, row, told: await told(rowId) }).toEqual({ recorded: 'skipped', row: { status: 'skipped', error: 'client unsubscribed from email', sent_at: null }, told: [] });
  });

  it.each([
    ['fails', { ok: false as const, error: '421 4.4.2 connection dropped' }],
    ['is accepted', { ok: true as const, response: '250 OK' }],
  ])('writes nothing of an erased row when its attempt %s', async (how, outcome) => {
    const rowId = await plant(`erased:${how}`, 'sending');
    // The client's erasure deleted the row while the attempt was at the SMTP server.
    await stack.db.owner('outbox').where({ id: rowId }).delete();
    const recorded = await markDelivery(stack.db.app, stack.firm.id, rowId, outcome, { id: followUpId, ownerId });
    const row = await stack.db.owner('outbox').where({ id: rowId }).first('id');
    expect({ recorded, row, told: await told(rowId) }).toEqual({ recorded: 'skipped', row: undefined, told: [] });
  });

  it('still tells the owner of a row that failed, and keeps a sent one sent with "not confirmed"', async () => {
    const failing = await plant('sending:fails', 'sending');
    expect(await markDelivery(stack.db.app, stack.firm.id, failing, { ok: false, error: '550 5.1.1 no such user' }, { id: followUpId, ownerId })).toBe('failed');
    expect(await told(failing)).toEqual([{ kind: 'follow_up.delivery_failed', user_id: ownerId }]);
    const recordedSent = await plant('sent:fails', 'sending');
    await stack.db.owner('outbox').where({ id: recordedSent }).update({ status: 'sent', sent_at: new Date() });
    expect(await markDelivery(stack.db.app, stack.firm.id, recordedSent, { ok: false, error: '421 4.4.2 connection dropped' }, { id: followUpId, ownerId })).toBe('sent');
    expect(await told(recordedSent)).toEqual([{ kind: 'follow_up.delivery_unconfirmed', user_id: ownerId }]);
  });
});
