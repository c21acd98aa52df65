/**
 * Uploads are parsed on worker threads (piscina), not on the api's own: a register and its 2B sent
 * together parse side by side on two cores, and the api's event loop stays free for requests and
 * for streaming the other upload's rows to PostgreSQL meanwhile. The api's parse slots (app.ts)
 * already let no more than two uploads parse at once, so the pool has as many threads. An api
 * process starts them at boot and keeps them (`startParsers`); elsewhere they start on demand and
 * idle ones end after a while.
 *
 * Each thread's heap is capped (`parserHeapMb`): a file that needs more memory than that to read
 * ends its own thread, not the api process, and is refused as too large (413 `too_large`,
 * `too_much_memory`); piscina starts another thread for the next upload. Any other parse that
 * throws (a reader's bug, a thread that died) rejects here with `ParseFailed`, which carries of its
 * error only what `threadError` keeps: the upload answers 500 and stores nothing, and the api's
 * log of the failure holds none of the file's text. A thread that fails while it
 * runs no parse (piscina's `error` event) is logged with the api's logger and replaced by piscina
 * for the next upload; an unhandled `error` event would end the api process.
 */
import fs from 'node:fs';
import path from 'node:path';
import Piscina from 'piscina';
import type { Logger } from 'pino';
import type { ParsedFile, ParseJob, WarmUpFilesJob } from './parse-worker';
import { errorName, makeWarmUpFolder, WARM_UP_STEP_MS, warmUpThread, type WarmUpFile, type WarmUpFileResult } from './parser-warm-up';
import { tooMuchMemory, type ReadLimits } from './upload-result';

/** Threads, as many as uploads may parse at once (PARSE_SLOTS in app.ts). */
export const PARSE_THREADS = 2;
/**
 * How long an idle thread is kept. A kept thread has the readers compiled and optimised already
 * (a register and its 2B usually arrive within seconds of each other); a new one compiles them
 * again. Idle, a thread holds only its heap's unused remainder.
 */
const IDLE_MS = 60_000;

/**
 * The task's file beside this one: the compiled `.js` in production, the TypeScript source under
 * tsx (`npm start`) and jest, where the thread loads tsx to read it. A thread inherits the
 * process's flags when given none; given a list, Node refuses V8 flags in it (`npm start` runs
 * with `--max-semi-space-size`), so a list is passed only where tsx must be added (jest), and then
 * only tsx.
 */
export function taskFile(execArgv: readonly string[] = process.execArgv): { filename: string; execArgv?: string[] } {
  const ext = path.extname(__filename);
  const filename = path.join(__dirname, `parse-worker${ext}`);
  if (ext !== '.ts') return { filename };
  const hasTsx = execArgv.some((arg, i) => (arg === '--import' && execArgv[i + 1] === 'tsx') || arg === '--import=tsx');
  return hasTsx ? { filename } : { filename, execArgv: ['--import', 'tsx'] };
}

/** What one upload may bring a parser thread: the largest file any kind of import may be, and the read caps. */
export type ParserCaps = { maxUploadBytes: number; readLimits: Pick<ReadLimits, 'maxRows' | 'zip'> };

/**
 * A parser thread's heap cap (V8's old generation, MB), from the caps of what one upload may bring.
 * A thread holds one file's documents while it reads them and makes their COPY text (the text is
 * outside the heap), so what it needs grows with the rows a register may have (and a workbook's
 * shared strings, held while its sheets are read: at most two bytes a character) and with the
 * bytes a JSON may have (its documents are not row-capped). The constants were measured by
 * bisecting the cap on the bench's synthetic files (docs/security-limits.md, "Memory"). The cap is
 * half again over the larger need, so every file within the caps reads; it stops a file that takes
 * far more memory than its size and rows say (a reader's bug, a file built to do it) from taking
 * the api process's memory, and every other upload, with it.
 */
