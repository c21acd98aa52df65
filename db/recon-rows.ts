/**
 * Bulk reads and writes of the reconciliation row tables (migration 004). Imported rows and result
 * rows, a lakh at a time, are written by COPY through a staging table (copy-rows.ts: streamed, and
 * still subject to row-level security and the period lock); `seq` is the row's position. Every
 * call runs in the caller's tenant transaction, so a failure rolls everything back with it.
 */
import type { Knex } from 'knex';
import { type ByteBlock, CopyTextTooLarge, writeCopyJson } from './copy-json';
import { copyThroughStage } from './copy-rows';
import { copyField, type CopyText, writeCopyField } from './copy-text';

export const ROW_BATCH = 2000;

export type RowScope = { firmId: string; clientId: string; period: string };

/** Progress hook between batches: heartbeats, cancellation checks, pauses in tests. */
export type BatchHook = (done: number) => Promise<void> | void;

/**
 * Inserts an import's documents, in file order, from their COPY text made already
 * (`importRowsText`, as an upload's parser thread makes it): the one way import rows are written.
 */
export async function insertImportText(trx: Knex.Transaction, scope: RowScope & { importId: string }, text: CopyText, onBatch?: BatchHook): Promise<void> {
  await copyThroughStage(trx, {
    stage: 'import_rows_stage',
    columns: [['seq', 'int'], ['doc', 'jsonb']],
    count: text.ends.length,
    rows: { text },
    insert: {
      sql: `insert into import_rows (firm_id, client_id, import_id, period, seq, doc)
            select ?::uuid, ?::uuid, ?::uuid, ?, s.seq, s.doc from pg_temp.import_rows_stage s`,
      bindings: [scope.firmId, scope.clientId, scope.importId, scope.period],
    },
    ...(onBatch ? { onProgress: { every: ROW_BATCH, hook: onBatch } } : {}),
  });
}

/**
 * Loads an import's documents in `seq` order, as the database returns them (no texts shared: the
 * plain load the run's loader is compared with), a page of positions at a time. Each page is a
 * closed range of `seq` on the primary key (firm, import, seq), as the run's loader reads them:
 * an open range with a limit made the planner read and sort the rest of the import for each page.
 * It stops at the first page with fewer rows than `pageSize`: right only because `seq` has no gaps
 * (`importRowsText` numbers them 0…n−1), as a gap would end the load early. Only tests call it (the run
 * reads imports with its own loader); anything else should page by the import's row count.
 */
export async function loadImportRows<T>(trx: Knex.Transaction, scope: { firmId: string; importId: string }, onBatch?: BatchHook, pageSize = 10_000): Promise<T[]> {
  const docs: T[] = [];
  for (let after = -1; ; after += pageSize) {
    const rows: Array<{ doc: T }> = await trx('import_rows').select('doc')
      .where({ firm_id: scope.firmId, import_id: scope.importId }).where('seq', '>', after).where('seq', '<=', after + pageSize).orderBy('seq');
    for (const row of rows) docs.push(row.doc);
    await onBatch?.(docs.length);
    if (rows.length < pageSize) return docs;
  }
}

export type StoredResult = { category: string; supplierGstin: string; row: unknown };

/** Where a writer gets result rows from: how many, and a batch of them by position. */
export type ResultSource = { count: number; between(from: number, to: number): readonly StoredResult[] };

/**
 * The most bytes one result row's line may be. Its `row` is jsonb, which holds at most about
 * 255 MB, so a longer line could only be refused; the server also refuses a COPY message over
 * 1 GB, and one line is sent as one piece (copy-rows.ts), which would end the connection rather
 * than the COPY. Refused here instead, before any of the line's chunk is sent.
 */
export const MAX_RESULT_LINE = 256 * 2 ** 20;

/** A result row whose line is too long to be stored. Says which row and how long, never what it holds. */
export class ResultRowTooLarge extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultRowTooLarge';
  }
}

