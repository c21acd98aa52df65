/**
 * Child process of the first-run benchmark (first-run.bench.ts): in one fresh process, optionally
 * the worker's engine warm-up (warmUpEngine, as ops/worker.ts runs it at start), then documents of
 * `size` a side in the shapes the worker loads, then the first match and several warm ones, each
 * followed by building its rows a batch at a time as the activity writes them. Each step is
 * measured in the main thread's CPU time (/proc/thread-self/stat), which a busy machine does not
 * inflate the way it inflates wall-clock time, and in wall-clock time; first and warm runs share
 * the process, so they share the machine's conditions.
 *
 * FIRST_BENCH_DOCS=fresh (the default) gives every match, the first and each warm one, its own
 * documents, parsed from their JSON text and their repeated texts shared as the worker's load does
 * (activities/reconciliation-load.ts), outside the measured step: a worker's later runs load new
 * documents, whose strings V8 has not hashed yet, as its first run does. `same` gives every match
 * the same document objects, whose strings the first match has already hashed (the warm runs are
 * then cheaper than a worker's).
 *
 * node --expose-gc --max-semi-space-size=64 --max-old-space-size=16384 dist/ops/bench/first-run.child.js <size> <warm-up|cold> [warm runs]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { shareBooks, sharePortal, TextSharer } from '../../activities/reconciliation-load';
import { ROW_BATCH } from '../../db/recon-rows';
import { reconcile, type BooksRow, type PortalDoc } from '../../domain/recon';
import { tablePoolStats } from '../../domain/recon/table-pool';
import { asStored, warmUpEngine } from '../../domain/recon/warm-up';
import { generateReconData } from './recon-data';

export const FIRST_RUN_MARK = 'FIRST_RUN ';

/** One measured step: main-thread CPU, the whole process's CPU (V8's helper threads too), wall clock, minor page faults, garbage collection. */
export interface Step {
  cpuMs: number; processCpuMs: number; wallMs: number; faults: number; gcMs: number;
  /** Full (mark-compact) collections inside the step. */
  fullGcs: number;
  /** Bytes of new table-pool buffers the step allocated (what the pool could not serve from earlier runs), MB. */
  poolMb: number;
}

/** Where each match's documents come from (FIRST_BENCH_DOCS): parsed afresh before it, or the same objects every time. */
export type DocsMode = 'fresh' | 'same';

export interface FirstRunReport {
  size: number;
  mode: 'warm-up' | 'cold';
  docs: DocsMode;
  /** The warm-up (null when cold), and RSS it left behind. */
  warmUp: (Step & { rssMb: number }) | null;
  /** Match alone, and the rows built after it, for the first run and each warm one. */
  first: Step;
  firstRows: Step;
  warm: Step[];
  warmRows: Step[];
  peakRssMb: number;
}

/** Main-thread utime + stime in ms (clock ticks of 10 ms) and minor faults, from /proc/thread-self/stat. */
function threadStat(): { cpuMs: number; faults: number } {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  // Fields after the command name (which may hold spaces): minflt is field 10, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { cpuMs: (Number(f[11]) + Number(f[12])) * 10, faults: Number(f[7]) };
}

/** Garbage collections as V8 reports them (asynchronously): start and duration, ms on performance.now()'s clock. */
const collections: Array<{ start: number; ms: number; full: boolean }> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) collections.push({ start: e.startTime, ms: e.duration, full: (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR });
}).observe({ entryTypes: ['gc'] });

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Lets the gc entries V8 queued (delivered asynchronously, a task or more later) through. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

async function measure(step: () => unknown | Promise<unknown>): Promise<Step> {
  await settle();
  const from = performance.now();
  const pool = tablePoolStats().allocatedBytes;
  const t = threadStat();
  const p = process.cpuUsage();
  const w = process.hrtime.bigint();
  await step();
  const wallMs = Number(process.hrtime.bigint() - w) / 1e6;
  const pc = process.cpuUsage(p);
  const t2 = threadStat();
  const to = performance.now();
  await settle();
  // Only the collections that started inside the step (the forced one before it arrives late).
  const inside = collections.filter((c) => c.start >= from && c.start < to);
  const gcMs = inside.reduce((sum, c) => sum + c.ms, 0);
  collections.length = 0;
  return { cpuMs: t2.cpuMs - t.cpuMs, processCpuMs: (pc.user + pc.system) / 1000, wallMs, faults: t2.faults - t.faults, gcMs, fullGcs: inside.filter((c) => c.full).length, poolMb: (tablePoolStats().allocatedBytes - pool) / 1e6 };
}

/**
 * FIRST_BENCH_PROFILE=<dir>: each match is also sampled by V8's CPU profiler and written there as
 * match-<k>.cpuprofile (k = 0 for the first), to compare where the first match spends what a warm
 * one does not (ops/bench/first-run.profile-diff.ts). Off by default: sampling costs time.
 */