export function parserHeapMb(caps: ParserCaps): number {
  const tabular = caps.readLimits.maxRows * HEAP_PER_ROW + 2 * caps.readLimits.zip.maxSharedStringsBytes;
  const json = caps.maxUploadBytes * HEAP_PER_UPLOAD_BYTE;
  return Math.ceil(HEAP_BASE_MB + (1.5 * Math.max(tabular, json)) / 2 ** 20);
}

/** A register CSV of 3.8 lakh rows (49.5 MB) read within 160 MB and not within 120 MB: 440 B a row. */
const HEAP_PER_ROW = 440;
/** A 2B JSON of 99.5 MB (5.5 lakh documents) read within 256 MB and not within 160 MB: 2.6 B a byte. */
const HEAP_PER_UPLOAD_BYTE = 2.6;
/** A thread with the readers loaded and a file of fifty rows read within 16 MB. */
const HEAP_BASE_MB = 16;

/**
 * A parser thread's young generation (MB; V8's two semi-spaces and its new large-object space,
 * three times the semi-space), as the worker's `--max-semi-space-size=64`. Node's default for a
 * thread is 48 MB (16 MB semi-spaces): a 1-lakh register then went through twelve scavenges per
 * read, each copying the documents kept so far, which every kept document survives; with 64 MB
 * semi-spaces two to five, and the upload's task (read and COPY text) took about a fifth less of
 * the process's CPU (docs/performance.md, Readers). V8 grows the semi-spaces from 1 MB only as
 * survivors need it, so a thread that reads small files stays small; one that has read a 1-lakh
 * register kept its 128 MB of semi-spaces (about 115 MB more RSS than with the default).
 */
export const PARSER_YOUNG_GENERATION_MB = 192;

/** The limits a parser thread is made with: its heap cap (`parserHeapMb`) and young generation. */
export function parserResourceLimits(heapMb: number): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number } {
  return { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: PARSER_YOUNG_GENERATION_MB };
}

/** Node's error for a thread ended at its heap cap (`resourceLimits`). */
const OUT_OF_MEMORY = 'ERR_WORKER_OUT_OF_MEMORY';

/** Where a pool reports a thread that failed outside a parse, and its threads' warm-up: the api's logger. */
export type ParserLogger = Pick<Logger, 'error' | 'warn' | 'info'>;

/** For a pool made by a caller that gave no logger (tests, scripts): the error still goes somewhere. */
const toStderr = (obj: { thread?: ThreadError }, msg?: string) =>
  process.stderr.write(`${msg ?? 'parser pool'}: ${obj.thread?.name ?? 'Error'}${obj.thread?.errorCode ? ` (${obj.thread.errorCode})` : ''}\n`);
const STDERR = { error: toStderr, warn: toStderr, info: () => undefined } as unknown as ParserLogger;

/** What of a parser thread's error is logged (`threadError`). */
export type ThreadError = { name: string; errorCode?: string; stack?: string };

const NAME = /^[A-Za-z_$][\w$.]{0,63}$/;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const FRAME = /^\s+at [^\n]*$/;

/**
 * A parser thread's error as it may be logged: its name, Node's code and the stack's frames, never
 * its message. A thread reads uploaded files, and an error's message can quote what it was reading
 * (a reader's error naming a cell, a JSON.parse error citing the text around its position), which
 * the logs must not hold. The frames are the lines after the message that name a place in the
 * code; a stack that does not hold the message as written is left out whole.
 */
export function threadError(error: unknown): ThreadError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown; message?: unknown; stack?: unknown };
  const out: ThreadError = { name: typeof e.name === 'string' && NAME.test(e.name) ? e.name : 'Error' };
  if (typeof e.code === 'string' && CODE.test(e.code)) out.errorCode = e.code;
  if (typeof e.stack === 'string') {
    const message = typeof e.message === 'string' ? e.message : '';
    const after = message === '' ? e.stack.indexOf('\n') : e.stack.indexOf(message) + message.length;
    const from = message === '' || e.stack.indexOf(message) >= 0 ? after : -1;
    if (from >= 0) {
      const frames = e.stack.slice(from).split('\n').filter((line) => FRAME.test(line));
      if (frames.length > 0) out.stack = frames.join('\n');
    }
  }
  return out;
}

