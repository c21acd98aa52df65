/**
 * COPY's text format, and an import's documents written in it ahead of their COPY. Nothing here
 * talks to the database, so an upload's parser thread (api/imports/parse-worker.ts) can turn the
 * documents it read into the text the api then streams to PostgreSQL (db/copy-rows.ts): the
 * documents' JSON and its escaping are done off the api's event loop, and what crosses between
 * the threads is one block of bytes instead of a lakh of objects.
 */

import { ByteBlock, CopyTextTooLarge, writeCopyJson } from './copy-json';

export { CopyTextTooLarge };

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

/**
 * `copyField(value)` written as UTF-8 at the block's end, as Buffer#write would encode it (an
 * unpaired surrogate as U+FFFD, as any string sent on the connection is). A text of printable
 * ASCII, as categories and GSTINs are, is written a byte at a time; any other is left to
 * `copyField`, so the two are the same bytes by construction.
 */
export function writeCopyField(block: ByteBlock, value: string | null | undefined): void {
  if (value === null || value === undefined) {
    block.text('\\N');
    return;
  }
  const n = value.length;
  block.room(n);
  const out = block.out;
  const start = block.at;
  for (let i = 0; i < n; i += 1) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x5c) {
      // A control character, a backslash or anything past ASCII: copyField's way.
      block.text(copyField(value));
      return;
    }
    out[start + i] = c;
  }
  block.at = start + n;
}

/** One imported document as a line of the staging table `(seq, doc)`: its position and its JSON. */
const jsonLine = (seq: number, json: string): string => `${seq}\t${copyField(json)}\n`;

/**
 * Text jsonb cannot hold: NUL (U+0000) and a UTF-16 surrogate without its pair. A file can carry
 * either as text (JSON's `\u0000` and `\ud800` escapes, a NUL byte in a register's cell, an XML
 * character reference in a workbook), JSON.stringify writes them as those escapes, and PostgreSQL
 * refuses the escape, failing the whole COPY. `UNSTORABLE_ESCAPE` finds them in JSON.stringify's
 * output (lower-case escapes; after an even run of backslashes, since an odd one makes the text
 * `\u…` itself); `LONE_SURROGATE` and a NUL say which string of the document holds one
 * (without the `u` flag the pattern sees UTF-16 units, so it can tell a pair from a lone half).
 */
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Where an import's document holds text that cannot be stored: refused before anything is written. */
export class UnstorableText extends Error {
  constructor(
    /** The document's position in the import. */
    readonly index: number,
    /** The field holding it, as a dotted path (`supplierName`, `original.number`). */
    readonly field: string,
    /** What it holds, in words. */
    readonly what: string,
  ) {
    super(`document ${index}: ${field} contains ${what}, which cannot be stored`);
  }
}

/**
 * The first string (a key or a value) of `value` holding unstorable text, and what it holds: the one
 * rule for imports, JSON request bodies (api/middleware/storable-body.ts) and the console's names.
 */
export function unstorableText(value: unknown, path = ''): { field: string; what: string } | undefined {
  return unstorableAt(value, path);
}

/** A field's words for the text it must not hold (the API's 400 and the console's form alike). */
export const unstorableMessage = (what: string) => `must not contain ${what}`;

function unstorableAt(value: unknown, path: string): { field: string; what: string } | undefined {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { field: path, what: 'a NUL character (U+0000)' };
    if (LONE_SURROGATE.test(value)) return { field: path, what: 'an unpaired UTF-16 surrogate (U+D800–U+DFFF)' };
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    const found = unstorableAt(key, at) ?? unstorableAt(inner, at);
    if (found) return found;
  }
  return undefined;
}

/**
 * Lines of COPY text, already UTF-8: line i is `bytes[ends[i-1] … ends[i])` (from 0 for the first).
 * Plain typed arrays, so the block passes between threads as it is.
 */
export type CopyText = { bytes: Uint8Array; ends: Uint32Array };

