/**
 * The result rows' tie to their run (migration 043): a foreign key once, now checked once a
 * statement by the triggers the import rows' tie has (migration 040). Everything the key enforced
 * still holds on a real PostgreSQL (the cases every key kept by triggers passes:
 * tests/harness/kept-key-cases.ts); besides, a refusal comes before the period lock's as the key's
 * did, a change that keeps the run is taken, a run's own FOR NO KEY UPDATE does not stop a write
 * beside it, and no foreign key is left on the result rows.
 */
import { randomUUID } from 'node:crypto';
import { RESULT_ROWS_KEY, RUN_KEY } from '../../../db/migrations/043-result-rows-run-check';
import { insertResultRows, type StoredResult } from '../../../db/recon-rows';
import { itKeepsTheKey, KEPT_KEY_PERIOD, keptKeyCases } from '../../harness/kept-key-cases';

const results = (n: number): StoredResult[] => Array.from({ length: n }, (_, i) => ({ category: 'matched', supplierGstin: '27AAPFU0939F1ZV', row: { id: `r${i}` } }));

describe('result rows name a run of their firm', () => {
  const t = keptKeyCases({
    key: RESULT_ROWS_KEY,
    names: { a: 'a run', parent: 'run', parents: 'runs', rows: 'result rows' },
    /** A run (with the import it names), as the workflow's start makes it. */
    async newParent(db, f, period) {
      const clientId = f.clients[0]!.id;
      const [imp] = await db.owner('imports').insert({ firm_id: f.id, client_id: clientId, kind: 'gstr2b', period, filename: 'x.json' }).returning('id');
      const importId = (imp as { id: string }).id;
      const [run] = await db.owner('reconciliation_runs')
        .insert({ firm_id: f.id, client_id: clientId, period, register_import_id: importId, gstr2b_import_id: importId, workflow_id: `key-${randomUUID()}` })
        .returning('id');
      return (run as { id: string }).id;
    },
    write(trx, f, runId, n, period) {
      const rows = results(n);
      return insertResultRows(trx, { firmId: f.id, clientId: f.clients[0]!.id, period, runId }, { count: n, between: (a, b) => rows.slice(a, b) });
    },
    plantedValues: { category: `'matched'`, supplier_gstin: `''`, row: `'{}'::jsonb` },
  });

  itKeepsTheKey(t);

  it('refuses a row of a missing run in a closed period with the key’s error, before the period lock’s, as the key did', async () => {
    const period = '2024-05';
    const runId = await t.newParent(t.firm, period);
    const [p] = await t.db.owner('periods').insert({ firm_id: t.firm.id, client_id: t.firm.clients[0]!.id, period, state: 'open' }).returning('id');
    for (const state of ['close_requested', 'closed']) await t.db.owner('periods').where({ id: (p as { id: string }).id }).update({ state });
    expect(await t.errorOf(t.write(t.firm, randomUUID(), 2, period))).toMatch(new RegExp(`^23503 ${RUN_KEY}: `));
    // The period lock still refuses the run's own rows.
    expect(await t.errorOf(t.write(t.firm, runId, 2, period))).toMatch(/^23514 -: .*period_closed/s);
  });

  it('takes a change that keeps the run (a manual action’s), as the key took it', async () => {
    const runId = await t.newParent(t.firm);
    await t.write(t.firm, runId, 2);
    await t.asFirm(t.firm, (trx) => trx('reconciliation_results').where({ run_id: runId, seq: 1 }).update({ category: 'ignored' }));
    expect(await t.db.owner('reconciliation_results').where({ run_id: runId }).orderBy('seq').pluck('category')).toEqual(['matched', 'ignored']);
  });

  it('a write beside the run’s own FOR NO KEY UPDATE is not stopped by it (a run’s second part)', async () => {
    const runId = await t.newParent(t.firm);
    const holder = await t.db.owner.transaction();
    try {
      await holder.raw('select 1 from reconciliation_runs where id = ? for no key update', [runId]);
      // The second part's own transaction; lock_timeout makes a wait an error rather than a hang.
      await t.asFirm(t.firm, async (trx) => {
        await trx.raw(`set local lock_timeout = '5s'`);
        await t.tables.write(trx, t.firm, runId, 3, KEPT_KEY_PERIOD);
      });
    } finally {
      await holder.rollback();
    }
    expect(await t.rowsOf(runId)).toBe(3);
  });

  it('has no foreign key left on the result rows: the kept tie is what orders the erasure’s deletes', async () => {
    const keys = await t.db.owner.raw(`select conname from pg_constraint where conrelid = 'reconciliation_results'::regclass and contype = 'f'`);
    expect(keys.rows).toEqual([]);
  });
});
