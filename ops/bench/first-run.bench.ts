/**
 * First-run benchmark (docs/performance.md, "First run"): a fresh process's first match against
 * the median of the warm ones, at each size, with the worker's engine warm-up at start
 * (`warm-up`) and without it (`cold`), each mode in its own fresh process (first-run.child.ts),
 * one after the other. The ratios are computed on the main thread's CPU time, which two busy
 * cores do not inflate the way they inflate wall-clock time (both printed, with the load average).
 *
 * npm run bench:first (FIRST_BENCH_SIZES, default 1000000; FIRST_BENCH_MODES, default warm-up,cold;
 * FIRST_BENCH_WARM, warm runs per child, default 4; FIRST_BENCH_FLAGS, more V8 flags for the children;
 * FIRST_BENCH_PROFILE=<dir>, a CPU profile of each match written there, see first-run.profile-diff.ts;
 * FIRST_BENCH_DOCS, fresh (default: each match's documents parsed afresh, as a worker loads them) or
 * same (every match the same document objects), see first-run.child.ts)
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { FIRST_RUN_MARK, type FirstRunReport } from './first-run.child';

/** The worker's V8 flags (docker-compose, package.json `worker`), and what the benchmark needs; FIRST_BENCH_FLAGS adds more (to measure a flag before the worker takes it). */
const FLAGS = ['--max-old-space-size=16384', '--max-semi-space-size=64', '--expose-gc', ...(process.env.FIRST_BENCH_FLAGS ?? '').split(' ').filter((f) => f !== '')];

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function child(size: number, mode: string, warm: number): FirstRunReport {
  const entry = path.join(__dirname, `first-run.child${path.extname(__filename)}`);
  const loader = __filename.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const run = spawnSync(process.execPath, [...FLAGS, ...loader, entry, String(size), mode, String(warm)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const line = run.stdout.split('\n').find((l) => l.startsWith(FIRST_RUN_MARK));
  if (run.status !== 0 || line === undefined) throw new Error(`first-run child (${size}, ${mode}) failed (${run.status ?? run.signal}): ${run.stderr.slice(-2000)}`);
  return JSON.parse(line.slice(FIRST_RUN_MARK.length)) as FirstRunReport;
}

const s = (ms: number): string => (ms / 1000).toFixed(2);

function row(r: FirstRunReport, loadBefore: string): string {
  const warmCpu = median(r.warm.map((w) => w.cpuMs));
  const warmWall = median(r.warm.map((w) => w.wallMs));
  const warmFaults = median(r.warm.map((w) => w.faults));
  const warmGc = median(r.warm.map((w) => w.gcMs));
  const warmRows = median(r.warmRows.map((w) => w.cpuMs));
  const up = r.warmUp === null ? '–' : `${s(r.warmUp.cpuMs)} / ${s(r.warmUp.processCpuMs)} / ${s(r.warmUp.wallMs)}, +${Math.round(r.warmUp.rssMb)} MB, ${Math.round(r.warmUp.poolMb)} MB`;
  return `| ${r.size} | ${r.mode} | ${r.docs} | ${up} | ${s(r.first.cpuMs)} / ${s(warmCpu)} = **${(r.first.cpuMs / warmCpu).toFixed(2)}×** `
    + `| ${s(r.first.wallMs)} / ${s(warmWall)} = ${(r.first.wallMs / warmWall).toFixed(2)}× | ${s(r.first.processCpuMs)} / ${s(median(r.warm.map((w) => w.processCpuMs)))} `
    + `| ${r.first.faults} / ${warmFaults} | ${Math.round(r.first.poolMb)} / ${Math.round(median(r.warm.map((w) => w.poolMb)))} | ${s(r.first.gcMs)}, ${r.first.fullGcs} / ${s(warmGc)}, ${median(r.warm.map((w) => w.fullGcs))} | ${s(r.firstRows.cpuMs)} / ${s(warmRows)} `
    + `| ${r.warm.map((w) => s(w.cpuMs)).join(', ')} | ${Math.round(r.peakRssMb)} | ${loadBefore} |`;
}

if (require.main === module) {
  const sizes = (process.env.FIRST_BENCH_SIZES ?? '1000000').split(',').map(Number).filter((n) => n > 0);
  const modes = (process.env.FIRST_BENCH_MODES ?? 'warm-up,cold').split(',').map((m) => m.trim());
  const warm = Number(process.env.FIRST_BENCH_WARM ?? 4);
  // The child reads FIRST_BENCH_DOCS itself (it inherits the environment); its report says which it used.
  out(`documents for each match: ${process.env.FIRST_BENCH_DOCS ?? 'fresh'} (FIRST_BENCH_DOCS=fresh|same)`);
  out('| documents a side | mode | documents | warm-up: main-thread CPU / process CPU / wall (s), RSS after, table-pool buffers (its own and those set aside) | match, main-thread CPU (s): first / warm median = ratio | match, wall (s): first / warm median | match, process CPU (s): first / warm median | minor page faults: first / warm median | new table-pool buffers (MB): first / warm median | GC (s), full collections: first / warm median | rows built, CPU (s): first / warm median | warm runs, CPU (s) | peak RSS (MB) | load average before |');
  out('|---:|---|---|---|---|---|---|---|---|---|---|---|---:|---|');
  for (const size of sizes) {
    for (const mode of modes) {
      const before = load();
      out(row(child(size, mode, warm), before));
    }
  }
  out(`load average after: ${load()}`);
}
