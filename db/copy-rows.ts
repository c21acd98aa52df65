/**
 * Bulk inserts by COPY into the firm tables, which have row-level security forced on them.
 *
 * PostgreSQL refuses `COPY … FROM` into a table with row-level security for a role subject to it,
 * so the rows are COPYed into a temporary staging table of the caller's transaction and moved into
 * the real table by `INSERT … SELECT`. The staging table lives in the session's own temporary
 * schema (no other session can see it) and is dropped with the transaction; the move is an
 * ordinary INSERT by the application role, so row-level security's WITH CHECK, the constraints and
 * every trigger (the period lock) apply to each row exactly as they did to the batched INSERTs
 * before. Anything that fails (the stream, a row the database refuses, a cancellation between
 * batches) fails the statement, and the caller's transaction rolls back with nothing written.
 *
 * The application and PostgreSQL work side by side rather than in turns: the next chunk's COPY
 * text is produced while PostgreSQL parses the chunk before and moves it into the real table, so
 * neither waits for the other (`Lookahead`). Rows are moved a chunk at a time (`CHUNK`,
 * `CHUNK_BYTES`), so that no statement runs for long (the api's connections have a statement
 * timeout) and the staging table stays small.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Knex } from 'knex';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ByteBlock } from './copy-json';
import type { CopyText } from './copy-text';

/** At most this many rows per COPY and per move into the real table… */
export const CHUNK = 25_000;
/**
 * …and about this many bytes of text, counted as the UTF-8 sent for both kinds of rows (those
 * written here a row at a time, and text made already, by its lines' ends): the staging table then
 * stays in the session's temporary buffers (`temp_buffers`, 8 MB by default) instead of spilling
 * to temporary files. Measured at 1 lakh result rows, chunks of 25,000 rows (about 30 MB) made the
 * write no faster than the batched INSERTs; chunks of 4 MB (with `MOVE_WORK_MEM`) wrote 2 lakh
 * documents in a median 28 s against 34 s for chunks of 2 MB, fewer moves paying the per-statement
 * costs (the period lock's trigger, the truncate, a round trip each) fewer times.
 */
export const CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * `work_mem` for the rest of the writing transaction: the rows of one move are kept in the period
 * lock's transition table (a tuplestore bounded by `work_mem`, 4 MB by default), which a 4 MB
 * chunk's rows (larger as jsonb than as text) would otherwise spill to a temporary file. Set with
 * `set_config(…, true)` (SET LOCAL): it ends with the transaction, the pooled session keeps its own.
 */
export const MOVE_WORK_MEM = '32MB';

export { copyField } from './copy-text';

export type StagedCopy = {
  /** The staging table's name (created in `pg_temp` for this call, dropped after it). */
  stage: string;
  /** Its columns, as `name type` pairs, in the order each line gives them. */
  columns: ReadonlyArray<readonly [name: string, type: string]>;
  /** How many rows. */
  count: number;
  /**
   * The rows in COPY text, fields joined by tabs, each with its newline: written a row at a time
   * as UTF-8 by `write(block, i)` at the block's end (asked for each row once, in order, a chunk
   * ahead of the COPY: see `Lookahead`), or made already (`text`, as an upload's parser thread
   * makes an import's: db/copy-text.ts).
   */
  rows: { write(block: ByteBlock, i: number): void } | { text: CopyText };
  /**
   * The move into the real table, `INSERT … SELECT … FROM pg_temp.<stage>`, and its bindings. It
   * runs once per chunk; the staging table holds only that chunk's rows.
   */
  insert: { sql: string; bindings: readonly Knex.RawBinding[] };
  /** Called every `every` rows once they have been handed to the COPY, and at the end. */
  onProgress?: { every: number; hook: (done: number) => Promise<void> | void };
};

/** Lines are sent in pieces of about this many bytes (one stream write each). */
const PIECE = 256 * 1024;

/** One chunk's COPY text, in pieces; `done[k]` is the rows handed over with piece k when progress is due then. */
type Chunk = { pieces: Uint8Array[]; done: Array<number | null>; end: number };

