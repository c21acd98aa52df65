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

/**
 * A result row to store. With `booksSeq` (or `portalSeq`) its `row` leaves out `books` (`portal`),
 * and the move into the table puts in that import row's stored `doc` under the key: the result
 * row's document is the import's document unchanged, so it is not sent back to the server.
 */
export type StoredResult = { category: string; supplierGstin: string; row: unknown; booksSeq?: number; portalSeq?: number };

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

/** An optional position as a COPY field: its digits, or `\N`. */
function writeSeqField(block: ByteBlock, seq: number | undefined): void {
  if (seq === undefined) {
    block.byte(0x5c);
    block.byte(0x4e);
  } else {
    block.digits(seq);
  }
}

/**
 * The line of the staging table `(seq, category, supplier_gstin, row, books_seq, portal_seq)`:
 * `writeResultRowLine`'s, with the two import rows the move takes the documents from.
 */
function writeResultRowRefsLine(block: ByteBlock, seq: number, r: StoredResult): void {
  writeResultRowLine(block, seq, r);
  block.at -= 1; // its newline
  block.byte(0x09);
  writeSeqField(block, r.booksSeq);
  block.byte(0x09);
  writeSeqField(block, r.portalSeq);
  block.byte(0x0a);
}

/**
 * The move of a chunk of result rows into the table, each row's documents put in from the import
 * rows it names. One primary-key look-up per document, as a subquery per row: a join would let the
 * planner, which knows nothing of the temporary stage's size, scan a whole import instead. A named
 * import row that is not there (it cannot be: imports are never changed, and the load read them in
 * this transaction) fails the move, where leaving the document out would store a wrong row: the
 * text `missing import row` is not JSON, and only cast when the look-up found nothing.
 */
const MOVE_WITH_DOCUMENTS = `insert into reconciliation_results (firm_id, client_id, run_id, period, seq, category, supplier_gstin, row)
  select ?::uuid, ?::uuid, ?::uuid, ?, s.seq, s.category, s.supplier_gstin,
    case when s.books_seq is null and s.portal_seq is null then s.row else s.row
      || case when s.books_seq is null then '{}'::jsonb else jsonb_build_object('books', coalesce(
        (select b.doc from import_rows b where b.firm_id = ?::uuid and b.import_id = ?::uuid and b.seq = s.books_seq),
        ('missing import row ' || s.books_seq)::jsonb)) end
      || case when s.portal_seq is null then '{}'::jsonb else jsonb_build_object('portal', coalesce(
        (select p.doc from import_rows p where p.firm_id = ?::uuid and p.import_id = ?::uuid and p.seq = s.portal_seq),
        ('missing import row ' || s.portal_seq)::jsonb)) end
    end
  from pg_temp.reconciliation_results_stage s`;

/**
 * Writes a run's result rows in engine order; `seq` is their position. Rows are asked of the
 * source one batch at a time as the COPY consumes them, so a source that builds them on demand
 * (the engine's) never has them all in memory at once. With `imports` (the run's register and
 * 2B imports), a row's `booksSeq` and `portalSeq` name the import rows whose documents its `row`
 * gets in the move (`StoredResult`); without, every row is stored as given.
 */
export async function insertResultRows(
  trx: Knex.Transaction, scope: RowScope & { runId: string; imports?: { books: string; portal: string } }, rows: ResultSource, onBatch?: BatchHook,
): Promise<void> {
  let batch: readonly StoredResult[] = [];
  let batchFrom = 0;
  const imports = scope.imports;
  const writeLine = imports ? writeResultRowRefsLine : writeResultRowLine;
  await copyThroughStage(trx, {
    stage: 'reconciliation_results_stage',
    columns: [['seq', 'int'], ['category', 'text'], ['supplier_gstin', 'text'], ['row', 'jsonb'], ...(imports ? [['books_seq', 'int'], ['portal_seq', 'int']] as const : [])],
    count: rows.count,
    rows: { write: (block, i) => {
      if (i === 0 || i - batchFrom >= batch.length) {
        batchFrom = i;
        batch = rows.between(i, Math.min(i + ROW_BATCH, rows.count));
      }
      writeLine(block, i, batch[i - batchFrom]!);
    } },
    insert: imports
      ? {
        sql: MOVE_WITH_DOCUMENTS,
        bindings: [scope.firmId, scope.clientId, scope.runId, scope.period, scope.firmId, imports.books, scope.firmId, imports.portal],
      }
      : {
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

/** Removes whatever an earlier attempt of the same run wrote (the retry then writes it all again). */
export async function deleteRunResults(trx: Knex.Transaction, runId: string): Promise<void> {
  await trx('reconciliation_results').where({ run_id: runId }).delete();
  await trx('reconciliation_suppliers').where({ run_id: runId }).delete();
}
