/**
 * Retention test setup: a period of a client with imports and their parsed rows, a completed run
 * with result lines and supplier summaries, written as the owner (as the import and reconciliation
 * features would), then taken through the close states the period lock knows.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeGst, FIRST_GST_PERIOD } from '../../../domain/periods';
import type { TestDatabase } from '../../harness/database';

export type SeededRetentionPeriod = { importIds: string[]; runId: string };

const ROWS_PER_IMPORT = 3;

export async function seedPeriodWithData(db: TestDatabase, firmId: string, clientId: string, period: string, state: 'open' | 'closed' | 'reopened'): Promise<SeededRetentionPeriod> {
  // Written past the api's rules, so held to them here: no import, run or close exists for a month before GST.
  if (beforeGst(period)) throw new Error(`${period} is before GST: seed ${FIRST_GST_PERIOD} or later`);
  return db.owner.transaction(async (trx) => {
    const importIds: string[] = [];
    for (const kind of ['purchase_register', 'gstr2b']) {
      const [row] = await trx('imports')
        .insert({ firm_id: firmId, client_id: clientId, kind, period, filename: `${kind}-${period}.dat`, status: 'validated', sha256: randomBytes(32).toString('hex'), size_bytes: 1024, rows: ROWS_PER_IMPORT, uploaded_at: new Date('2018-01-10T10:00:00+05:30') })
        .returning('id');
      const importId = (row as { id: string }).id;
      importIds.push(importId);
      await trx('import_rows').insert(Array.from({ length: ROWS_PER_IMPORT }, (_, seq) => ({ firm_id: firmId, client_id: clientId, import_id: importId, period, seq, doc: JSON.stringify({ invoice: `INV-${seq}` }) })));
    }
    const [run] = await trx('reconciliation_runs')
      .insert({ firm_id: firmId, client_id: clientId, period, register_import_id: importIds[0], gstr2b_import_id: importIds[1], workflow_id: `reconciliation-test-${randomUUID()}`, status: 'completed', summary: JSON.stringify({ results: 4 }), completed_at: new Date('2018-01-11T10:00:00+05:30') })
      .returning('id');
    const runId = (run as { id: string }).id;
    await trx('reconciliation_results').insert(Array.from({ length: 4 }, (_, seq) => ({ firm_id: firmId, client_id: clientId, run_id: runId, period, seq, category: 'exact_match', supplier_gstin: '27AAAAA0000A1Z5', row: JSON.stringify({ seq }) })));
    await trx('reconciliation_suppliers').insert({ firm_id: firmId, client_id: clientId, run_id: runId, period, supplier_gstin: '27AAAAA0000A1Z5', itc_at_risk: 0, summary: JSON.stringify({}) });
    if (state !== 'open') {
      const [p] = await trx('periods').insert({ firm_id: firmId, client_id: clientId, period, state: 'open' }).returning('id');
      const id = (p as { id: string }).id;
      await trx('periods').where({ id }).update({ state: 'close_requested' });
      await trx('periods').where({ id }).update({ state: 'closed', closed_at: new Date('2018-02-01T10:00:00+05:30') });
      if (state === 'reopened') await trx('periods').where({ id }).update({ state: 'reopened', reopen_count: 1 });
    }
    return { importIds, runId };
  });
}

/** Rows of one client and period in each table retention touches (and the ones it keeps). */
export async function periodRows(db: TestDatabase, firmId: string, clientId: string, period: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['imports', 'import_rows', 'reconciliation_runs', 'reconciliation_results', 'reconciliation_suppliers']) {
    const [row] = await db.owner(table).where({ firm_id: firmId, client_id: clientId, period }).count({ n: '*' });
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

export const FULL = { imports: 2, import_rows: 6, reconciliation_runs: 1, reconciliation_results: 4, reconciliation_suppliers: 1 };
