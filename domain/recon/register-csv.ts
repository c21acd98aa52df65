/**
 * Purchase-register reader for CSV (csv-parse, streaming), feeding the row sink.
 */
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { type ByteSource, peek } from './byte-source';
import { looksLikeHeader, mapHeader } from './register-header';
import { RegisterSink, refuse, type RegisterReadOptions, type RegisterReadResult } from './register-sink';
import { sniffContent } from './sniff';

function detectDelimiter(head: Uint8Array): string {
  const text = new TextDecoder().decode(head);
  const firstLines = text.split(/\r?\n/).slice(0, 15).join('\n');
  const counts: Array<[string, number]> = [',', ';', '\t', '|'].map((d) => [d, firstLines.split(d).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

/** How much of the file we buffer to find the header line (title blocks are a few lines). */
const HEADER_PREFIX_BYTES = 1 << 20;

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
  // 1. Buffer a prefix: enough lines to contain the header.
  const iter = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const prefixParts: Buffer[] = [];
  let prefixLen = 0;
  let newlines = 0;
  let exhausted = false;
  while (prefixLen < HEADER_PREFIX_BYTES && newlines <= searchRows + 1) {
    const n = await iter.next();
    if (n.done) {
      exhausted = true;
      break;
    }
    const b = typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    prefixParts.push(b);
    prefixLen += b.length;
    for (let i = 0; i < b.length; i += 1) if (b[i] === 10) newlines += 1;
  }
  const prefix = Buffer.concat(prefixParts);
  // 2. Find the header among the complete lines of the prefix.
  let headerLine = 0;
  const titleRecords: Array<{ record: string[]; line: number }> = [];
  {
    const text = prefix.toString('utf8');
    const cut = exhausted ? text.length : text.lastIndexOf('\n') + 1;
    try {
      const recs = parseCsvSync(text.slice(0, cut), {
        bom: true, delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true,
      }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
      for (const r of recs) {
        if (looksLikeHeader(r.record.map((t) => mapHeader(t.trim(), options.columnMap)))) {
          headerLine = r.info.lines;
          break;
        }
        titleRecords.push({ record: r.record, line: r.info.lines });
      }
    } catch {
      // A malformed prefix: let the streaming parse below report the error with its line.
      headerLine = 0;
    }
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield prefix;
    for (;;) {
      const n = await iter.next();
      if (n.done) return;
      yield typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    }
  }
  if (headerLine > 0) for (const t of titleRecords) sink.row(t.record, t.line);
  // 3. Stream the rest from the header line (or from the top when no header was seen).
  const parser = parseCsv({
    bom: true,
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    info: true,
    ...(headerLine > 0 ? { from_line: headerLine } : {}),
  });
  try {
    for await (const rec of Readable.from(replay()).pipe(parser) as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!sink.admit(rec.record.length)) break;
      sink.row(rec.record, rec.info.lines);
      if (sink.fatal) break;
    }
  } catch (e) {
    sink.error({ code: 'invalid_csv', fatal: true, message: (e as Error).message });
  }
  return sink.result();
}
