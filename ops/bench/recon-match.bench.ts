/**
 * Reconciliation benchmark: parse throughput of the 2B and 2A JSON and register CSV readers, each
 * next to its floor measured in the same process on the same bytes (JSON.parse of the whole text;
 * for the CSV, decoding it and splitting it into lines and the lines on the delimiter), match time (first full-size run, and the median of
 * nine warm runs, in wall-clock time and in the main thread's CPU time) and rows per second, and peak RSS.
 * Run on the compiled build (as production runs the engine): `npx tsc -p tsconfig.bench.json`, then
 * node --expose-gc --max-semi-space-size=64 dist/ops/bench/recon-match.bench.js [sizes…]
 * (default 10000 100000; without --expose-gc the inputs' garbage is not collected before timing).
 * `npm run bench:recon` runs it per size in its own process, for both builds (recon-e2e.bench.ts).
 */
import { ROW_BATCH } from '../../db/recon-rows';
import { reconcile } from '../../domain/recon';
import { readGstr2a } from '../../domain/recon/gstr2a-reader';
import { readGstr2b } from '../../domain/recon/gstr2b-reader';
import { readRegisterCsv } from '../../domain/recon/register-reader';
import type { BooksRow, PortalDoc } from '../../domain/recon/types';
import { generateReconData, toGstr2aJson, toGstr2bJson, toRegisterCsv } from './recon-data';
import { registerSplit, retainedPerDocument } from './register-split';
import { registerXlsxTimings, xlsxComparisons, type XlsxTimings } from './register-xlsx-floor';
import { mainThreadCpuMs } from './thread-cpu';

const CHUNK = 64 * 1024;

/** Largest size whose register parts and retained heap are measured (RECON_BENCH_PARTS_MAX, default 1 lakh). */
const PARTS_MAX = Number(process.env.RECON_BENCH_PARTS_MAX ?? 100_000);

function* chunks(buf: Buffer): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export interface BenchRow {
  size: number;
  /** Each reader's MB/s and its floor's (see `floors`), measured on the same bytes in the same process. */
  jsonMb: number;
  jsonBaselineMBs: number;
  jsonReaderMBs: number;
  json2aMb: number;
  json2aBaselineMBs: number;
  json2aReaderMBs: number;
  csvMb: number;
  csvBaselineMBs: number;
  csvReaderMBs: number;
  /** The register reader's two parts alone (register-split.ts), MB/s on the same bytes. */
  csvTokenizeMBs: number;
  csvSinkMBs: number;
  /** csv-parse and papaparse alone on the same bytes (register-split.ts), MB/s. */
  csvParseMBs: number;
  papaparseMBs: number;
  /** The register XLSX reader and its floor (register-xlsx-floor.ts), MB/s of the workbook. */
  xlsxMb: number;
  xlsxReaderMBs: number;
  xlsxFloorMBs: number;
  /** The reader before (exceljs) and saxes alone on the same workbook, as text (register-xlsx-floor.ts). */
  xlsxComparisons: string;
  /** Each reader's second read of the same file in the process (its code compiled by then), MB/s. */
  secondReadMBs: { csv: number; twoB: number; twoA: number };
  /** Heap the parsed documents retain, bytes per document (0 without --expose-gc). */
  booksBytesPerDoc: number;
  portalBytesPerDoc: number;
  /** First full-size run in the process. */
  matchFirstMs: number;
  /** Median of the warm runs (the figure compared with the targets), and all of them. */
  matchMs: number;
  matchWarmMs: number[];
  /**
   * Median main-thread CPU time of the warm runs (null where it cannot be read): the wall-clock
   * figure less the time the thread waited, and without V8's helper threads on other cores.
   */
  matchCpuMs: number | null;
  matchRowsPerSec: number;
  /**
   * Median time to build every result row object after a warm match, a batch of ROW_BATCH at a
   * time as the worker builds them while it writes them (not part of the match).
   */
  rowsBuildMs: number;
  peakRssMb: number;
  /**
   * Peak RSS when the readers were done (files, floors' parse trees and parsed documents), before
   * the parts' measurements and the first match: which phase sets the peak.
   */
  peakRssAfterParseMb: number;
  categories: Record<string, number>;
}

/** Parsed inputs of one size and the parse timings (the generator's objects and both files are dropped). */
interface Parsed {
  books: BooksRow[];
  portal: PortalDoc[];
  jsonMb: number;
  jsonBaseMs: number;
  jsonMs: number;
  json2aMb: number;
  json2aBaseMs: number;
  json2aMs: number;
  csvMb: number;
  csvBaseMs: number;
  csvMs: number;
  csvTokenizeMs: number;
  csvSinkMs: number;
  csvParseMs: number;
  papaparseMs: number;
  xlsx: XlsxTimings;
  secondReadMs: { csv: number; twoB: number; twoA: number };
  booksBytesPerDoc: number;
  portalBytesPerDoc: number;
  peakRssAfterParseMb: number;
}