/** Lines written before the block is reserved at its estimated size. */
const SAMPLE = 256;

/**
 * The most the block is reserved at from its estimate. The first lines need not be like the rest
 * (a register's first rows with a long narration, a file built to look so), and their estimate is
 * unbounded: 256 lines of 50,000 characters before a lakh of short ones said 12 GB. Past this
 * bound the block doubles as it fills (`ByteBlock.room`), as it did before estimates; the largest
 * text the upload caps allow (a 100 MB 2B JSON, about 250 MB) is reserved in one step or doubled
 * once, and a wrong estimate reserves at most this much, which is never touched unless written.
 */
export const MAX_RESERVE = 256 * 2 ** 20;

/** How the block of `importRowsText` is sized: tests lower these to reach its edges. */
export type CopyTextOptions = {
  /** The most it is reserved at from its estimate (`MAX_RESERVE`). */
  maxReserve?: number;
  /** The most bytes it may hold (Buffer's largest size): past it the text is `CopyTextTooLarge`, as when memory runs out. */
  maxBlock?: number;
};

/**
 * An import's documents as COPY text, one line of the staging table `(seq, doc)` each, in file
 * order: what `insertImportText` (db/recon-rows.ts) writes, the one way import rows are stored.
 * Throws `UnstorableText` for the first document holding text jsonb refuses, so an upload is
 * refused before any of it is written rather than failing in the database part-way.
 */
export function importRowsText(docs: readonly unknown[], options: CopyTextOptions = {}): CopyText {
  const maxReserve = Math.min(options.maxReserve ?? MAX_RESERVE, options.maxBlock ?? Number.POSITIVE_INFINITY);
  // Each line is written as it is made, straight into the block (copy-json.ts), so no line is a
  // string at all: kept in an array (or joined into one string) until the end, a lakh of lines
  // were promoted and copied by the garbage collector, and made one string at a time (the JSON,
  // its escaping, the line, its encoding) they were most of a parser thread's time.
  const block = new ByteBlock(1 << 16, options.maxBlock);
  const ends = new Uint32Array(docs.length);
  for (let i = 0; i < docs.length; i += 1) {
    // Once a sample of lines is written, the block is reserved at what they say the whole will
    // take, and a quarter more (copy-json.ts, `reserve`): doubled from a small start, a lakh of
    // 2B documents' text touched 108 MB of new memory for 45 MB of text. The estimate is capped
    // (`MAX_RESERVE`): past it the block doubles as it fills.
    if (i === SAMPLE && docs.length > 2 * SAMPLE) block.reserve(Math.min(Math.ceil((block.at / SAMPLE) * docs.length * 1.25) + (1 << 16), maxReserve));
    const start = block.at;
    block.digits(i);
    block.byte(0x09);
    if (writeCopyJson(block, docs[i])) block.byte(0x0a);
    else {
      block.at = start;
      stringifiedLine(block, i, docs[i]);
    }
    // The offsets are 32-bit: past 4 GB of text (beyond any upload cap) the positions would wrap.
    if (block.at > 0xffffffff) throw new CopyTextTooLarge('the documents are more than 4 GB of COPY text');
    ends[i] = block.at;
  }
  return { bytes: new Uint8Array(block.out.buffer, block.out.byteOffset, block.at), ends };
}

/**
 * A document the block's writer leaves to JSON.stringify (anything but plain data, or text jsonb
 * refuses): its line as JSON.stringify and `copyField` make it, and its refusal or error.
 */
function stringifiedLine(block: ByteBlock, i: number, doc: unknown): void {
  const json = JSON.stringify(doc);
  // Only JSON.stringify's escapes can spell unstorable text.
  if (json.includes('\\u') && UNSTORABLE_ESCAPE.test(json)) {
    const found = unstorableAt(doc, '');
    throw new UnstorableText(i, found?.field ?? '', found?.what ?? 'text that cannot be stored');
  }
  block.text(jsonLine(i, json));
}
