/**
 * The send activity's lock on the client's row against the firm's audit lock, with the activity run
 * alone (not through its workflow) against PostgreSQL. Every audited write takes the firm's audit
 * lock to commit; a transaction holding it that then writes a row referencing the client (its
 * foreign key check takes FOR KEY SHARE on the client's row) must not meet a sender that holds the
 * client's row and then waits for the audit lock. The retried send settles the message its timed-out
 * attempt left `sending` in its own transaction, and holds the client FOR NO KEY UPDATE: the other
 * transaction's insert goes through, commits, and the send then finishes. Senders of one client
 * still take turns.
 */
import type { Knex } from 'knex';
import { createFollowUpActivities } from '../../../activities/follow-ups';
import { positionOf, type FollowUpClock } from '../../../domain/follow-ups';
import { followUpSlotKey } from '../../../workflows/follow-up-definitions';
import { createFollowUp, eventually, inDays, startStack, TEST_POLICY, type Stack } from './helpers';

jest.setTimeout(180_000);

type Waiter = { pid: number; query: string; blockedBy: number[] };

describe('the send activity holding the client while the audit lock is elsewhere (activity alone)', () => {
  let stack: Stack;
  let followUpId: string;
  let clientId: string;
  let clock: FollowUpClock;
  beforeAll(async () => {
    stack = await startStack({ dayMs: 600_000 });
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

  const activities = () => createFollowUpActivities({ knex: stack.db.app });
  const waiters = async (): Promise<Waiter[]> =>
    (await stack.db.owner.raw(`select pid, query, pg_blocking_pids(pid) as blocked_by from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows.map(
      (r: { pid: number; query: string; blocked_by: number[] }) => ({ pid: r.pid, query: r.query, blockedBy: r.blocked_by }),
    );
  const pidOf = async (trx: Knex.Transaction) => ((await trx.raw('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
  const holdAuditLock = (trx: Knex.Transaction) => trx.raw(`select pg_advisory_xact_lock(hashtextextended('taalmel.audit:' || ?, 0))`, [stack.firm.id]);

  it('a retried send settles its message while another transaction holds the audit lock and writes a follow-up for the client: both go through', async () => {
    // The row a send attempt that timed out (or whose worker died) leaves behind under its slot.
    const key = 'interval:retried';
    const client = await stack.db.owner('clients').where({ id: clientId }).first('email');
    const at = Date.now();
    const [planted] = await stack.db
      .owner('outbox')
      .insert({ firm_id: stack.firm.id, client_id: clientId, follow_up_id: followUpId, slot_key: followUpSlotKey(followUpId, key), audience: 'client', template: 'reminder.interval', recipient: client.email, subject: 'Left sending', status: 'sending', follow_up_ids: JSON.stringify([followUpId]), client_day: positionOf(clock, at).day, created_at: new Date(at), updated_at: new Date(at) })
      .returning('id');
    const plantedId = (planted as { id: string }).id;

    // Another transaction of the firm: an audited write first (the firm's audit lock, to its commit).
    const other = await stack.db.owner.transaction();
    let sending: ReturnType<ReturnType<typeof activities>['followUpSendSlot']> | null = null;
    let inserted: { ok: boolean; error?: string } = { ok: false };
    let newId: string | null = null;
    try {
      // Bounded so that a hang (the send waiting, out of the database's sight, for a second
      // transaction that waits for this one) fails this test instead of stalling it.
      await other.raw(`set local lock_timeout = '30s'`);
      await holdAuditLock(other);
      const otherPid = await pidOf(other);
      // The retry locks the client, finds its slot's row still `sending` and settles it: an audited write, waiting for the audit lock.
      sending = activities().followUpSendSlot({ firmId: stack.firm.id, followUpId, key, kind: 'interval', scheduledAt: at, sendTimeoutMs: 600_000 });
      sending.catch(() => undefined);
      await eventually('the send to wait for the audit lock', async () => (await waiters()).find((w) => w.blockedBy.includes(otherPid) && /outbox/i.test(w.query)));
      // A new follow-up for the same client (its foreign key takes FOR KEY SHARE on the client's row).
      inserted = await other
        .raw(
          `insert into follow_ups select (jsonb_populate_record(f, jsonb_build_object('id', gen_random_uuid(), 'workflow_id', 'test-' || gen_random_uuid(), 'title', 'Written beside a retried send'))).* from follow_ups f where id = ? returning id`,
          [followUpId],
        )
        .then(
          (res: { rows: Array<{ id: string }> }) => {
            newId = res.rows[0]!.id;
            return { ok: true };
          },
          (error: Error) => ({ ok: false, error: error.message }),
        );
    } finally {
      if (inserted.ok) await other.commit();
      else await other.rollback();
    }
    const result = await sending!;
    expect({ inserted, result }).toEqual({ inserted: { ok: true }, result: { status: 'sent', writtenAt: at } });
    expect(await stack.db.owner('follow_ups').where({ id: newId!, client_id: clientId }).first('id')).toBeTruthy();
    // Settled as the interrupted attempt's own retry settles it, once, audited by the sender.
    const row = await stack.db.owner('outbox').where({ id: plantedId }).first();
    expect([row.status, row.error]).toEqual(['sent', 'delivery not confirmed: the sending attempt was interrupted; not sent again']);
    const audited = await stack.db.owner('audit_events').where({ entity_id: plantedId }).orderBy('seq').select('action', 'actor_email');
    expect(audited.filter((a: { action: string }) => a.action === 'email.sent')).toEqual([{ action: 'email.sent', actor_email: 'system:follow-up' }]);
  });

  it('senders of one client still take turns: a send waits while another holds the client', async () => {
    const key = 'interval:retried';
    const other = await stack.db.owner.transaction();
    let sending: ReturnType<ReturnType<typeof activities>['followUpSendSlot']> | null = null;
    let finished = false;
    try {
      // As another sender of this client does, before it writes its message.
      await other.raw('select id from clients where id = ? for no key update', [clientId]);
      const otherPid = await pidOf(other);
      sending = activities().followUpSendSlot({ firmId: stack.firm.id, followUpId, key, kind: 'interval', scheduledAt: Date.now(), sendTimeoutMs: 600_000 });
      void sending.then(
        () => (finished = true),
        () => (finished = true),
      );
      await eventually('the send to wait for the other sender', async () => (await waiters()).find((w) => w.blockedBy.includes(otherPid) && /clients/i.test(w.query)));
      expect(finished).toBe(false);
    } finally {
      await other.rollback();
    }
    // Released, it goes on: its slot's message was settled above, so it answers as it was recorded.
    expect((await sending!).status).toBe('sent');
  });
});