async function parseSize(size: number): Promise<Parsed> {
  const data = generateReconData({ n: size, seed: 7 });
  const json = Buffer.from(toGstr2bJson(data));
  const csv = Buffer.from(toRegisterCsv(data));

  const json2a = Buffer.from(toGstr2aJson(data));

  let t = process.hrtime.bigint();
  JSON.parse(json.toString('utf8'));
  const jsonBaseMs = ms(t);

  t = process.hrtime.bigint();
  const twoB = await readGstr2b(chunks(json), { gstin: data.recipientGstin, period: data.period });
  const jsonMs = ms(t);
  if (!twoB.ok) throw new Error(`2B read failed: ${JSON.stringify(twoB.errors.slice(0, 3))}`);

  t = process.hrtime.bigint();
  JSON.parse(json2a.toString('utf8'));
  const json2aBaseMs = ms(t);

  t = process.hrtime.bigint();
  const twoA = await readGstr2a(chunks(json2a), { gstin: data.recipientGstin, period: data.period });
  const json2aMs = ms(t);
  if (!twoA.ok) throw new Error(`2A read failed: ${JSON.stringify(twoA.errors.slice(0, 3))}`);

  t = process.hrtime.bigint();
  // The CSV floor: the simplest loop that turns the bytes into fields (no quotes, no types).
  let fields = 0;
  for (const l of csv.toString('utf8').split('\n')) fields += l.split(',').length;
  const csvBaseMs = ms(t);
  if (fields === 0) throw new Error('no CSV fields');

  t = process.hrtime.bigint();
  const register = await readRegisterCsv(chunks(csv), { source: 'pr.csv' });
  const csvMs = ms(t);
  if (!register.ok) throw new Error(`register read failed: ${JSON.stringify(register.errors.slice(0, 3))}`);
  // Before the parts below, which hold copies of their own.
  const peakRssAfterParseMb = peakRssMb();
  // The parts and the retained heap hold a second copy of the records or documents for a while:
  // above this size they are skipped (NaN), so that peak RSS stays the reconciliation's own.
  const measureParts = size <= PARTS_MAX;
  const split = measureParts ? await registerSplit(csv) : { tokenizeMs: Number.NaN, sinkMs: Number.NaN, csvParseMs: Number.NaN, papaparseMs: Number.NaN };
  const booksBytesPerDoc = measureParts
    ? await retainedPerDocument(() => readRegisterCsv(chunks(csv), { source: 'pr.csv' }), (r) => r.rows.length) : Number.NaN;
  const portalBytesPerDoc = measureParts ? await retainedPerDocument(
    () => readGstr2b(chunks(json), { gstin: data.recipientGstin, period: data.period }), (r) => r.documents.length + r.rejected.length) : Number.NaN;
  const secondReadMs = { csv: Number.NaN, twoB: Number.NaN, twoA: Number.NaN };
  if (measureParts) {
    // The readers once more on the same bytes: the first read above also compiles their code.
    collect();
    t = process.hrtime.bigint();
    await readRegisterCsv(chunks(csv), { source: 'pr.csv' });
    secondReadMs.csv = ms(t);
    collect();
    t = process.hrtime.bigint();
    await readGstr2b(chunks(json), { gstin: data.recipientGstin, period: data.period });
    secondReadMs.twoB = ms(t);
    collect();
    t = process.hrtime.bigint();
    await readGstr2a(chunks(json2a), { gstin: data.recipientGstin, period: data.period });
    secondReadMs.twoA = ms(t);
  }
  const xlsx = measureParts ? await registerXlsxTimings(data, register.rows.length) : { xlsxMb: Number.NaN, readerMs: Number.NaN, floorMs: Number.NaN, exceljsMs: Number.NaN, saxesMs: Number.NaN };

  // Earlier-period originals of amendments come from the previous 2B file in real life.
  const portal = [...twoB.documents, ...twoB.rejected, ...data.portal.filter((d) => d.period !== data.period)];
  return { books: register.rows, portal, jsonMb: json.length / 1e6, jsonBaseMs, jsonMs, json2aMb: json2a.length / 1e6, json2aBaseMs, json2aMs, csvMb: csv.length / 1e6, csvBaseMs, csvMs, csvTokenizeMs: split.tokenizeMs, csvSinkMs: split.sinkMs, csvParseMs: split.csvParseMs, papaparseMs: split.papaparseMs, xlsx, secondReadMs, booksBytesPerDoc, portalBytesPerDoc, peakRssAfterParseMb };
}

