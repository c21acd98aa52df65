/**
 * Uploads are parsed on worker threads (piscina), not on the api's own: a register and its 2B sent
 * together parse side by side on two cores, and the api's event loop stays free for requests and
 * for streaming the other upload's rows to PostgreSQL meanwhile. The api's parse slots (app.ts)
 * already let no more than two uploads parse at once, so the pool has as many threads; idle ones
 * end after a while, so an api that is not receiving files keeps none.
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
 * tsx (`npm start`) and jest, where the thread loads tsx to read it.
 */
function taskFile(): { filename: string; execArgv?: string[] } {
  const ext = path.extname(__filename);
  const filename = path.join(__dirname, `parse-worker${ext}`);
  if (ext !== '.ts') return { filename };
  const inherited = process.execArgv;
  const hasTsx = inherited.some((arg, i) => (arg === '--import' && inherited[i + 1] === 'tsx') || arg === '--import=tsx');
  return { filename, execArgv: hasTsx ? inherited : [...inherited, '--import', 'tsx'] };
}

let pool: Piscina<ParseJob | null, ParsedFile | null> | null = null;

function parsers(): Piscina<ParseJob | null, ParsedFile | null> {
  pool ??= new Piscina({ ...taskFile(), name: 'parseSpooledUpload', minThreads: 0, maxThreads: PARSE_THREADS, idleTimeout: IDLE_MS });
  return pool;
}

export async function parseInWorker(job: ParseJob): Promise<ParsedFile> {
  return (await parsers().run(job)) as ParsedFile;
}

/**
 * Starts the parser threads ahead of an upload (when its import is created), unless they run
 * already: a thread loads the readers before its first parse, which took seconds on a busy machine,
 * and that now happens while the file is still being sent. Best effort: a thread that cannot start
 * fails the upload's own parse, with its error.
 */
export function warmParsers(): void {
  const running = parsers();
  for (let i = running.threads.length; i < PARSE_THREADS; i += 1) running.run(null, { name: 'loaded' }).catch(() => undefined);
}
