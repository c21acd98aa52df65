/**
 * Purchase-register reader for CSV, streaming, feeding the row sink: records from csv-records.ts,
 * or from csv-parse where a file is not plain CSV (the two give the same records).
 */
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { parse as parseCsv } from 'csv-parse';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { type ByteSource, peek } from './byte-source';
import { type CsvFallback, type CsvRecordHandler, CsvRecords, RECORD_MAX } from './csv-records';
import { looksLikeHeader, mapHeader } from './register-header';
import { Utf8Pieces } from './utf8-pieces';
import { RegisterSink, refuse, type RegisterReadOptions, type RegisterReadResult } from './register-sink';
import { sniffContent } from './sniff';

/**
 * The longest record csv-parse reads (its `max_record_size`, counted in bytes of the field being read):
 * a record longer than CsvRecords's RECORD_MAX characters goes to csv-parse, so this is above what
 * CsvRecords may hand on (up to a decoded piece more, three bytes a character), and a giant cell, in
 * any column, costs at most this much before the file is refused (docs/security-limits.md).
 */
export const CSV_RECORD_BYTES = 4 * RECORD_MAX;

/**
 * csv-parse's options wherever the reader uses it (the streaming read and the header search), so
 * both read a record alike: ragged records and stray quotes tolerated, blank lines kept (the sink
 * counts them), each record with its line.
 */
const CSV_PARSE_OPTIONS = { relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true, max_record_size: CSV_RECORD_BYTES } as const;