/**
 * A parse that failed on its parser thread, as the api's thread sees it (and its error handler
 * logs it, every field of the error): the thread's error's name and code in its message, and
 * `thread` for the rest. The thread's error itself is not kept, not even as its `cause` (pino
 * logs a cause's message too), since its message can quote the upload.
 */
export class ParseFailed extends Error {
  constructor(readonly thread: ThreadError) {
    super(`the upload's parse failed on its parser thread: ${thread.name}${thread.errorCode ? ` (${thread.errorCode})` : ''}`);
    this.name = 'ParseFailed';
  }
}

/**
 * The pools, one per heap cap (an api process has one; tests make apps with other caps), each made
 * on first use, with the logger of the call that made it: threads only while uploads come (`keep`
 * false), or always.
 */
const pools = new Map<number, Piscina<ParseJob | WarmUpFile | WarmUpFilesJob | null, ParsedFile | WarmUpFileResult | WarmUpFile[] | null>>();

export function parserPool(heapMb: number, logger: ParserLogger = STDERR, keep = false): Piscina<ParseJob | WarmUpFile | WarmUpFilesJob | null, ParsedFile | WarmUpFileResult | WarmUpFile[] | null> {
  let pool = pools.get(heapMb);
  if (!pool) {
    pool = new Piscina({
      ...taskFile(), name: 'parseSpooledUpload', minThreads: keep ? PARSE_THREADS : 0, maxThreads: PARSE_THREADS, idleTimeout: IDLE_MS,
      resourceLimits: parserResourceLimits(heapMb),
    });
    // A thread's failure while it runs a parse rejects that parse (parseInWorker); one while it
    // runs none (an idle thread that died, a pool that could not close) comes here.
    pool.on('error', (error: unknown) => {
      // Not the error itself (pino would log its message, which may quote an upload): what of it is safe.
      logger.error({ thread: threadError(error), heapMb }, 'a parser thread failed outside an upload; the next upload gets a new thread');
    });
    pools.set(heapMb, pool);
  }
  return pool;
}

/**
 * Parses on a thread whose heap is capped at `heapMb`. `signal` is the request's deadline: when it
 * passes, the parse is abandoned and its thread ended (piscina starts another), so a file that
 * never finishes parsing cannot hold a parse slot and a thread for good. A file that needs more
 * memory than the cap is refused as too large (its thread ended, as above); nothing is stored.
 * Any other failure rejects with `ParseFailed` (above).
 */
export async function parseInWorker(job: ParseJob, options: { heapMb: number; signal?: AbortSignal; logger?: ParserLogger }): Promise<ParsedFile> {
  try {
    return (await parserPool(options.heapMb, options.logger).run(job, options.signal ? { signal: options.signal } : {})) as ParsedFile;
  } catch (error) {
    if ((error as { code?: unknown }).code !== OUT_OF_MEMORY) throw new ParseFailed(threadError(error));
    return tooMuchMemory() as ParsedFile;
  }
}

function load(running: Piscina<ParseJob | WarmUpFile | WarmUpFilesJob | null, ParsedFile | WarmUpFileResult | WarmUpFile[] | null>, threads: number): Promise<unknown> {
  return Promise.all(Array.from({ length: threads }, () => running.run(null, { name: 'loaded' })));
}

/**
 * Starts the parser threads ahead of an upload (when its import is created), unless they run
 * already: a thread loads the readers before its first parse, which took seconds on a busy machine,
 * and that now happens while the file is still being sent. Best effort: a thread that cannot start
 * fails the upload's own parse, with its error.
 */
export function warmParsers(heapMb: number, logger?: ParserLogger): void {
  try {
    const running = parserPool(heapMb, logger);
    load(running, PARSE_THREADS - running.threads.length).catch(() => undefined);
  } catch {
    // A thread that cannot even be made is the upload's parse's error to report, not this request's.
  }
}