const profileDir = process.env.FIRST_BENCH_PROFILE ?? '';
let session: Session | null = null;

function post(method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session!.post(method, params, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Starts the CPU profiler (FIRST_BENCH_PROFILE only). */
async function profileStart(): Promise<void> {
  if (profileDir === '') return;
  if (session === null) {
    session = new Session();
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 500 });
  }
  await post('Profiler.start');
}

/** Stops the CPU profiler and writes what it sampled as `<name>.cpuprofile` (outside the measured step). */
async function profileStop(name: string): Promise<void> {
  if (profileDir === '') return;
  const { profile } = await post('Profiler.stop') as { profile: unknown };
  writeFileSync(path.join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
}

/** Documents a page of JSON text holds: the worker's load reads 10,000 rows a page. */
const PAGE = 10_000;

/** Documents as pages of JSON text, one document a line, as the worker's load receives them. */
function pagesOf(docs: readonly object[]): string[] {
  const pages: string[] = [];
  for (let from = 0; from < docs.length; from += PAGE) pages.push(docs.slice(from, from + PAGE).map((d) => JSON.stringify(d)).join('\n'));
  return pages;
}

/** The documents of `pages`, each parsed from its own line and its repeated texts shared, as the worker's load makes them. */
function parsePages<T>(pages: readonly string[], sharer: TextSharer, share: (doc: T, t: TextSharer) => void): T[] {
  const docs: T[] = [];
  for (const page of pages) {
    let start = 0;
    for (;;) {
      const end = page.indexOf('\n', start);
      const doc = JSON.parse(page.slice(start, end === -1 ? page.length : end)) as T;
      share(doc, sharer);
      docs.push(doc);
      if (end === -1) break;
      start = end + 1;
    }
  }
  return docs;
}

async function main(size: number, mode: 'warm-up' | 'cold', warmRuns: number, docsMode: DocsMode): Promise<FirstRunReport> {
  if (!(globalThis as { gc?: () => void }).gc) throw new Error('run with --expose-gc');
  let warmUp: FirstRunReport['warmUp'] = null;
  if (mode === 'warm-up') {
    collect();
    const rss = process.memoryUsage().rss;
    const step = await measure(() => warmUpEngine());
    collect();
    warmUp = { ...step, rssMb: (process.memoryUsage().rss - rss) / 1e6 };
  }
  // The documents as the worker has them: the database's JSON shapes (warm-up.ts asStored).
  const data = generateReconData({ n: size, seed: 7 });
  let books: BooksRow[] = data.books.map(asStored);
  let portal: PortalDoc[] = data.portal.map(asStored);
  data.books.length = 0;
  data.portal.length = 0;
  // fresh: only the text is kept between matches; each match gets documents parsed from it.
  const bookPages = docsMode === 'fresh' ? pagesOf(books) : [];
  const portalPages = docsMode === 'fresh' ? pagesOf(portal) : [];
  const runs: Step[] = [];
  const rows: Step[] = [];
  for (let k = 0; k <= warmRuns; k += 1) {
    if (docsMode === 'fresh') {
      books = [];
      portal = [];
      collect();
      const sharer = new TextSharer(); // one per load, as the worker's
      books = parsePages(bookPages, sharer, shareBooks);
      portal = parsePages(portalPages, sharer, sharePortal);
    }
    collect();
    let result: ReturnType<typeof reconcile> | null = null;
    await profileStart();
    runs.push(await measure(() => {
      result = reconcile(books, portal, { amountTolerance: 100, dateWindowDays: 10 });
    }));
    await profileStop(`match-${k}`);
    const r = result!;
    rows.push(await measure(() => {
      let length = 0;
      for (let from = 0; from < r.rowCount; from += ROW_BATCH) length += JSON.stringify(r.rowsBetween(from, Math.min(r.rowCount, from + ROW_BATCH))).length;
      r.release();
      if (length === 0) throw new Error('no rows built');
    }));
  }
  return {
    size, mode, docs: docsMode, warmUp, first: runs[0]!, firstRows: rows[0]!, warm: runs.slice(1), warmRows: rows.slice(1),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

if (require.main === module) {
  const [size, mode, warm] = process.argv.slice(2);
  if (mode !== 'warm-up' && mode !== 'cold') throw new Error('usage: first-run.child <size> <warm-up|cold> [warm runs]');
  const docs = process.env.FIRST_BENCH_DOCS ?? 'fresh';
  if (docs !== 'fresh' && docs !== 'same') throw new Error(`FIRST_BENCH_DOCS must be fresh or same, not ${docs}`);
  main(Number(size), mode, Number(warm ?? 4), docs).then((report) => {
    process.stdout.write(`${FIRST_RUN_MARK}${JSON.stringify(report)}\n`);
  }, (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