function detectDelimiter(head: Uint8Array): string {
  const text = new TextDecoder().decode(head);
  const firstLines = text.split(/\r?\n/).slice(0, 15).join('\n');
  const counts: Array<[string, number]> = [',', ';', '\t', '|'].map((d) => [d, firstLines.split(d).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

/**
 * The most bytes decoded at once: the tokenizer's pending record is joined to each piece, so a
 * piece is what one write copies. (Node's streaming TextDecoder, which decoded before
 * utf8-pieces.ts, handed a piece of about a megabyte back as a two-byte string even when it was
 * ASCII, and every text cut from it took two bytes a character.)
 */
const DECODE_PIECE = 1 << 16;

/**
 * The records from `from_line` on, as csv-parse streams them with the reader's options: CsvRecords
 * reads plain CSV, and where a record is not plain csv-parse reads from that record to the end
 * (csv-records.ts). A csv-parse error goes to `failed`, after the records before it.
 */
export async function tokenize(
  bytes: AsyncIterable<Uint8Array>, delimiter: string, fromLine: number, take: CsvRecordHandler, failed: (e: Error) => void,
): Promise<void> {
  const decoder = new Utf8Pieces(); // drops a leading BOM, as csv-parse's `bom` does
  if (!CsvRecords.reads(delimiter)) {
    await csvParseRest({ rest: '', line: 1, fromLine, newline: '' }, bytes[Symbol.asyncIterator](), decoder, delimiter, take, failed);
    return;
  }
  const fast = new CsvRecords(delimiter, fromLine, take);
  const it = bytes[Symbol.asyncIterator]();
  let restOfChunk: Uint8Array | undefined;
  try {
    for (;;) {
      const n = await it.next();
      if (n.done) {
        const tail = decoder.decode();
        if (tail) fast.write(tail);
        fast.end();
        break;
      }
      const bytes = n.value;
      for (let i = 0; i < bytes.length; i += DECODE_PIECE) {
        fast.write(decoder.decode(bytes.length <= DECODE_PIECE ? bytes : bytes.subarray(i, i + DECODE_PIECE), true));
        // csv-parse reads on from the record the tokenizer left: with the rest of this chunk.
        if (fast.fallback) restOfChunk = bytes.subarray(i + DECODE_PIECE);
        if (fast.stopped || fast.fallback) break;
      }
      if (fast.stopped || fast.fallback) break;
    }
  } catch (e) {
    // A failing source (or row) ends the read as a csv-parse error would.
    failed(e as Error);
    return;
  }
  if (fast.fallback) await csvParseRest(fast.fallback, it, decoder, delimiter, take, failed, restOfChunk);
  else if (fast.stopped) await it.return?.();
}

/** `bytes` decoded DECODE_PIECE bytes at a time (one-byte strings for ASCII), empty pieces left out. */
function* decodedPieces(decoder: Utf8Pieces, bytes: Uint8Array): Generator<string> {
  for (let i = 0; i < bytes.length; i += DECODE_PIECE) {
    const t = decoder.decode(bytes.length <= DECODE_PIECE ? bytes : bytes.subarray(i, i + DECODE_PIECE), true);
    if (t) yield t;
  }
}

/**
 * csv-parse from a record on: fed as many empty lines as come before it, so that its line numbers
 * (in records and in errors) are the file's, and `from_line` skips them; then the record's text,
 * the rest of the chunk it was in, and the chunks after.
 */
async function csvParseRest(
  fb: CsvFallback, it: AsyncIterator<Uint8Array>, decoder: Utf8Pieces, delimiter: string, take: CsvRecordHandler,
  failed: (e: Error) => void, restOfChunk?: Uint8Array,
): Promise<void> {
  async function* texts(): AsyncGenerator<string> {
    if (fb.line > 1) yield fb.newline.repeat(fb.line - 1);
    yield fb.rest;
    if (restOfChunk) yield* decodedPieces(decoder, restOfChunk);
    for (;;) {
      const n = await it.next();
      if (n.done) break;
      yield* decodedPieces(decoder, n.value);
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  }
  const parser = parseCsv({ ...CSV_PARSE_OPTIONS, bom: false, delimiter, from_line: fb.fromLine });
  try {
    for await (const rec of Readable.from(texts()).pipe(parser) as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!take(rec.record, rec.info.lines)) break;
    }
  } catch (e) {
    failed(e as Error);
  }
}

interface HeaderSearch {
  /** The header's line (csv-parse's `info.lines`), or 0 when none was found. */
  headerLine: number;
  /** The records above the header. */
  titleRecords: Array<{ record: string[]; line: number }>;
}

/**
 * The first record of `text` (complete records only) that reads as the header, and the records
 * above it, as csv-parse reads `text` with the reader's options and `bom`; no header when csv-parse
 * fails on any part of `text` (the streaming read then reports the error with its line). csv-parse
 * builds an error with a stack trace for every record wider than the first, which in a Tally
 * export is every record after the one-cell company name: so the text goes to CsvRecords, which
 * gives csv-parse's records and lines wherever the text is plain CSV (csv-records.ts), and to
 * csv-parse only where it is not.
 */
function findHeaderLine(text: string, delimiter: string, columnMap: RegisterReadOptions['columnMap']): HeaderSearch {
  let found: HeaderSearch = { headerLine: 0, titleRecords: [] };
  let records: CsvRecords | null = null;
  const look = (record: string[], line: number): boolean => {
    if (found.headerLine > 0) return true; // read on: a failure after the header still means "no header" here
    if (looksLikeHeader(record.map((t) => mapHeader(t.trim(), columnMap)))) {
      found.headerLine = line;
      // Read on only to learn whether the prefix is plain CSV: its records are not wanted.
      if (records !== null) records.discard = true;
    } else found.titleRecords.push({ record, line });
    return true;
  };
  if (CsvRecords.reads(delimiter)) {
    records = new CsvRecords(delimiter, 1, look);
    records.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text); // csv-parse's `bom`
    records.end();
    if (!records.fallback) return found;
    found = { headerLine: 0, titleRecords: [] };
  }
  try {
    const recs = parseCsvSync(text, { ...CSV_PARSE_OPTIONS, bom: true, delimiter }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    for (const r of recs) look(r.record, r.info.lines);
    return found;
  } catch {
    return { headerLine: 0, titleRecords: [] };
  }
}

/** The most of a file buffered to find the header line (title blocks are a few lines). */
const HEADER_PREFIX_BYTES = 1 << 20;

/** The start of a source, buffered for the header search. */
class Prefix {
  private readonly parts: Buffer[] = [];
  private length = 0;
  exhausted = false;

  constructor(private readonly iter: AsyncIterator<Buffer | string>) {}

  /**
   * The text searched for the header: all of a file that ends within HEADER_PREFIX_BYTES with at
   * most `lines` line feeds, else the complete lines of its first HEADER_PREFIX_BYTES bytes. (The
   * reader once cut its prefix at the first chunk that held enough lines, which made the header
   * found, and so the read, depend on the upload's chunks; this is what it read for a whole file
   * below that size.)
   */
  async text(lines: number): Promise<string> {
    while (!this.exhausted && this.length < HEADER_PREFIX_BYTES) {
      const n = await this.iter.next();
      if (n.done) {
        this.exhausted = true;
        break;
      }
      const b = typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
      this.parts.push(b);
      this.length += b.length;
    }
    const all = this.bytes();
    const window = all.subarray(0, HEADER_PREFIX_BYTES);
    let feeds = 0;
    for (let i = window.indexOf(10); i >= 0 && feeds <= lines; i = window.indexOf(10, i + 1)) feeds += 1;
    const whole = this.exhausted && all.length <= HEADER_PREFIX_BYTES && feeds <= lines;
    return window.toString('utf8', 0, whole ? window.length : window.lastIndexOf(10) + 1);
  }

  /** Everything buffered so far. */
  bytes(): Buffer {
    if (this.parts.length !== 1) {
      const all = Buffer.concat(this.parts, this.length);
      this.parts.length = 0;
      this.parts.push(all);
    }
    return this.parts[0]!;
  }
}

/**
 * Read a CSV register from a string, bytes or a stream of chunks.
 *
 * csv-parse fixes the expected record width from the first record and, when a record differs,
 * constructs a full CsvError (with a stack trace) even under `relax_column_count` — and the first
 * record of a Tally export is the one-cell company name. So we buffer a small prefix, find the
 * header line there, feed the title rows to the sink from that prefix, and start the streaming
 * parse at the header line (`from_line`), which makes the header fix the width.
 */
export async function readRegisterCsv(src: ByteSource, options: RegisterReadOptions = {}): Promise<RegisterReadResult> {
  const { head, stream } = await peek(src);
  const kind = sniffContent(head);
  if (kind.kind === 'empty') return refuse('empty file', 'empty_file');
  if (kind.kind !== 'csv') {
    stream.destroy();
    return refuse(kind.kind === 'binary' ? `not a CSV file: ${kind.reason}` : `not a CSV file: looks like ${kind.kind}`, 'not_csv');
  }
  const sink = new RegisterSink(options);
  const delimiter = options.csvDelimiter ?? detectDelimiter(head);
  const searchRows = options.headerSearchRows ?? 60;
  // 1. Find the header in a buffered prefix whose text depends on the file alone, never on how it
  // is cut into chunks (Prefix.text), so every chunking reads like the whole file.
  const iter = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const prefix = new Prefix(iter);
  const { headerLine, titleRecords } = findHeaderLine(await prefix.text(searchRows + 1), delimiter, options.columnMap);
  const buffered = prefix.bytes();
  async function* replay(): AsyncGenerator<Buffer> {
    yield buffered;
    if (prefix.exhausted) return;
    for (;;) {
      const n = await iter.next();
      if (n.done) return;
      yield typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    }
  }
  if (headerLine > 0) for (const t of titleRecords) sink.row(t.record, t.line);
  // 3. Read the rest from the header line (or from the top when no header was seen).
  const take = (record: string[], line: number): boolean => {
    if (!sink.admit(record.length)) return false;
    sink.row(record, line);
    return !sink.fatal;
  };
  // The sink copies what it keeps of a record (its texts): records are not kept past their row.
  await tokenize(replay(), delimiter, headerLine > 0 ? headerLine : 1, take, (e) => {
    const c = e as Error & { code?: string; lines?: number };
    if (c.code === 'CSV_MAX_RECORD_SIZE') {
      sink.error({ code: 'record_too_long', fatal: true, line: c.lines, message: `line ${c.lines ?? '?'} has more than ${CSV_RECORD_BYTES / RECORD_MAX} MB of text: no register row is that long` });
    } else sink.error({ code: 'invalid_csv', fatal: true, message: e.message });
  });
  return sink.result();
}
