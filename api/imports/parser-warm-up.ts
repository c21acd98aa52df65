/**
 * A parser thread's warm-up: when an api process starts its parser threads (parse-pool.ts,
 * `startParsers`), each one reads small synthetic files of every kind an upload brings (a register
 * CSV and XLSX, a GSTR-2B and a GSTR-2A JSON) through the very task an upload runs
 * (`parseSpooledUpload`: sniffing, the ZIP checks, the reader, the import rows' COPY text), so that
 * V8 has compiled and optimised that code before a user's first upload instead of while it parses.
 *
 * The documents are made here (domain/recon/warm-up.ts, the engine's warm-up documents: every
 * branch of a real file's noise) and written as files in the upload's shapes by the writers the
 * benchmark uses too (domain/recon/sample-files.ts); no fixture and no user's data. The api's own
 * thread makes one private temporary folder, has one parser thread write them into it once
 * (`writeWarmUpFilesIn`, off the api's event loop), hands both threads their paths and removes the
 * folder itself, when the warm-up ends and when the api stops (a thread ended mid-read could not).
 *
 * Each file is a task of its own (`warmUpRead`, two reads of it), sent only once the thread's
 * previous one has answered (`warmUpThread`), so an upload that arrives during the warm-up waits
 * behind one file's reads at most, not the whole warm-up; and each has a time limit, so a warm-up
 * that hangs cannot hold a thread.
 *
 * Best effort: a file that fails is recorded in the report (its error's name only) and the next
 * one is read; nothing is thrown, and the report is the caller's to log. Nothing a read makes
 * outlives it: every reader keeps its memos (dates, GSTINs, places) and tables per read, so a later
 * read's result cannot depend on the warm-up's (tests/unit/imports/parser-warm-up.test.ts holds a
 * warmed thread's results to a cold one's).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { valueSymbol } from 'piscina';
import type { ImportKind } from '../../db/models/import';
import { toGstr2aJson, toGstr2bJson, toRegisterCsv, toRegisterXlsx, type SampleData } from '../../domain/recon/sample-files';
import { warmUpDocuments } from '../../domain/recon/warm-up';
import type { ParsedFile, ParseJob } from './parse-worker';
import { DEFAULT_READ_LIMITS } from './upload-result';

/**
 * Documents a side in the warm-up's files. Measured (docs/performance.md, "The parser threads'
 * warm-up"): enough for V8 to optimise the readers' per-row code, small enough that the thread's
 * heap stays near its idle size.
 */
export const PARSER_WARM_UP_DOCUMENTS = 3_000;

/**
 * How long one file's reads may take before the thread is ended (piscina starts another). A file's
 * two reads took well under a second of CPU; this leaves room for a machine at many times its
 * cores' load, and still frees a hung thread long before anyone waits on it twice.
 */
export const WARM_UP_STEP_MS = 30_000;

/** How many times each file is read: the second read runs the code the first one had optimised. */
const READS = 2;

/** One warm-up file as a thread is handed it: its name, the import kind it is read as, its path and size. */
export type WarmUpFile = { name: string; kind: ImportKind; file: string; bytes: number };

/** One file's reads: rows, or its error's name, and the thread's heap after them. */
export type WarmUpFileResult = { name: string; bytes: number; ok: boolean; rows: number; error?: string; heapUsedMb?: number };

/** What one thread's warm-up did: its time, each file read and the thread's heap after the last; `stopped` when the api stopped during it. */
export type ParserWarmUpReport = {
  ms: number;
  files: Array<Omit<WarmUpFileResult, 'heapUsedMb'>>;
  heapUsedMb: number | null;
  stopped?: true;
};

type Task = (job: ParseJob) => Promise<ParsedFile>;

const PERIOD = '2024-06';
const RECIPIENT = '27ABCDE1234F1ZW';

/** The warm-up's files: name, the import kind it is read as, and its bytes. */
export async function warmUpFiles(documents = PARSER_WARM_UP_DOCUMENTS): Promise<Array<{ name: string; kind: ImportKind; bytes: Buffer }>> {
  const { books, portal } = warmUpDocuments(documents);
  // The sections the portal's JSON writers write as invoices and notes (bills of entry are a
  // section of their own there).
  const data: SampleData = { recipientGstin: RECIPIENT, period: PERIOD, books, portal: portal.filter((d) => d.section !== 'impg') };
  return [
    { name: 'register.csv', kind: 'purchase_register', bytes: Buffer.from(toRegisterCsv(data)) },
    { name: 'register.xlsx', kind: 'purchase_register', bytes: await toRegisterXlsx(data) },
    { name: '2b.json', kind: 'gstr2b', bytes: Buffer.from(toGstr2bJson(data)) },
    { name: '2a.json', kind: 'gstr2a', bytes: Buffer.from(toGstr2aJson(data)) },
  ];
}

/** A private folder for the warm-up's files, made in `dir` (the system's temporary folder by default). */
export function makeWarmUpFolder(dir = os.tmpdir()): Promise<string> {
  return fs.promises.mkdtemp(path.join(dir, 'taalmel-warm-up-'));
}

