/**
 * What a user's first upload gets from a parser thread of an api process: in a fresh process, the
 * product's own warm-up (api/imports/parser-warm-up.ts: the files and reads each parser thread
 * gets when the api starts, here on the one thread), a full collection (an upload comes well after
 * boot), then each reader's first read of the bench's files, next to its floor measured in the same process on the same bytes, in
 * the order and the way the engine child measures the cold first reads (recon-match.bench.ts), so
 * the two compare. Also the warm-up's own cost: its time and the main thread's CPU. (What it
 * leaves in a parser thread's heap is measured on a thread of its own, docs/performance.md: here the
 * bench's own data fill the heap.)
 *
 * All of it runs on a thread made as the api makes a parser thread (`readsOnParserThread`): the
 * same resource limits (`parserResourceLimits`: the heap cap and the young generation), in a
 * process started without V8 heap flags, as the api runs (a process-wide `--max-semi-space-size`
 * would override the thread's young generation). The floors are measured on that thread too.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parserHeapMb, parserResourceLimits } from '../../api/imports/parse-pool';
import { parseSpooledUpload } from '../../api/imports/parse-worker';
import { DEFAULT_READ_LIMITS } from '../../api/imports/upload-result';
import { warmUpParser, type ParserWarmUpReport } from '../../api/imports/parser-warm-up';
import { readGstr2a } from '../../domain/recon/gstr2a-reader';
import { readGstr2b } from '../../domain/recon/gstr2b-reader';
import { readRegisterCsv } from '../../domain/recon/register-reader';
import { generateReconData, toGstr2aJson, toGstr2bJson, toRegisterCsv } from './recon-data';
import { registerXlsxTimings } from './register-xlsx-floor';
import { mainThreadCpuMs } from './thread-cpu';

const CHUNK = 64 * 1024;

function* chunks(buf: Buffer): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * A reader's first read after the warm-up and its floor, MB/s; for the register CSV also the CPU
 * the process used in each (ms: the reading thread's and V8's helper threads', which collect and
 * compile for it), which a loaded machine moves far less than the wall clock.
 */
export type ReadVsFloor = { readerMBs: number; floorMBs: number; readerCpuMs?: number; floorCpuMs?: number };

/** CPU the process has used so far (ms), every thread. */
function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface WarmReads {
  size: number;
  warmUp: ParserWarmUpReport;
  /** The warm-up's wall-clock time and main-thread CPU (ms). */
  warmUpMs: number;
  warmUpCpuMs: number | null;
  csv: ReadVsFloor;
  twoB: ReadVsFloor;
  twoA: ReadVsFloor;
  xlsx: ReadVsFloor;
  /** The thread's resource limits as Node reports them (`readsOnParserThread`), MB. */
  thread?: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number };
}

