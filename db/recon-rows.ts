/**
 * Bulk reads and writes of the reconciliation row tables (migration 004). Rows go in as one JSON
 * array per batch, expanded by PostgreSQL (`jsonb_array_elements … WITH ORDINALITY`): one bound
 * parameter per few thousand rows, no per-row round trip, and the position in the batch gives
 * `seq`. Every call runs in the caller's tenant transaction, so row-level security applies and a
 * failure rolls the whole batch set back with it.
 */
import type { Knex } from 'knex';

export const ROW_BATCH = 2000;

export type RowScope = { firmId: string; clientId: string; period: string };

/** Progress hook between batches: heartbeats, cancellation checks, pauses in tests. */
export type BatchHook = (done: number) => Promise<void> | void;

/** Inserts an import's canonical documents (BooksRow or PortalDoc) in file order. */
export async function insertImportRows(trx: Knex.Transaction, scope: RowScope & { importId: string }, docs: readonly unknown[], onBatch?: BatchHook): Promise<void> {
  for (let from = 0; from < docs.length; from += ROW_BATCH) {
    const batch = docs.slice(from, from + ROW_BATCH);
    await trx.raw(
      `insert into import_rows (firm_id, client_id, import_id, period, seq, doc)
       select ?::uuid, ?::uuid, ?::uuid, ?, (x.o - 1 + ?)::int, x.e
         from jsonb_array_elements(?::jsonb) with ordinality as x(e, o)`,
      [scope.firmId, scope.clientId, scope.importId, scope.period, from, JSON.stringify(batch)],
    );
    await onBatch?.(from + batch.length);
  }
}

/** Loads an import's documents in `seq` order, a batch at a time (keyset paging, no OFFSET). */
export async function loadImportRows<T>(trx: Knex.Transaction, importId: string, onBatch?: BatchHook, batchSize = 10_000): Promise<T[]> {
  const docs: T[] = [];
  let after = -1;
  for (;;) {
    const rows: Array<{ seq: number; doc: T }> = await trx('import_rows').select('seq', 'doc').where({ import_id: importId }).where('seq', '>', after).orderBy('seq').limit(batchSize);
    for (const row of rows) docs.push(row.doc);
    await onBatch?.(docs.length);
    if (rows.length < batchSize) return docs;
    after = rows[rows.length - 1]!.seq;
  }
}

export type StoredResult = { category: string; supplierGstin: string; row: unknown };

/** Where a writer gets result rows from: how many, and a batch of them by position. */
export type ResultSource = { count: number; between(from: number, to: number): readonly StoredResult[] };

/**
 * Writes a run's result rows in engine order; `seq` is their position. Rows are asked of the
 * source one batch at a time, so a source that builds them on demand (the engine's) never has
 * them all in memory at once.
 */
export async function insertResultRows(trx: Knex.Transaction, scope: RowScope & { runId: string }, rows: ResultSource, onBatch?: BatchHook): Promise<void> {
  for (let from = 0; from < rows.count; from += ROW_BATCH) {
    const batch = rows.between(from, Math.min(from + ROW_BATCH, rows.count));
    await trx.raw(
      `insert into reconciliation_results (firm_id, client_id, run_id, period, seq, category, supplier_gstin, row)
       select ?::uuid, ?::uuid, ?::uuid, ?, (x.o - 1 + ?)::int, x.e->>'c', x.e->>'g', x.e->'r'
         from jsonb_array_elements(?::jsonb) with ordinality as x(e, o)`,
      [scope.firmId, scope.clientId, scope.runId, scope.period, from, JSON.stringify(batch.map((r) => ({ c: r.category, g: r.supplierGstin, r: r.row })))],
    );
    await onBatch?.(from + batch.length);
  }
}

export type StoredSupplier = { supplierGstin: string; itcAtRisk: number; summary: unknown };

export async function insertSupplierRows(trx: Knex.Transaction, scope: RowScope & { runId: string }, rows: readonly StoredSupplier[]): Promise<void> {
  for (let from = 0; from < rows.length; from += ROW_BATCH) {
    const batch = rows.slice(from, from + ROW_BATCH);
    await trx.raw(
      `insert into reconciliation_suppliers (firm_id, client_id, run_id, period, supplier_gstin, itc_at_risk, summary)
       select ?::uuid, ?::uuid, ?::uuid, ?, x.e->>'g', (x.e->>'r')::bigint, x.e->'s'
         from jsonb_array_elements(?::jsonb) as x(e)`,
      [scope.firmId, scope.clientId, scope.runId, scope.period, JSON.stringify(batch.map((r) => ({ g: r.supplierGstin, r: r.itcAtRisk, s: r.summary })))],
    );
  }
}

/** Removes whatever an earlier attempt of the same run wrote (the retry then writes it all again). */
export async function deleteRunResults(trx: Knex.Transaction, runId: string): Promise<void> {
  await trx('reconciliation_results').where({ run_id: runId }).delete();
  await trx('reconciliation_suppliers').where({ run_id: runId }).delete();
}
