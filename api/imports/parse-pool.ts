/**
 * Uploads are parsed on worker threads (piscina), not on the api's own: a register and its 2B sent
 * together parse side by side on two cores, and the api's event loop stays free for requests and
 * for streaming the other upload's rows to PostgreSQL meanwhile. The api's parse slots (app.ts)
 * already let no more than two uploads parse at once, so the pool has as many threads. An api
 * process starts them at boot and keeps them (`startParsers`); elsewhere they start on demand and
 * idle ones end after a while.
 *
 * A parse that throws (a reader's bug, a thread that died) rejects here with its error, as it
 * would have thrown on the api's thread: the upload answers 500 and stores nothing.
 */
import path from 'node:path';
import Piscina from 'piscina';
import type { ParsedFile, ParseJob } from './parse-worker';

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

let pool: Piscina<ParseJob | null, ParsedFile | null> | null = null;

/** The pool, made on first use: threads only while uploads come (`keep` false), or always. */
function parsers(keep = false): Piscina<ParseJob | null, ParsedFile | null> {
  pool ??= new Piscina({ ...taskFile(), name: 'parseSpooledUpload', minThreads: keep ? PARSE_THREADS : 0, maxThreads: PARSE_THREADS, idleTimeout: IDLE_MS });
  return pool;
}

/**
 * Parses on a thread. `signal` is the request's deadline: when it passes, the parse is abandoned and
 * its thread ended (piscina starts another), so a file that never finishes parsing cannot hold a
 * parse slot and a thread for good.
 */
export async function parseInWorker(job: ParseJob, signal?: AbortSignal): Promise<ParsedFile> {
  return (await parsers().run(job, signal ? { signal } : {})) as ParsedFile;
}

function load(running: Piscina<ParseJob | null, ParsedFile | null>, threads: number): Promise<unknown> {
  return Promise.all(Array.from({ length: threads }, () => running.run(null, { name: 'loaded' })));
}

/**
 * Starts the parser threads ahead of an upload (when its import is created), unless they run
 * already: a thread loads the readers before its first parse, which took seconds on a busy machine,
 * and that now happens while the file is still being sent. Best effort: a thread that cannot start
 * fails the upload's own parse, with its error.
 */
export function warmParsers(): void {
  try {
    const running = parsers();
    load(running, PARSE_THREADS - running.threads.length).catch(() => undefined);
  } catch {
    // A thread that cannot even be made is the upload's parse's error to report, not this request's.
  }
}

/**
 * An api process starts its parser threads at boot and keeps them (ops/services.ts), so no upload
 * waits for a thread to load the readers: measured, two threads starting while a pair of uploads
 * arrived took longer than the parse itself on a loaded machine. Resolves once both have loaded
 * them. Processes that only sometimes take an upload (tests) start threads on demand instead.
 */
export async function startParsers(): Promise<void> {
  await load(parsers(true), PARSE_THREADS);
}

/** Ends the parser threads (a stopping api): a parse still running is abandoned with them. */
export async function stopParsers(): Promise<void> {
  const running = pool;
  pool = null;
  await running?.destroy();
}