/** Where a chunk's pieces come from: rows added one by one, a piece cut when due. */
type PieceSource = {
  /** Adds row i to the piece being made; answers its length in bytes. */
  add(i: number): number;
  /** How long the piece being made is so far. */
  pending(): number;
  /** The piece (ending after the last row added); the next one starts empty. */
  cut(): Uint8Array;
  /** Whether making a piece is work worth giving the event loop a turn after. */
  costly: boolean;
};

/**
 * Rows written into a block of bytes that is reused: the chunk's pieces are views of it, cut at
 * the ends of lines, and the block starts again from its beginning for the chunk after next
 * (`Lookahead`). Made as strings, each row's line was a string made three or four times over
 * (its JSON, its escaping, the line, its encoding) and a chunk's text several MB of new strings
 * for the collector; written into a block that is already the chunk's size, nothing is made but
 * the bytes, into memory already touched. A row `write` refuses (throws: a result row too long to
 * store) fails its chunk while the chunk is being made, before any of it is sent: a chunk's COPY
 * starts only once all of its text is made.
 */
function bytesSource(write: (block: ByteBlock, i: number) => void, block: ByteBlock): PieceSource {
  block.at = 0;
  let start = 0;
  return {
    add(i) {
      const before = block.at;
      write(block, i);
      return block.at - before;
    },
    pending: () => block.at - start,
    cut() {
      // The block may have grown since the last cut (a new buffer): the pieces cut before stay
      // views of the old one, which they keep alive.
      const piece = block.out.subarray(start, block.at);
      start = block.at;
      return piece;
    },
    costly: true,
  };
}

/** Made text: the pieces are views of its bytes, cut at the ends of lines. */
function textSource(text: CopyText, from: number): PieceSource {
  let start = from === 0 ? 0 : text.ends[from - 1]!;
  let end = start;
  return {
    add(i) {
      const size = text.ends[i]! - end;
      end = text.ends[i]!;
      return size;
    },
    pending: () => end - start,
    cut() {
      const piece = text.bytes.subarray(start, end);
      start = end;
      return piece;
    },
    costly: false,
  };
}

/**
 * Produces a chunk's text ahead of its COPY, a piece at a time, giving the event loop a turn
 * between pieces so that the COPY being sent meanwhile keeps flowing. Started as soon as the
 * previous chunk's text has been handed to its COPY, it runs while PostgreSQL parses that chunk
 * and moves it: the application's work (the rows' JSON, their escaping, for results the rows
 * themselves) overlaps the database's instead of alternating with it. Stopped (and its error kept
 * for whoever awaits it) when the write fails, so nothing runs on after a failure. Text made
 * already is only cut into pieces (views of its bytes): there is nothing to overlap.
 */
class Lookahead {
  private stopped = false;
  /**
   * Two blocks for rows written here, taken in turns: chunk k's pieces are still being sent (the
   * socket holds them, not copies) while chunk k+1 is written, and chunk k+2 is started only once
   * chunk k's COPY has ended (`copyThroughStage`), all its bytes received by the server. Each is
   * `CHUNK_BYTES + PIECE` bytes: a chunk is cut at the first line that takes it to
   * `CHUNK_BYTES`, so it fits unless that line is longer than `PIECE`. A longer line grows the
   * block, doubling as often as it takes (`ByteBlock.room`; a result row's line over
   * `MAX_RESULT_LINE` is refused once written, db/recon-rows.ts), and the grown buffer is kept for
   * the rest of the write, the chunks after it reusing it.
   */
  private readonly blocks: ByteBlock[] = [];
  private turn = 0;

  constructor(private readonly copy: StagedCopy) {}

  stop(): void {
    this.stopped = true;
  }

  start(from: number): Promise<Chunk> {
    const chunk = this.build(from);
    chunk.catch(() => undefined); // awaited by the writer; not unhandled while it is busy elsewhere
    return chunk;
  }