/**
 * Where `startParsers` writes the warm-up's files (a folder of its own in it; the system's
 * temporary folder by default), each file's time limit, and its documents a side (tests).
 */
export type WarmUpOptions = { dir?: string; stepMs?: number; documents?: number };

/** The warm-up folders being read now: `stopParsers` removes them, since a stop can come before `startParsers` does. */
const warmUpFolders = new Set<string>();

const removeFolder = (folder: string): Promise<void> => fs.promises.rm(folder, { recursive: true, force: true }).catch(() => undefined);

/**
 * An api process starts its parser threads at boot and keeps them (ops/services.ts), so no upload
 * waits for a thread to load the readers: measured, two threads starting while a pair of uploads
 * arrived took longer than the parse itself on a loaded machine. Each thread then warms up
 * (parser-warm-up.ts): it reads small synthetic files of every kind, written once into one private
 * folder made here (by one of the threads, off the event loop), a task per file (parse-worker.ts
 * `warmUp`), so a user's first upload of each kind finds the readers compiled instead of compiling them while it parses, and an upload arriving
 * meanwhile waits behind one file's reads at most. The folder is removed here when the warm-up
 * ends, and by `stopParsers` if the api stops first. Resolves once both threads have done so, and
 * never rejects for the warm-up: a warm-up that failed (files it could not write or read, a thread
 * that ended) is logged, and the thread, or the one piscina starts in its place, parses uploads as
 * a cold one would; one cut short by the api stopping is not a failure and is not logged.
 * Processes that only sometimes take an upload (tests) start threads on demand instead, without
 * the warm-up, so that no upload's parse waits behind one.
 */
export async function startParsers(heapMb: number, logger: ParserLogger = STDERR, warmUp: WarmUpOptions = {}): Promise<void> {
  const running = parserPool(heapMb, logger, true);
  // stopParsers takes the pool out of the map before it ends the threads.
  const stopped = (): boolean => pools.get(heapMb) !== running;
  let folder: string;
  try {
    folder = await makeWarmUpFolder(warmUp.dir);
  } catch (error) {
    logger.warn({ warmUp: { error: errorName(error) }, heapMb }, "the parser threads' warm-up files could not be written; the threads parse uploads cold");
    return;
  }
  warmUpFolders.add(folder);
  try {
    let files: WarmUpFile[];
    try {
      // Made and written on a parser thread: the api's event loop serves requests meanwhile.
      const job: WarmUpFilesJob = { folder, documents: warmUp.documents };
      files = (await running.run(job, { name: 'writeWarmUpFiles', signal: AbortSignal.timeout(warmUp.stepMs ?? WARM_UP_STEP_MS) })) as WarmUpFile[];
    } catch (error) {
      if (!stopped()) logger.warn({ warmUp: { error: errorName(error) }, heapMb }, "the parser threads' warm-up files could not be written; the threads parse uploads cold");
      return;
    }
    await Promise.all(Array.from({ length: PARSE_THREADS }, async () => {
      const report = await warmUpThread(
        (step, signal) => running.run(step, { name: 'warmUp', signal }) as Promise<WarmUpFileResult>,
        files, { stepMs: warmUp.stepMs, stopped },
      );
      if (report.stopped) return;
      if (report.files.every((f) => f.ok)) logger.info({ warmUp: report, heapMb }, 'parser thread warmed up');
      else logger.warn({ warmUp: report, heapMb }, 'parser thread warm-up failed in part; the first upload of that kind compiles the reader');
    }));
  } finally {
    warmUpFolders.delete(folder);
    await removeFolder(folder);
  }
}

/** Ends the parser threads (a stopping api): a parse or warm-up still running is abandoned with them, and the warm-up's files removed. */
export async function stopParsers(): Promise<void> {
  const running = [...pools.values()];
  pools.clear();
  await Promise.all(running.map((pool) => pool.destroy()));
  await Promise.all([...warmUpFolders].map(removeFolder));
}