/**
 * Makes the warm-up's files and writes them into `folder` (an api runs it on a parser thread, so
 * making them takes no time from its event loop; the folder is the caller's to remove).
 */
export async function writeWarmUpFilesIn(folder: string, documents?: number): Promise<WarmUpFile[]> {
  const files: WarmUpFile[] = [];
  for (const { name, kind, bytes } of await warmUpFiles(documents)) {
    const file = path.join(folder, name);
    await fs.promises.writeFile(file, bytes, { mode: 0o600 });
    files.push({ name, kind, file, bytes: bytes.length });
  }
  return files;
}

/** Both of the above on the calling thread; a failure removes what was made and throws. */
export async function writeWarmUpFiles(options: { dir?: string; documents?: number } = {}): Promise<{ folder: string; files: WarmUpFile[] }> {
  const folder = await makeWarmUpFolder(options.dir);
  try {
    return { folder, files: await writeWarmUpFilesIn(folder, options.documents) };
  } catch (error) {
    await fs.promises.rm(folder, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/** On the parser thread: reads one warm-up file with `task` (the thread's own, `parseSpooledUpload`). Never throws. */
export async function warmUpRead(task: Task, step: WarmUpFile): Promise<WarmUpFileResult> {
  const { name, kind, file, bytes } = step;
  try {
    let parsed: ParsedFile | null = null;
    for (let k = 0; k < READS; k += 1) parsed = unwrap(await task({ expect: { kind, period: PERIOD, clientGstin: RECIPIENT, filename: name, file }, limits: DEFAULT_READ_LIMITS }));
    return { name, bytes, ok: parsed?.ok === true, rows: parsed?.ok ? parsed.rows : 0, heapUsedMb: heapUsedMb() };
  } catch (error) {
    return { name, bytes, ok: false, rows: 0, error: errorName(error), heapUsedMb: heapUsedMb() };
  }
}

/**
 * On the api's thread: one thread's warm-up, a `run` (a task on the pool, `warmUpRead` there) per
 * file, each sent once the previous has answered and given `stepMs` (its signal then aborts it). A
 * step that rejects (its time passed, its thread ended) is recorded and the next file sent; once
 * `stopped()` (the api stopping), nothing more is sent and the report says so.
 */
export async function warmUpThread(
  run: (step: WarmUpFile, signal: AbortSignal) => Promise<WarmUpFileResult>,
  files: readonly WarmUpFile[],
  options: { stepMs?: number; stopped?: () => boolean } = {},
): Promise<ParserWarmUpReport> {
  const started = performance.now();
  const report: ParserWarmUpReport = { ms: 0, files: [], heapUsedMb: null };
  for (const step of files) {
    if (options.stopped?.()) break;
    try {
      const { heapUsedMb: heap, ...result } = await run(step, AbortSignal.timeout(options.stepMs ?? WARM_UP_STEP_MS));
      report.files.push(result);
      if (heap !== undefined) report.heapUsedMb = heap;
    } catch (error) {
      if (options.stopped?.()) break;
      report.files.push({ name: step.name, bytes: step.bytes, ok: false, rows: 0, error: errorName(error) });
    }
  }
  if (options.stopped?.()) report.stopped = true;
  report.ms = Math.round(performance.now() - started);
  return report;
}

/**
 * The whole warm-up on the calling thread, with `task` (the benchmark's and tests' way to run what
 * a parser thread runs): the files written into a private folder in `dir`, each read, the folder
 * removed. Never throws: files that cannot be written are reported as the entry `files`.
 */
export async function warmUpParser(task: Task, options: { documents?: number; dir?: string } = {}): Promise<ParserWarmUpReport> {
  const started = performance.now();
  let written: { folder: string; files: WarmUpFile[] };
  try {
    written = await writeWarmUpFiles(options);
  } catch (error) {
    return { ms: Math.round(performance.now() - started), files: [{ name: 'files', bytes: 0, ok: false, rows: 0, error: errorName(error) }], heapUsedMb: heapUsedMb() };
  }
  try {
    return await warmUpThread((step) => warmUpRead(task, step), written.files);
  } finally {
    await fs.promises.rm(written.folder, { recursive: true, force: true }).catch(() => undefined);
  }
}

const heapUsedMb = (): number => Math.round(process.memoryUsage().heapUsed / 2 ** 20);

/** The task's answer as the api's thread gets it (`parseSpooledUpload` wraps it to hand its text's memory over). */
function unwrap(answer: ParsedFile): ParsedFile {
  const wrapped = (answer as unknown as Record<symbol, unknown>)[valueSymbol] as ParsedFile | undefined;
  return wrapped ?? answer;
}

/** An error's name and code, never its message (parse-pool.ts `threadError` says why). */
export function errorName(error: unknown): string {
  const e = (error ?? {}) as { name?: unknown; code?: unknown };
  const name = typeof e.name === 'string' ? e.name.slice(0, 64) : 'Error';
  return typeof e.code === 'string' ? `${name} (${e.code.slice(0, 64)})` : name;
}
