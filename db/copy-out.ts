/**
 * Reading rows by `COPY (SELECT …) TO STDOUT`: the server sends the rows as lines of COPY text,
 * without the row descriptions, per-field lengths and per-row objects of a query's answer, and
 * the caller gets each line's text as it arrives. Row-level security applies to the query as to
 * any SELECT of the transaction's role. Used for the one bulk read, a run's load of its imports
 * (activities/reconciliation-load.ts), where the driver's row parsing was most of the work besides
 * the documents' JSON.parse.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Knex } from 'knex';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

const UNESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * One field of COPY's text format back to its text: `\\` is a backslash, `\n` and the like the
 * control character. (A jsonb's text never holds a control character, JSON escapes them, so in a
 * document only the doubled backslashes occur; the rest is for completeness.)
 */
export function copyUnescape(field: string): string {
  return field.includes('\\') ? field.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c) : field;
}

/**
 * A query whose rows each have one text column, read by COPY: `onField` gets each row's field
 * (unescaped) in order. The column must not be NULL: COPY writes NULL as `\N`, which has no text to
 * hand over, so such a row fails the read rather than arriving as the text "N". The query is the
 * caller's SQL with its values already in it (COPY takes no bind parameters: quote them with
 * `pg.escapeLiteral`). Runs on the transaction's connection; a query submitted while another COPY
 * of it is still streaming waits for it (the driver's queue), so a caller may submit the next read
 * before consuming the current one.
 */
export function copyOutField(connection: pg.PoolClient, sql: string, onField: (field: string) => void): Promise<number> {
  const stream = connection.query(copyTo(`copy (${sql}) to stdout`));
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let rows = 0;
  return new Promise<number>((resolve, reject) => {
    let failed: unknown = null; // the caller's error: the rest of the rows are read and dropped, so the connection stays usable
    stream.on('data', (chunk: Buffer) => {
      const text = partial + decoder.write(chunk);
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        if (failed === null) {
          try {
            const field = text.slice(start, end);
            if (field === '\\N') throw new Error('COPY read a NULL where a text was expected');
            onField(copyUnescape(field));
          } catch (error) {
            failed = error;
          }
        }
        rows += 1;
        start = end + 1;
      }
      partial = text.slice(start);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      if (failed !== null) reject(failed);
      else if (partial + decoder.end() !== '') reject(new Error('COPY ended inside a row'));
      else resolve(rows);
    });
  });
}

/** The transaction's own connection (knex hands it back without leaving the transaction). */
export async function connectionOf(trx: Knex.Transaction): Promise<pg.PoolClient> {
  return (await trx.client.acquireConnection()) as pg.PoolClient;
}