/** A full collection when the process runs with --expose-gc (the engine children do). */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Timed runs after the first, whose median is reported as the warm match time. The engine takes
 * three or four runs in a process to settle (V8 keeps tiering its code up as it sees the types of
 * more paths), so nine: the median is a settled run, and every run is printed beside it.
 */
const WARM_RUNS = 9;

export async function benchMatch(sizes: number[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const size of sizes) {
    const p = await parseSize(size);
    // A small run first, so even the first timed run does not include compiling the engine.
    reconcile(p.books.slice(0, 2000), p.portal.slice(0, 2000));
    // The worker's heap holds the loaded rows when it matches, not the generator's objects, the
    // files and the parse baselines' trees: those are garbage now and collected before timing
    // (and the previous run's results before each further run).
    collect();
    let t = process.hrtime.bigint();
    let result = reconcile(p.books, p.portal);
    const firstMs = ms(t);
    const categories: Record<string, number> = {};
    for (const r of result.results) categories[r.category] = (categories[r.category] ?? 0) + 1;
    // The first full-size run of a process still runs much of the engine in V8's lower tiers
    // (its phases are each entered once per run); later runs show the engine once optimised,
    // as in a worker that has reconciled before.
    const warm: number[] = [];
    const cpu: number[] = [];
    const builds: number[] = [];
    for (let k = 0; k < WARM_RUNS; k += 1) {
      result = null as unknown as typeof result;
      collect();
      const cpuBefore = mainThreadCpuMs();
      t = process.hrtime.bigint();
      result = reconcile(p.books, p.portal);
      warm.push(ms(t));
      const cpuAfter = mainThreadCpuMs();
      if (cpuBefore !== null && cpuAfter !== null) cpu.push(cpuAfter - cpuBefore);
      // Rows built as the worker builds them while it writes them: a batch at a time, each batch
      // dropped before the next, then the result released (its tables back to the pool).
      t = process.hrtime.bigint();
      let built = 0;
      for (let from = 0; from < result.rowCount; from += ROW_BATCH) built += result.rowsBetween(from, Math.min(result.rowCount, from + ROW_BATCH)).length;
      builds.push(ms(t));
      result.release();
      if (built !== result.rowCount) throw new Error('row count differs from the rows built');
    }
    warm.sort((a, b) => a - b);
    const matchMs = median(warm);

    rows.push({
      size,
      jsonMb: p.jsonMb,
      jsonBaselineMBs: p.jsonMb / (p.jsonBaseMs / 1000),
      jsonReaderMBs: p.jsonMb / (p.jsonMs / 1000),
      json2aMb: p.json2aMb,
      json2aBaselineMBs: p.json2aMb / (p.json2aBaseMs / 1000),
      json2aReaderMBs: p.json2aMb / (p.json2aMs / 1000),
      csvMb: p.csvMb,
      csvBaselineMBs: p.csvMb / (p.csvBaseMs / 1000),
      csvReaderMBs: p.csvMb / (p.csvMs / 1000),
      csvTokenizeMBs: p.csvMb / (p.csvTokenizeMs / 1000),
      csvSinkMBs: p.csvMb / (p.csvSinkMs / 1000),
      csvParseMBs: p.csvMb / (p.csvParseMs / 1000),
      papaparseMBs: p.csvMb / (p.papaparseMs / 1000),
      xlsxMb: p.xlsx.xlsxMb,
      xlsxReaderMBs: p.xlsx.xlsxMb / (p.xlsx.readerMs / 1000),
      xlsxFloorMBs: p.xlsx.xlsxMb / (p.xlsx.floorMs / 1000),
      xlsxComparisons: xlsxComparisons(p.xlsx),
      secondReadMBs: { csv: p.csvMb / (p.secondReadMs.csv / 1000), twoB: p.jsonMb / (p.secondReadMs.twoB / 1000), twoA: p.json2aMb / (p.secondReadMs.twoA / 1000) },
      booksBytesPerDoc: p.booksBytesPerDoc,
      portalBytesPerDoc: p.portalBytesPerDoc,
      matchFirstMs: firstMs,
      matchMs,
      matchWarmMs: warm,
      matchCpuMs: cpu.length === WARM_RUNS ? median(cpu) : null,
      matchRowsPerSec: (p.books.length + p.portal.length) / (matchMs / 1000),
      rowsBuildMs: median(builds),
      peakRssMb: peakRssMb(),
      peakRssAfterParseMb: p.peakRssAfterParseMb,
      categories,
    });
  }
  printTable(rows);
  return rows;
}

