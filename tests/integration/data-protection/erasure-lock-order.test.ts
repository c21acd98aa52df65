/**
 * An erasure deletes every row of the client. Another transaction of the firm may hold one of those
 * rows (a notice's step, a follow-up's action) and then make an audited write, which takes the firm's
 * audit lock. Had the erasure taken the audit lock first (its first audited write, here a closed
 * period it reopens) and then waited for that row, each waited for the other and PostgreSQL aborted
 * one (deadlock detected). The erasure locks every row it deletes before its first audited write, so
 * it waits for the other transaction without holding the audit lock: that one writes and commits,
 * then the erasure deletes. The same holds for a firm person's notification about the client, which
 * the erasure deletes too (marking it read holds it). Two connections in a controlled order
 * (tests/harness/lock-waits.ts): the other transaction takes its row, the erasure runs until it waits
 * on that row, then the other makes its audited write. The
 * erasure's database step runs alone here (no workflow), as the owner scoped to the firm, against
 * PostgreSQL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { ownerTransaction } from '../../../activities/data-protection-deps';
import { eraseClientRows } from '../../../db/client-erasure';
import { createKnex } from '../../../db/knex';
import type { NotificationKind } from '../../../domain/notifications';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, validGstin, type TestFirm } from '../../harness/factories';
import { holdThenWrite } from '../../harness/lock-waits';
import { seedFollowUpFile, seedNoticeWithPapers } from './helpers';

jest.setTimeout(120_000);

/** A row the other transaction holds, and its audited write (of `audited`, the held row by default). */
type Held = { table: string; id: string; write: (trx: Knex.Transaction) => Promise<unknown>; audited?: string };

