/**
 * COPY's text format, and an import's documents written in it ahead of their COPY. Nothing here
 * talks to the database, so an upload's parser thread (api/imports/parse-worker.ts) can turn the
 * documents it read into the text the api then streams to PostgreSQL (db/copy-rows.ts): the
 * documents' JSON and its escaping are done off the api's event loop, and what crosses between
 * the threads is one block of bytes instead of a lakh of objects.
 */

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

/** One imported document as a line of the staging table `(seq, doc)`: its position and its JSON. */
export function importRowLine(seq: number, doc: unknown): string {
  return `${seq}\t${copyField(JSON.stringify(doc))}\n`;
}

/**
 * Lines of COPY text, already UTF-8: line i is `bytes[ends[i-1] … ends[i])` (from 0 for the first).
 * Plain typed arrays, so the block passes between threads as it is.
 */
export type CopyText = { bytes: Uint8Array; ends: Uint32Array };

/** Lines are joined into strings of about this many characters before they are encoded. */
const JOINED = 1 << 20;

/** An import's documents as COPY text, one `importRowLine` each, in file order. */
export function importRowsText(docs: readonly unknown[]): CopyText {
  const ends = new Uint32Array(docs.length);
  const parts: string[] = [];
  let part = '';
  let bytes = 0;
  for (let i = 0; i < docs.length; i += 1) {
    const line = importRowLine(i, docs[i]);
    bytes += Buffer.byteLength(line, 'utf8');
    // The offsets are 32-bit: past 4 GB of text (beyond any upload cap) the positions would wrap.
    if (bytes > 0xffffffff) throw new RangeError('the documents are more than 4 GB of COPY text');
    ends[i] = bytes;
    part += line;
    if (part.length >= JOINED) {
      parts.push(part);
      part = '';
    }
  }
  parts.push(part);
  // Its own ArrayBuffer (not a slice of Node's shared pool), exactly the text's size.
  const out = Buffer.from(new ArrayBuffer(bytes));
  let at = 0;
  for (const p of parts) at += out.write(p, at, 'utf8');
  return { bytes: new Uint8Array(out.buffer, 0, bytes), ends };
}
