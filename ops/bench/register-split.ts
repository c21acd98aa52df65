/**
 * Where the register CSV reader's time goes, measured in the same process as the reader and its
 * floor: the reader's tokenizer alone (`tokenize` of register-csv.ts streaming from the header
 * line, records kept as the reader would hand them on) and the row sink alone (fed those records).
 * The two add up to about the reader's time; each is reported as a ratio to the floor. Next to the
 * tokenizer, on the same bytes, the two maintained parsers it was weighed against: csv-parse
 * (streaming, with the reader's options: the reader's tokenizer before csv-records.ts) and
 * papaparse (the whole text at once, its fastest way).
 *
 * And what parsed documents keep alive: the heap a reader's result retains, per document, measured
 * by reading the file once more, holding the result across a full collection, then dropping it and
 * collecting again: the difference is what the result alone holds (needs --expose-gc, as the
 * engine children run; 0 without it).
 */
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { parse as papaParse } from 'papaparse';
import { tokenize } from '../../domain/recon/register-csv';
import { RegisterSink } from '../../domain/recon/register-sink';

const CHUNK = 64 * 1024;

function* chunks(buf: Buffer): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

async function* asyncChunks(buf: Buffer): AsyncGenerator<Buffer> {
  yield* chunks(buf);
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export interface RegisterSplit {
  /** The reader's tokenizer (csv-records.ts, csv-parse where a file is not plain). */
  tokenizeMs: number;
  /** csv-parse alone, streaming with the reader's options. */
  csvParseMs: number;
  /** papaparse alone, the whole text at once. */
  papaparseMs: number;
  sinkMs: number;
}

/** Tokenizers and sink of the register CSV reader, timed apart on the same bytes. */
export async function registerSplit(csv: Buffer): Promise<RegisterSplit> {
  const text = csv.toString('utf8');
  // The reader finds the header in a prefix and parses from there (register-csv.ts); so do we.
  const headerLine = text.split('\n').findIndex((l) => l.startsWith('Date,')) + 1;
  if (headerLine === 0) throw new Error('no header line in the bench register');
  const records: Array<{ record: string[]; line: number }> = [];
  collect();
  let t = process.hrtime.bigint();
  await tokenize(asyncChunks(csv), ',', headerLine, (record, line) => {
    records.push({ record, line });
    return true;
  }, (e) => {
    throw e;
  });
  const tokenizeMs = ms(t);

  collect();
  let kept = 0;
  t = process.hrtime.bigint();
  const parser = parseCsv({ bom: true, delimiter: ',', relax_column_count: true, relax_quotes: true, skip_empty_lines: false, info: true, from_line: headerLine });
  const viaCsvParse: unknown[] = [];
  for await (const rec of Readable.from(chunks(csv)).pipe(parser) as AsyncIterable<{ record: string[]; info: { lines: number } }>) viaCsvParse.push(rec);
  const csvParseMs = ms(t);
  kept += viaCsvParse.length;
  viaCsvParse.length = 0;

  collect();
  t = process.hrtime.bigint();
  const papa = papaParse<string[]>(text, { delimiter: ',', newline: '\r\n' });
  const papaparseMs = ms(t);
  kept += papa.data.length;
  if (kept === 0 || records.length === 0) throw new Error('a tokenizer read no records');

  collect();
  t = process.hrtime.bigint();
  const sink = new RegisterSink({ source: 'pr.csv' });
  for (const rec of records) {
    sink.admit(rec.record.length);
    sink.row(rec.record, rec.line);
  }
  const result = sink.result();
  const sinkMs = ms(t);
  if (!result.ok || result.rows.length === 0) throw new Error('the sink alone read no rows');
  return { tokenizeMs, csvParseMs, papaparseMs, sinkMs };
}

/**
 * The used heap after the event loop has turned and a full collection (bytes). A streamed read's
 * last promise reactions and stream events hold its state until the loop turns, so a collection
 * straight after the read would count them.
 */
async function heapAfterCollect(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

/** Bytes of heap a read's result retains, per document it holds. */
export async function retainedPerDocument<T>(read: () => Promise<T>, documents: (t: T) => number): Promise<number> {
  // Held through an object that is used afterwards: V8 does not treat a local it will not read
  // again as a root, so a bare local could be collected before the first measurement.
  const box: { held: T | null } = { held: await read() };
  const count = documents(box.held as T);
  const withResult = await heapAfterCollect();
  box.held = null;
  const without = await heapAfterCollect();
  return box.held === null && count > 0 ? (withResult - without) / count : 0;
}