describe("an erasure's deletion beside a transaction holding one of the client's rows (the erasure's database step alone)", () => {
  let db: TestDatabase;
  let firm: TestFirm;
  /** The erasure's own owner connection (as the worker opens one): the test's owner pool holds the other transaction and the watcher. */
  let erasureOwner: Knex;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
    // A third client to erase and a fourth whose row another transaction writes (audited) meanwhile.
    for (const name of ['Notified Client', 'Bystander Client']) {
      const gstin = validGstin();
      const [row] = await db.owner('clients').insert({ firm_id: firm.id, name, gstin, email: `${name.split(' ')[0]!.toLowerCase()}@lock-order.example`, filing_frequency: 'monthly', state_code: '27' }).returning('id');
      firm.clients.push({ id: (row as { id: string }).id, gstin, name });
    }
    erasureOwner = createKnex({ url: db.url, poolMax: 1, applicationName: 'taalmel-test-erasure' });
  });
  afterAll(async () => {
    await erasureOwner?.destroy();
    await db?.drop();
  });

  /** A client with a closed period (the erasure's first audited write reopens it) and a row the other transaction holds. */
  async function prepare(clientIndex: number, seed: (client: TestFirm['clients'][number]) => Promise<Held>) {
    const client = firm.clients[clientIndex]!;
    const [period] = await db.owner('periods').insert({ firm_id: firm.id, client_id: client.id, period: '2024-05' }).returning('id');
    const periodId = (period as { id: string }).id;
    await db.owner('periods').where({ id: periodId }).update({ state: 'close_requested' });
    await db.owner('periods').where({ id: periodId }).update({ state: 'closed' });
    const erasureId = randomUUID();
    await db.owner('client_erasures').insert({ id: erasureId, firm_id: firm.id, client_id: client.id, workflow_id: `client-erasure:${firm.id}:${client.id}`, reason: 'asked by the client' });
    return { client, erasureId, periodId, held: await seed(client) };
  }

  async function interleave({ client, erasureId, periodId, held }: Awaited<ReturnType<typeof prepare>>) {
    const { written, waited } = await holdThenWrite(db.owner, {
      // As a notice's step, a follow-up's action or a person marking a notification read does before its audited write.
      hold: (other) => other.raw('select id from ?? where id = ? for no key update', [held.table, held.id]),
      waiter: () =>
        ownerTransaction(erasureOwner, { firmId: firm.id, actor: { userId: null, email: 'system:client-erasure', role: 'system' } }, async (trx) => {
          await trx.raw(`set local lock_timeout = '30s'`);
          await eraseClientRows(trx, { firmId: firm.id, clientId: client.id, erasureId });
          return Number((await trx(held.table).where({ id: held.id }).count({ n: '*' }))[0]!.n);
        }),
      waitsOn: { what: `the erasure to wait for the ${held.table} row`, query: new RegExp(held.table, 'i') },
      // The other transaction's audited write: the firm's audit lock must be free, not held by the waiting erasure.
      write: held.write,
    });
    expect({ written: written.ok || written, erased: waited }).toEqual({ written: true, erased: { ok: true, value: 0 } });
    // The other transaction committed first: its event is in the trail before the erasure's first
    // audited write (the closed period it reopens), and before its deletion of the held row.
    const events = async (entityId: string) => (await db.owner('audit_events').where({ entity_id: entityId }).orderBy('seq').select('seq', 'action')) as Array<{ seq: string; action: string }>;
    const otherWrite = Number((await events(held.audited ?? held.id)).filter((e) => e.action !== 'erasure.row_deleted').pop()?.seq);
    const erasureFirst = Math.min(...(await events(periodId)).filter((e) => e.action === 'erasure.row_deleted').map((e) => Number(e.seq)));
    expect({ otherWriteBeforeErasure: otherWrite < erasureFirst, otherWrite, erasureFirst }).toEqual(expect.objectContaining({ otherWriteBeforeErasure: true }));
    if (!held.audited) expect((await events(held.id)).slice(-2).map((e) => e.action)).toEqual([expect.stringMatching(/update/), 'erasure.row_deleted']);
  }

  it("a notice's audited update commits while the erasure waits for the notice; the erasure then deletes it", async () => {
    const prepared = await prepare(0, async (c) => {
      const { noticeId } = await seedNoticeWithPapers(db.owner, firm.id, c, firm.users.firm_admin.id, { name: 'notice.pdf', bytes: randomBytes(64) });
      return { table: 'notices', id: noticeId, write: (trx) => trx('notices').where({ id: noticeId }).update({ description: 'reply being drafted' }) };
    });
    await interleave(prepared);
  });

  it("a follow-up's audited update commits while the erasure waits for the follow-up; the erasure then deletes it", async () => {
    const prepared = await prepare(1, async (c) => {
      await seedFollowUpFile(db.owner, firm.id, c.id, firm.users.firm_admin.id, { name: 'invoice.pdf', bytes: randomBytes(64) });
      const id = ((await db.owner('follow_ups').where({ client_id: c.id }).first('id')) as { id: string }).id;
      return { table: 'follow_ups', id, write: (trx) => trx('follow_ups').where({ id }).update({ title: 'Purchase invoices (reminder)', updated_at: trx.fn.now() }) };
    });
    await interleave(prepared);
  });

  it("a person's notification about the client, held while it is marked read, is locked before the erasure's first audited write: the other transaction's audited write commits, then the erasure deletes it", async () => {
    const prepared = await prepare(2, async (c) => {
      const [row] = (await db.owner('notifications')
        .insert({ firm_id: firm.id, user_id: firm.users.staff.id, kind: 'follow_up.escalation' satisfies NotificationKind, payload: { clientId: c.id, title: 'Purchase invoices' } })
        .returning('id')) as Array<{ id: string }>;
      const id = row!.id;
      const otherClient = firm.clients[3]!.id;
      return {
        table: 'notifications',
        id,
        audited: otherClient,
        // Marked read, then an audited write of the firm in the same transaction (another client's row).
        write: async (trx) => {
          await trx('notifications').where({ id }).update({ read_at: trx.fn.now() });
          await trx('clients').where({ id: otherClient }).update({ email: 'accounts@other-client.example' });
        },
      };
    });
    await interleave(prepared);
  });
});
