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
 * `CHUNK_CHARS`), so that no statement runs for long (the api's connections have a statement
 * timeout) and the staging table stays small.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Knex } from 'knex';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** At most this many rows per COPY and per move into the real table… */
export const CHUNK = 25_000;
/**
 * …and about this much text: the staging table then stays in the session's temporary buffers
 * (`temp_buffers`, 8 MB by default) instead of spilling to temporary files. Measured at 1 lakh
 * result rows, chunks of 25,000 rows (about 30 MB) made the write no faster than the batched
 * INSERTs; chunks of 4 MB (with `MOVE_WORK_MEM`) wrote 2 lakh documents in a median 28 s against
 * 34 s for chunks of 2 MB, fewer moves paying the per-statement costs (the period lock's trigger,
 * the truncate, a round trip each) fewer times.
 */
export const CHUNK_CHARS = 4 * 1024 * 1024;
/**
 * `work_mem` for the rest of the writing transaction: the rows of one move are kept in the period
 * lock's transition table (a tuplestore bounded by `work_mem`, 4 MB by default), which a 4 MB
 * chunk's rows (larger as jsonb than as text) would otherwise spill to a temporary file. Set with
 * `set_config(…, true)` (SET LOCAL): it ends with the transaction, the pooled session keeps its own.
 */
export const MOVE_WORK_MEM = '32MB';

/** Characters COPY's text format gives a meaning to. */
const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One field in COPY's text format: backslash, newline, carriage return and tab escaped, so every
 * text reaches the table exactly as it was. Everything else, any Unicode included, passes as is:
 * the connection's encoding is UTF-8. Null (or undefined) is `\N`, SQL NULL.
 */
export function copyField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}

export type StagedCopy = {
  /** The staging table's name (created in `pg_temp` for this call, dropped after it). */
  stage: string;
  /** Its columns, as `name type` pairs, in the order each line gives them. */
  columns: ReadonlyArray<readonly [name: string, type: string]>;
  /** How many rows; `line(i)` is row i in COPY text, fields joined by tabs, with its newline. */
  count: number;
  /** Asked for each row once, in order (a chunk ahead of the COPY: see `Lookahead`). */
  line(i: number): string;
  /**
   * The move into the real table, `INSERT … SELECT … FROM pg_temp.<stage>`, and its bindings. It
   * runs once per chunk; the staging table holds only that chunk's rows.
   */
  insert: { sql: string; bindings: readonly Knex.RawBinding[] };
  /** Called every `every` rows once they have been handed to the COPY, and at the end. */
  onProgress?: { every: number; hook: (done: number) => Promise<void> | void };
};

/** Lines are sent in pieces of about this many characters (one stream write each). */
const PIECE = 256 * 1024;

/** One chunk's COPY text, in pieces; `done[k]` is the rows handed over with piece k when progress is due then. */
type Chunk = { pieces: string[]; done: Array<number | null>; end: number };

/**
 * Produces a chunk's text ahead of its COPY, a piece at a time, giving the event loop a turn
 * between pieces so that the COPY being sent meanwhile keeps flowing. Started as soon as the
 * previous chunk's text has been handed to its COPY, it runs while PostgreSQL parses that chunk
 * and moves it: the application's work (the rows' JSON, their escaping, for results the rows
 * themselves) overlaps the database's instead of alternating with it. Stopped (and its error kept
 * for whoever awaits it) when the write fails, so nothing runs on after a failure.
 */
class Lookahead {
  private stopped = false;

  constructor(private readonly copy: StagedCopy) {}

  stop(): void {
    this.stopped = true;
  }

  start(from: number): Promise<Chunk> {
    const chunk = this.build(from);
    chunk.catch(() => undefined); // awaited by the writer; not unhandled while it is busy elsewhere
    return chunk;
  }

  private async build(from: number): Promise<Chunk> {
    const { copy } = this;
    const every = copy.onProgress?.every ?? Number.POSITIVE_INFINITY;
    const last = Math.min(from + CHUNK, copy.count);
    const chunk: Chunk = { pieces: [], done: [], end: from };
    let text = '';
    let chars = 0;
    for (let i = from; i < last && !this.stopped; ) {
      const line = copy.line(i);
      text += line;
      chars += line.length;
      i += 1;
      const progress = i % every === 0 || i === copy.count;
      const end = i === last || chars >= CHUNK_CHARS;
      if (text.length >= PIECE || progress || end) {
        chunk.pieces.push(text);
        chunk.done.push(progress ? i : null);
        chunk.end = i;
        text = '';
        if (end) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
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
