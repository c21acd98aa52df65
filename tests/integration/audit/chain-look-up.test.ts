/**
 * Each audited write reads its firm's last event under the firm's audit lock (the chain trigger,
 * migration 032). It must read that one event by the `(firm_id, seq)` index, for a firm and for the
 * platform's null firm alike: a look-up that scans the trail makes every write of every firm slower
 * as the trails of all firms grow. Counted by PostgreSQL's own per-transaction statistics, with
 * the planner's other choices disabled, so a look-up that cannot use the index reads the whole chain.
 */
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

describe("the chain trigger's look-up of the last event", () => {
  let db: TestDatabase;
  let firms: TestFirm[];

  beforeAll(async () => {
    db = await createTestDatabase();
    firms = [await createTestFirm(db), await createTestFirm(db)];
    // Trails of a few hundred events in each chain, platform included.
    for (const firmId of [firms[0]!.id, firms[1]!.id, null]) {
      await db.owner.transaction(async (trx) => {
        for (let i = 0; i < 150; i += 1) await trx('audit_events').insert(event(firmId, `seed-${i}`));
      });
    }
  }, 180_000);
  afterAll(async () => {
    await db?.drop();
  });

  const event = (firmId: string | null, requestId: string) => ({
    firm_id: firmId,
    seq: 0,
    actor_email: 'system',
    actor_role: 'system',
    action: 'test.look_up',
    entity_type: 'test',
    request_id: requestId,
    prev_hash: '',
    hash: '',
  });

  /** Rows the one insert read from audit_events, by any scan, and the chain link it wrote. */
  async function rowsReadBy(firmId: string | null) {
    return db.owner.transaction(async (trx) => {
      // Only a plan that reads the last event straight off the index is left without a penalty; at this
      // small size the planner would otherwise as soon sort the chain's few hundred rows.
      for (const plan of ['seqscan', 'bitmapscan', 'sort']) await trx.raw(`SET LOCAL enable_${plan} = off`);
      const stats = async () =>
        (await trx.raw(`SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'audit_events'`)).rows[0]?.n ?? 0;
      const before = Number(await stats());
      const [written] = await trx('audit_events').insert(event(firmId, 'probe')).returning(['seq', 'prev_hash']);
      const read = Number(await stats()) - before;
      const previous = await trx('audit_events').where(firmId === null ? { firm_id: null } : { firm_id: firmId }).where('seq', Number(written.seq) - 1).first('hash');
      return { read, seq: Number(written.seq), linked: written.prev_hash === previous?.hash };
    });
  }

  it("reads one event of a firm's trail, and links to it", async () => {
    const before = Number((await db.owner('audit_events').where({ firm_id: firms[1]!.id }).max('seq as m').first())!.m);
    expect(await rowsReadBy(firms[1]!.id)).toEqual({ read: 1, seq: before + 1, linked: true });
  });

  it("reads one event of the platform's trail, and links to it", async () => {
    const before = Number((await db.owner('audit_events').whereNull('firm_id').max('seq as m').first())!.m);
    expect(await rowsReadBy(null)).toEqual({ read: 1, seq: before + 1, linked: true });
  });
});
