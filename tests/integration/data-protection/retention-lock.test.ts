/**
 * The period lock's retention exception (migration 020), against real PostgreSQL: a closed period's
 * rows still refuse every ordinary delete, by the application role and by the owner alike; only the
 * owner's purge, holding a marker for that client, period and table inside its own transaction,
 * may delete them, and the marker can neither be made by the application role nor outlive the
 * transaction. The settings' statutory minimum holds in the database too.
 */
import type { Knex } from 'knex';
import { verifyAuditChain } from '../../../db/audit';
import { loadRetentionState, purgeRetentionItem } from '../../../db/retention';
import { applyScope, inFirmJobTransaction } from '../../../db/tenant';
import { dueRetentionItems } from '../../../domain/retention';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { FULL, periodRows, seedPeriodWithData } from './retention-helpers';

const ACTOR = { userId: null, email: 'system:retention', role: 'system' };
const PERIOD = '2017-07';

describe('period lock: the retention exception', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let other: TestFirm;
  const client = () => firm.clients[0]!.id;

  /** A transaction as the owner, scoped to the firm, like the purge step. */
  const asOwner = <T>(fn: (trx: Knex.Transaction) => Promise<T>, firmId = firm.id) =>
    db.owner.transaction(async (trx) => {
      await applyScope(trx, { firmId, actor: ACTOR });
      return fn(trx);
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Retention Lock Firm');
    other = await createTestFirm(db, 'Retention Other Firm');
    await seedPeriodWithData(db, firm.id, client(), PERIOD, 'closed');
    await seedPeriodWithData(db, firm.id, client(), '2017-09', 'closed');
    await seedPeriodWithData(db, other.id, other.clients[0]!.id, PERIOD, 'closed');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("refuses the application role's delete of a closed period's rows", async () => {
    await expect(inFirmJobTransaction(db.app, firm.id, 'test', (trx) => trx('import_rows').where({ client_id: client(), period: PERIOD }).del())).rejects.toThrow(/period_closed/);
    await expect(inFirmJobTransaction(db.app, firm.id, 'test', (trx) => trx('reconciliation_results').where({ client_id: client(), period: PERIOD }).del())).rejects.toThrow(/period_closed/);
    expect(await periodRows(db, firm.id, client(), PERIOD)).toEqual(FULL);
  });

  it('gives the application role no way to open the exception', async () => {
    const marker = (trx: Knex.Transaction) => trx('retention_purges_in_progress').insert({ id: '00000000-0000-4000-8000-000000000001', firm_id: firm.id, client_id: client(), period: PERIOD, tables: trx.raw(`'{import_rows}'::text[]`) });
    await expect(inFirmJobTransaction(db.app, firm.id, 'test', marker)).rejects.toThrow(/permission denied for table retention_purges_in_progress/);
    await expect(inFirmJobTransaction(db.app, firm.id, 'test', (trx) => trx.raw(`select retention_purge_allows(?, ?, ?, 'import_rows')`, [firm.id, client(), PERIOD]))).rejects.toThrow(
      /permission denied for function retention_purge_allows/,
    );
    // Nor may it record a purge of its own.
    await expect(
      inFirmJobTransaction(db.app, firm.id, 'test', (trx) => trx('retention_purges').insert({ id: '00000000-0000-4000-8000-000000000002', firm_id: firm.id, client_id: client(), period: PERIOD, data_class: 'source_files', run_id: '00000000-0000-4000-8000-000000000003', retain_months: 72, keep_until: '2024-12-31', purge_on: '2025-01-01', counts: '{}' })),
    ).rejects.toThrow(/permission denied for table retention_purges/);
  });

  it("refuses the owner's delete without a marker, with a marker for another table or period, and a marker left at commit", async () => {
    await expect(asOwner((trx) => trx('import_rows').where({ client_id: client(), period: PERIOD }).del())).rejects.toThrow(/period_closed/);

    const withMarker = (tables: string, period: string, work: (trx: Knex.Transaction) => Promise<unknown>, removeMarker = true) =>
      asOwner(async (trx) => {
        const [run] = await trx('retention_runs').insert({ firm_id: firm.id, day: '2000-01-01', workflow_id: 'test' }).onConflict(['firm_id', 'day']).merge({ updated_at: trx.fn.now() }).returning('id');
        const [purge] = await trx('retention_purges')
          .insert({ id: trx.raw('gen_random_uuid()'), firm_id: firm.id, client_id: client(), period, data_class: 'source_files', run_id: run.id, retain_months: 72, keep_until: '2024-12-31', purge_on: '2025-01-01', counts: '{}' })
          .returning('id');
        await trx('retention_purges_in_progress').insert({ id: purge.id, firm_id: firm.id, client_id: client(), period, tables: trx.raw(`?::text[]`, [tables]) });
        await work(trx);
        if (removeMarker) await trx('retention_purges_in_progress').where({ id: purge.id }).del();
      });
    // A marker naming import_rows does not open reconciliation_results.
    await expect(withMarker('{import_rows}', PERIOD, (trx) => trx('reconciliation_results').where({ client_id: client(), period: PERIOD }).del())).rejects.toThrow(/period_closed/);
    // A marker for another period does not open this one.
    await expect(withMarker('{import_rows}', '2017-09', (trx) => trx('import_rows').where({ client_id: client(), period: PERIOD }).del())).rejects.toThrow(/period_closed/);
    // A marker for this firm does not open another firm's rows (its client is not the marker's).
    await expect(withMarker('{import_rows}', PERIOD, (trx) => trx('import_rows').where({ firm_id: other.id, period: PERIOD }).del())).rejects.toThrow(/period_closed/);
    // A marker that is still there at commit refuses the commit, deletes and all.
    await expect(withMarker('{import_rows}', PERIOD, (trx) => trx('import_rows').where({ client_id: client(), period: PERIOD }).del(), false)).rejects.toThrow(/retention_marker_left/);
    expect(await periodRows(db, firm.id, client(), PERIOD)).toEqual(FULL);
    expect(await periodRows(db, other.id, other.clients[0]!.id, PERIOD)).toEqual(FULL);
    expect(await db.owner('retention_purges').count({ n: '*' })).toEqual([{ n: 0 }]);
  });

  it('lets the purge delete exactly its class of its period, audited, once; ordinary deletes stay refused after it', async () => {
    await db.owner('retention_settings').insert({ firm_id: firm.id, source_files_months: 72, reconciliation_results_months: null });
    const due = await inFirmJobTransaction(db.app, firm.id, 'test', async (trx) => dueRetentionItems({ ...(await loadRetentionState(trx, firm.id)), today: '2025-01-01' }));
    expect(due.map((i) => [i.period, i.dataClass, i.keepUntil])).toEqual([
      ['2017-07', 'source_files', '2024-12-31'],
      ['2017-09', 'source_files', '2024-12-31'],
    ]);
    const item = due[0]!;
    const [run] = await db.owner('retention_runs').insert({ firm_id: firm.id, day: '2025-01-01', workflow_id: 'test' }).returning('id');
    const first = await asOwner((trx) => purgeRetentionItem(trx, firm.id, run.id, item));
    expect(first).toMatchObject({ outcome: 'purged', counts: { import_rows: 6 } });
    // A retry of the same item (the activity retried after a commit) deletes nothing more.
    const again = await asOwner((trx) => purgeRetentionItem(trx, firm.id, run.id, item));
    expect(again).toEqual({ outcome: 'already_purged', purgeId: (first as { purgeId: string }).purgeId, counts: { import_rows: 6 } });

    expect(await periodRows(db, firm.id, client(), PERIOD)).toEqual({ ...FULL, import_rows: 0 });
    expect(await periodRows(db, firm.id, client(), '2017-09')).toEqual(FULL);
    expect(await periodRows(db, other.id, other.clients[0]!.id, PERIOD)).toEqual(FULL);
    expect(await db.owner('retention_purges_in_progress').count({ n: '*' })).toEqual([{ n: 0 }]);

    const events = await db.owner('audit_events').where({ firm_id: firm.id, action: 'retention.purged' }).select('entity_type', 'actor_email', 'after');
    expect(events).toEqual([{ entity_type: 'retention_purge', actor_email: 'system:retention', after: expect.objectContaining({ client_id: client(), period: PERIOD, data_class: 'source_files', counts: { import_rows: 6 } }) }]);
    expect((await verifyAuditChain(db.owner, firm.id)).ok).toBe(true);

    // The exception is gone with the purge's transaction: the results of the same period stay locked.
    await expect(inFirmJobTransaction(db.app, firm.id, 'test', (trx) => trx('reconciliation_results').where({ client_id: client(), period: PERIOD }).del())).rejects.toThrow(/period_closed/);
    await expect(asOwner((trx) => trx('reconciliation_results').where({ client_id: client(), period: PERIOD }).del())).rejects.toThrow(/period_closed/);
    // The other firm sees none of it.
    expect(await inFirmJobTransaction(db.app, other.id, 'test', (trx) => trx('retention_purges').select('id'))).toEqual([]);
  });

  it('skips an item whose period was reopened after the plan was made', async () => {
    const due = await inFirmJobTransaction(db.app, firm.id, 'test', async (trx) => dueRetentionItems({ ...(await loadRetentionState(trx, firm.id)), today: '2025-01-01' }));
    expect(due.map((i) => i.period)).toEqual(['2017-09']);
    await db.owner('periods').where({ firm_id: firm.id, client_id: client(), period: '2017-09' }).update({ state: 'reopened' });
    const [run] = await db.owner('retention_runs').where({ firm_id: firm.id, day: '2025-01-01' }).select('id');
    expect(await asOwner((trx) => purgeRetentionItem(trx, firm.id, run.id, due[0]!))).toEqual({ outcome: 'skipped_not_closed' });
    expect(await periodRows(db, firm.id, client(), '2017-09')).toEqual(FULL);
  });

  it('refuses a setting below the statutory minimum in the database too', async () => {
    await expect(inFirmJobTransaction(db.app, other.id, 'test', (trx) => trx('retention_settings').insert({ firm_id: other.id, source_files_months: 71 }))).rejects.toThrow(/retention_below_minimum/);
    await expect(inFirmJobTransaction(db.app, firm.id, 'test', (trx) => trx('retention_settings').where({ firm_id: firm.id }).update({ reconciliation_results_months: 12 }))).rejects.toThrow(/retention_below_minimum/);
  });
});