/** Bench output goes to stdout directly (the lint rule bans console in library code). */
function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function printTable(rows: BenchRow[]): void {
  const f = (n: number, d = 1): string => n.toFixed(d);
  out('| size | 2B JSON MB | JSON.parse MB/s | 2B reader MB/s (ratio) | 2A JSON MB | JSON.parse MB/s | 2A reader MB/s (ratio) | CSV MB | split floor MB/s | register reader MB/s (ratio) | match ms, first run | match ms, warm median | main-thread CPU ms, warm median | rows/s (both sides, warm) | result rows built ms (after the match) | peak RSS MB |');
  out('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    out(`| ${r.size} | ${f(r.jsonMb)} | ${f(r.jsonBaselineMBs)} | ${f(r.jsonReaderMBs)} (${f(r.jsonReaderMBs / r.jsonBaselineMBs, 2)}×) | ${f(r.json2aMb)} | ${f(r.json2aBaselineMBs)} | ${f(r.json2aReaderMBs)} (${f(r.json2aReaderMBs / r.json2aBaselineMBs, 2)}×) | ${f(r.csvMb)} | ${f(r.csvBaselineMBs)} | ${f(r.csvReaderMBs)} (${f(r.csvReaderMBs / r.csvBaselineMBs, 2)}×) | ${f(r.matchFirstMs, 0)} | ${f(r.matchMs, 0)} (${r.matchWarmMs.map((m) => f(m, 0)).join(', ')}) | ${r.matchCpuMs === null ? 'n/a' : f(r.matchCpuMs, 0)} | ${Math.round(r.matchRowsPerSec).toLocaleString('en-IN')} | ${f(r.rowsBuildMs, 0)} | ${f(r.peakRssMb, 0)} |`);
  }
  for (const r of rows) out(`size ${r.size} categories: ${JSON.stringify(r.categories)}`);
  for (const r of rows) out(`size ${r.size}: ${registerParts(r)}; ${retained(r)}`);
}

/** The register reader's parts against the same floor (their ratios add up to about the reader's inverse). */
export function registerParts(r: BenchRow): string {
  // NaN in the child arrives as null through JSON: neither is finite.
  if (!Number.isFinite(r.csvSinkMBs)) return `register CSV reader ${r.csvReaderMBs.toFixed(1)} MB/s (${(r.csvReaderMBs / r.csvBaselineMBs).toFixed(2)} of the floor); its parts not measured at this size (RECON_BENCH_PARTS_MAX)`;
  const of = (mbs: number): string => `${mbs.toFixed(1)} MB/s (${(mbs / r.csvBaselineMBs).toFixed(2)} of the floor)`;
  const xlsx = `register XLSX reader ${r.xlsxReaderMBs.toFixed(1)} MB/s of a ${r.xlsxMb.toFixed(1)} MB workbook (unzip + split floor ${r.xlsxFloorMBs.toFixed(1)}; ${(r.xlsxReaderMBs / r.xlsxFloorMBs).toFixed(2)})${r.xlsxComparisons ?? ''}`;
  const again = r.secondReadMBs;
  const second = `second read in the process: register CSV ${again.csv.toFixed(1)} MB/s (${(again.csv / r.csvBaselineMBs).toFixed(2)}), 2B ${again.twoB.toFixed(1)} (${(again.twoB / r.jsonBaselineMBs).toFixed(2)}), 2A ${again.twoA.toFixed(1)} (${(again.twoA / r.json2aBaselineMBs).toFixed(2)})`;
  return `${second}; register CSV reader ${of(r.csvReaderMBs)}: tokenizer alone ${of(r.csvTokenizeMBs)} (csv-parse alone ${of(r.csvParseMBs)}, papaparse alone ${of(r.papaparseMBs)}), row sink alone ${of(r.csvSinkMBs)}; ${xlsx}`;
}

/** Retained heap of the parsed documents, per document. */
export function retained(r: BenchRow): string {
  if (!Number.isFinite(r.booksBytesPerDoc)) return `retained heap not measured at this size; peak RSS ${Math.round(r.peakRssAfterParseMb)} MB when parsing was done, ${Math.round(r.peakRssMb)} MB at the end`;
  return `retained heap per parsed document: register ${Math.round(r.booksBytesPerDoc)} B, 2B ${Math.round(r.portalBytesPerDoc)} B; peak RSS ${Math.round(r.peakRssAfterParseMb)} MB when parsing was done, ${Math.round(r.peakRssMb)} MB at the end`;
}

if (require.main === module) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  benchMatch(sizes.length > 0 ? sizes : [10_000, 100_000]).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