  private nextBlock(): ByteBlock {
    const k = this.turn;
    this.turn = 1 - k;
    return (this.blocks[k] ??= new ByteBlock(CHUNK_BYTES + PIECE));
  }

  private async build(from: number): Promise<Chunk> {
    const { copy } = this;
    const source = 'text' in copy.rows ? textSource(copy.rows.text, from) : bytesSource(copy.rows.write, this.nextBlock());
    const every = copy.onProgress?.every ?? Number.POSITIVE_INFINITY;
    const last = Math.min(from + CHUNK, copy.count);
    const chunk: Chunk = { pieces: [], done: [], end: from };
    let bytes = 0;
    for (let i = from; i < last && !this.stopped; ) {
      bytes += source.add(i);
      i += 1;
      const progress = i % every === 0 || i === copy.count;
      const end = i === last || bytes >= CHUNK_BYTES;
      if (source.pending() >= PIECE || progress || end) {
        chunk.pieces.push(source.cut());
        chunk.done.push(progress ? i : null);
        chunk.end = i;
        if (end) break;
        if (source.costly) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return chunk;
  }
}

/**
 * One COPY of a prepared chunk. Written from this async function, not from a stream that pulls
 * pieces: the progress hook then runs in the caller's async context (the activity's Context, the
 * request's), where a pulling stream would run it in the socket's. `next` is called once the
 * chunk's text has been handed over, before the server has finished with it.
 */
async function copyChunk(connection: pg.PoolClient, sql: string, copy: StagedCopy, chunk: Chunk, next: () => void): Promise<void> {
  const stream = connection.query(copyFrom(sql));
  let refused = false; // the server failed the COPY (a row it cannot take): no CopyFail to send
  stream.on('error', () => (refused = true)); // also keeps a late error from being unhandled
  const ended = finished(stream); // settles once the server has finished (or failed) the COPY
  ended.catch(() => undefined); // awaited below; an early failure is not unhandled meanwhile
  try {
    for (let k = 0; k < chunk.pieces.length && !refused; k += 1) {
      if (!stream.write(chunk.pieces[k])) await Promise.race([once(stream, 'drain'), ended]);
      const done = chunk.done[k];
      if (done !== null && done !== undefined) await copy.onProgress?.hook(done);
    }
    if (!refused) {
      next();
      stream.end();
    }
    await ended; // a refusal rejects here with the server's error
  } catch (error) {
    if (!refused) {
      // CopyFail: the server ends the COPY with an error, and the connection is ready again.
      stream.destroy(error as Error);
      await ended.catch(() => undefined);
    }
    throw error;
  }
}

/** COPYs `copy.count` rows through a staging table into the real table, in the caller's transaction. */
export async function copyThroughStage(trx: Knex.Transaction, copy: StagedCopy): Promise<void> {
  if (copy.count === 0) return;
  const stage = `pg_temp.${pg.escapeIdentifier(copy.stage)}`;
  const names = copy.columns.map(([name]) => pg.escapeIdentifier(name)).join(', ');
  const ahead = new Lookahead(copy);
  let building = ahead.start(0);
  try {
    await trx.raw(`select set_config('work_mem', ?, true)`, [MOVE_WORK_MEM]);
    await trx.raw(`create temporary table ${pg.escapeIdentifier(copy.stage)} (${copy.columns.map(([name, type]) => `${pg.escapeIdentifier(name)} ${type}`).join(', ')}) on commit drop`);
    // The transaction's own connection: knex hands it back without leaving the transaction.
    const connection = (await trx.client.acquireConnection()) as pg.PoolClient;
    for (let from = 0; from < copy.count; ) {
      const chunk = await building;
      if (from > 0) await trx.raw(`truncate ${stage}`);
      await copyChunk(connection, `copy ${stage} (${names}) from stdin`, copy, chunk, () => {
        if (chunk.end < copy.count) building = ahead.start(chunk.end);
      });
      await trx.raw(copy.insert.sql, copy.insert.bindings);
      from = chunk.end;
    }
    await trx.raw(`drop table ${stage}`);
  } finally {
    ahead.stop();
  }
}