export async function readsAfterWarmUp(size: number): Promise<WarmReads> {
  const data = generateReconData({ n: size, seed: 7 });
  const json = Buffer.from(toGstr2bJson(data));
  const csvText = toRegisterCsv(data);
  const csv = Buffer.from(csvText);
  const json2a = Buffer.from(toGstr2aJson(data));
  const expected = { gstin: data.recipientGstin, period: data.period };

  collect();
  const cpu0 = mainThreadCpuMs();
  let t = process.hrtime.bigint();
  const report = await warmUpParser(parseSpooledUpload);
  const warmUpMs = ms(t);
  const cpu1 = mainThreadCpuMs();
  collect();

  t = process.hrtime.bigint();
  JSON.parse(json.toString('utf8'));
  const jsonBaseMs = ms(t);
  t = process.hrtime.bigint();
  const twoB = await readGstr2b(chunks(json), expected);
  const jsonMs = ms(t);
  if (!twoB.ok) throw new Error('2B read failed');

  // The reader before's documents are promoted first, so that no floor pays for copying them.
  collect();
  t = process.hrtime.bigint();
  JSON.parse(json2a.toString('utf8'));
  const json2aBaseMs = ms(t);
  t = process.hrtime.bigint();
  const twoA = await readGstr2a(chunks(json2a), expected);
  const json2aMs = ms(t);
  if (!twoA.ok) throw new Error('2A read failed');

  // The reader before's documents are promoted first, so that no floor pays for copying them.
  collect();
  const csvCpu0 = processCpuMs();
  t = process.hrtime.bigint();
  let fields = 0;
  for (const l of csv.toString('utf8').split('\n')) fields += l.split(',').length;
  const csvBaseMs = ms(t);
  if (fields === 0) throw new Error('no CSV fields');
  const csvCpu1 = processCpuMs();
  t = process.hrtime.bigint();
  const register = await readRegisterCsv(chunks(csv), { source: 'pr.csv' });
  const csvMs = ms(t);
  const csvCpu2 = processCpuMs();
  if (!register.ok) throw new Error('register read failed');

  const xlsx = await registerXlsxTimings(data, register.rows.length, false);
  const mbs = (bytes: number, msOf: number): number => bytes / 1e6 / (msOf / 1000);
  return {
    size, warmUp: report, warmUpMs, warmUpCpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
    csv: { readerMBs: mbs(csv.length, csvMs), floorMBs: mbs(csv.length, csvBaseMs), readerCpuMs: csvCpu2 - csvCpu1, floorCpuMs: csvCpu1 - csvCpu0 },
    twoB: { readerMBs: mbs(json.length, jsonMs), floorMBs: mbs(json.length, jsonBaseMs) },
    twoA: { readerMBs: mbs(json2a.length, json2aMs), floorMBs: mbs(json2a.length, json2aBaseMs) },
    xlsx: { readerMBs: xlsx.xlsxMb / (xlsx.readerMs / 1000), floorMBs: xlsx.xlsxMb / (xlsx.floorMs / 1000) },
  };
}

/**
 * The api's defaults (app.ts): the largest upload 100 MB, the default read caps. Files past the
 * row cap (the bench's 10 lakh) are refused by the api; to measure them at all, the bench's thread gets
 * the process's old generation, and only the young generation stays the parser thread's.
 */
const API_HEAP_MB = parserHeapMb({ maxUploadBytes: 100 * 1024 * 1024, readLimits: DEFAULT_READ_LIMITS });

/** `readsAfterWarmUp` on a thread with a parser thread's resource limits (parse-pool.ts). */
export function readsOnParserThread(size: number): Promise<WarmReads> {
  const limits = parserResourceLimits(API_HEAP_MB);
  if (size > DEFAULT_READ_LIMITS.maxRows) limits.maxOldGenerationSizeMb = 16_384;
  const file = path.join(__dirname, `reader-warm-up.thread${path.extname(__filename)}`);
  return new Promise((resolve, reject) => {
    const thread = new Worker(file, { workerData: { size }, resourceLimits: limits });
    thread.once('message', (reads: WarmReads) => resolve({ ...reads, thread: { ...thread.resourceLimits } }));
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the parser-like thread ended (${code}) before it answered`)));
  });
}

/** The benchmark's line for one size. */
export function warmReadsLine(w: WarmReads): string {
  const of = (r: ReadVsFloor): string => `${r.readerMBs.toFixed(1)} MB/s (${r.floorMBs.toFixed(1)}; ${(r.readerMBs / r.floorMBs).toFixed(2)})`;
  const failed = w.warmUp.files.filter((f) => !f.ok).map((f) => `${f.name}: ${f.error ?? 'refused'}`);
  const where = w.thread ? `, on a thread with a parser thread's limits: young generation ${w.thread.maxYoungGenerationSizeMb} MB, old ${w.thread.maxOldGenerationSizeMb} MB` : '';
  return `first read after the parser threads' warm-up (what a user's first upload gets${where}; parse-worker.ts \`warmUp\`: ${w.warmUpMs.toFixed(0)} ms, main-thread CPU ${w.warmUpCpuMs === null ? 'n/a' : `${w.warmUpCpuMs} ms`}${failed.length > 0 ? `, FAILED ${failed.join(', ')}` : ''}): `
    + `register CSV ${of(w.csv)}${w.csv.readerCpuMs === undefined ? '' : ` (the process's CPU ${Math.round(w.csv.readerCpuMs)} ms against the floor's ${Math.round(w.csv.floorCpuMs ?? 0)}; ${((w.csv.floorCpuMs ?? 0) / w.csv.readerCpuMs).toFixed(2)})`}, register XLSX ${of(w.xlsx)}, 2B ${of(w.twoB)}, 2A ${of(w.twoA)}`;
}