/**
 * One result row's line of the staging table `(seq, category, supplier_gstin, row)`, written at
 * the block's end: the UTF-8 bytes of `${seq}\t${copyField(category)}\t${copyField(supplierGstin)}
 * \t${copyField(JSON.stringify(row))}\n`, the string each line was made as before, without making
 * any of those strings. A row the byte writer leaves to JSON.stringify (db/copy-json.ts: a
 * `toJSON`, text jsonb refuses, …) is written by JSON.stringify, so its line, its error or the
 * database's refusal are what they were (tests/unit/recon/result-row-line.test.ts). A line longer
 * than `maxLine` (`MAX_RESULT_LINE`; lower only in tests), or one the block cannot grow to hold,
 * throws `ResultRowTooLarge`.
 */
export function writeResultRowLine(block: ByteBlock, seq: number, r: StoredResult, maxLine = MAX_RESULT_LINE): void {
  const lineStart = block.at;
  try {
    block.digits(seq);
    block.byte(0x09);
    writeCopyField(block, r.category);
    block.byte(0x09);
    writeCopyField(block, r.supplierGstin);
    block.byte(0x09);
    const start = block.at;
    if (!writeCopyJson(block, r.row)) {
      block.at = start;
      block.text(copyField(JSON.stringify(r.row)));
    }
    block.byte(0x0a);
  } catch (error) {
    // The block's own refusal speaks of an import's documents; this is a result row.
    if (error instanceof CopyTextTooLarge) throw new ResultRowTooLarge(`result row ${seq}'s COPY text needs more memory than its block can be given`);
    throw error;
  }
  const size = block.at - lineStart;
  if (size > maxLine) throw new ResultRowTooLarge(`result row ${seq} is ${size} bytes of COPY text, more than the ${maxLine} one row may be`);
}

/** Positions [from, to) of a run's result rows: the part one transaction writes. */
export type RowRange = { from: number; to: number };

/**
 * Writes a run's result rows in engine order; `seq` is their position. Rows are asked of the
 * source one batch at a time as the COPY consumes them, so a source that builds them on demand
 * (the engine's) never has them all in memory at once. `maxLine` is `writeResultRowLine`'s (lower
 * only in tests). `range` limits the write to part of the rows (all of them by default); the
 * progress hook counts the rows of that part.
 */
export async function insertResultRows(
  trx: Knex.Transaction, scope: RowScope & { runId: string }, rows: ResultSource, onBatch?: BatchHook, maxLine = MAX_RESULT_LINE,
  range: RowRange = { from: 0, to: rows.count },
): Promise<void> {
  let batch: readonly StoredResult[] = [];
  let batchFrom = 0;
  const { from, to } = range;
  await copyThroughStage(trx, {
    stage: 'reconciliation_results_stage',
    columns: [['seq', 'int'], ['category', 'text'], ['supplier_gstin', 'text'], ['row', 'jsonb']],
    count: to - from,
    rows: { write: (block, k) => {
      const i = from + k;
      if (k === 0 || i - batchFrom >= batch.length) {
        batchFrom = i;
        batch = rows.between(i, Math.min(i + ROW_BATCH, to));
      }
      writeResultRowLine(block, i, batch[i - batchFrom]!, maxLine);
    } },
    insert: {
      sql: `insert into reconciliation_results (firm_id, client_id, run_id, period, seq, category, supplier_gstin, row)
            select ?::uuid, ?::uuid, ?::uuid, ?, s.seq, s.category, s.supplier_gstin, s.row from pg_temp.reconciliation_results_stage s`,
      bindings: [scope.firmId, scope.clientId, scope.runId, scope.period],
    },
    ...(onBatch ? { onProgress: { every: ROW_BATCH, hook: onBatch } } : {}),
  });
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

/** Removes whatever an earlier attempt of the same run wrote (the retry then writes it all again); answers how many result rows it removed. */
export async function deleteRunResults(trx: Knex.Transaction, runId: string): Promise<number> {
  const results = await trx('reconciliation_results').where({ run_id: runId }).delete();
  await trx('reconciliation_suppliers').where({ run_id: runId }).delete();
  return results;
}
