/**
 * An erasure deletes every row of the client. Another transaction of the firm may hold one of those
 * rows (a notice's step, a follow-up's action) and then make an audited write, which takes the firm's
 * audit lock. Had the erasure taken the audit lock first (its first audited write, here a closed
 * period it reopens) and then waited for that row, each waited for the other and PostgreSQL aborted
 * one (deadlock detected). The erasure locks every row it deletes before its first audited write, so
 * it waits for the other transaction without holding the audit lock: that one writes and commits,
 * then the erasure deletes. Two connections in a controlled order: the other transaction takes its
 * row, the erasure runs until it waits on that row, then the other makes its audited write. The
 * erasure's database step runs alone here (no workflow), as the owner scoped to the firm, against
 * PostgreSQL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { ownerTransaction } from '../../../activities/data-protection-deps';
import { eraseClientRows } from '../../../db/client-erasure';
import { createKnex } from '../../../db/knex';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { seedFollowUpFile, seedNoticeWithPapers } from './helpers';

jest.setTimeout(120_000);

type Waiter = { pid: number; query: string; blockedBy: number[] };
type Held = { table: string; id: string; write: (trx: Knex.Transaction) => Promise<unknown> };

describe("an erasure's deletion beside a transaction holding one of the client's rows (the erasure's database step alone)", () => {
  let db: TestDatabase;
  let firm: TestFirm;
  /** The erasure's own owner connection (as the worker opens one): the test's owner pool holds the other transaction and the watcher. */
  let erasureOwner: Knex;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
    erasureOwner = createKnex({ url: db.url, poolMax: 1, applicationName: 'taalmel-test-erasure' });
  });
  afterAll(async () => {
    await erasureOwner?.destroy();
    await db?.drop();
  });

  const waiters = async (): Promise<Waiter[]> =>
    (await db.owner.raw(`select pid, query, pg_blocking_pids(pid) as blocked_by from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows.map(
      (r: { pid: number; query: string; blocked_by: number[] }) => ({ pid: r.pid, query: r.query, blockedBy: r.blocked_by }),
    );
  const pidOf = async (trx: Knex.Transaction) => ((await trx.raw('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;

  /** A client with a closed period (the erasure's first audited write reopens it) and a row the other transaction holds. */
  async function prepare(clientIndex: number, seed: (client: TestFirm['clients'][number]) => Promise<Held>) {
    const client = firm.clients[clientIndex]!;
    const [period] = await db.owner('periods').insert({ firm_id: firm.id, client_id: client.id, period: '2024-05' }).returning('id');
    const periodId = (period as { id: string }).id;
    await db.owner('periods').where({ id: periodId }).update({ state: 'close_requested' });
    await db.owner('periods').where({ id: periodId }).update({ state: 'closed' });
    const erasureId = randomUUID();
    await db.owner('client_erasures').insert({ id: erasureId, firm_id: firm.id, client_id: client.id, workflow_id: `client-erasure:${firm.id}:${client.id}`, reason: 'asked by the client' });
    return { client, erasureId, held: await seed(client) };
  }

  async function interleave(clientId: string, erasureId: string, held: Held) {
    const other = await db.owner.transaction();
    let erasing: Promise<{ ok: true; left: number } | { ok: false; error: string }> | null = null;
    let written: { ok: boolean; error?: string } = { ok: false };
    try {
      // Bounded so that a hang fails this test instead of stalling it.
      await other.raw(`set local lock_timeout = '30s'`);
      // As a notice's step or a follow-up's action does before its audited write.
      await other.raw('select id from ?? where id = ? for no key update', [held.table, held.id]);
      const otherPid = await pidOf(other);
      erasing = ownerTransaction(erasureOwner, { firmId: firm.id, actor: { userId: null, email: 'system:client-erasure', role: 'system' } }, async (trx) => {
        await trx.raw(`set local lock_timeout = '30s'`);
        await eraseClientRows(trx, { firmId: firm.id, clientId, erasureId });
        return { ok: true as const, left: Number((await trx(held.table).where({ id: held.id }).count({ n: '*' }))[0]!.n) };
      }).catch((error: Error) => ({ ok: false as const, error: error.message }));
      const deadline = Date.now() + 60_000;
      for (;;) {
        const seen = await waiters();
        if (seen.some((w) => w.blockedBy.includes(otherPid))) break;
        if (Date.now() > deadline) throw new Error(`timed out waiting for the erasure to wait for the ${held.table} row; waiting on locks: ${JSON.stringify(seen)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The other transaction's audited write: the firm's audit lock must be free, not held by the waiting erasure.
      written = await held.write(other).then(
        () => ({ ok: true }),
        (error: Error) => ({ ok: false, error: error.message }),
      );
    } finally {
      if (written.ok) await other.commit();
      else await other.rollback();
    }
    const erased = await erasing!;
    expect({ written, erased }).toEqual({ written: { ok: true }, erased: { ok: true, left: 0 } });
    // The other transaction committed first: its event is in the trail before the erasure's deletion of the row.
    const events = await db.owner('audit_events').where({ entity_id: held.id }).orderBy('seq').pluck('action');
    expect(events.slice(-2)).toEqual([expect.stringMatching(/update/), 'erasure.row_deleted']);
  }

  it("a notice's audited update commits while the erasure waits for the notice; the erasure then deletes it", async () => {
    const { client, erasureId, held } = await prepare(0, async (c) => {
      const { noticeId } = await seedNoticeWithPapers(db.owner, firm.id, c, firm.users.firm_admin.id, { name: 'notice.pdf', bytes: randomBytes(64) });
      return { table: 'notices', id: noticeId, write: (trx) => trx('notices').where({ id: noticeId }).update({ description: 'reply being drafted' }) };
    });
    await interleave(client.id, erasureId, held);
  });

  it("a follow-up's audited update commits while the erasure waits for the follow-up; the erasure then deletes it", async () => {
    const { client, erasureId, held } = await prepare(1, async (c) => {
      await seedFollowUpFile(db.owner, firm.id, c.id, firm.users.firm_admin.id, { name: 'invoice.pdf', bytes: randomBytes(64) });
      const id = ((await db.owner('follow_ups').where({ client_id: c.id }).first('id')) as { id: string }).id;
      return { table: 'follow_ups', id, write: (trx) => trx('follow_ups').where({ id }).update({ title: 'Purchase invoices (reminder)', updated_at: trx.fn.now() }) };
    });
    await interleave(client.id, erasureId, held);
  });
});
