/**
 * The benchmarks' main-thread CPU reader (ops/bench/thread-cpu.ts) reads the right fields of
 * /proc/thread-self/stat. It is checked against the process's CPU time (getrusage, through
 * process.cpuUsage) in a child process whose only busy thread is its main thread: V8 started with
 * --single-threaded posts no work to helper threads (no concurrent marking or sweeping, no parallel
 * scavenges, no background compiles), and the child uses no thread pool. In the jest worker itself
 * the collector and the compiler's threads add hundreds of ms on a loaded machine.
 *
 * The child spins until the process has used a given amount of CPU time (not wall-clock time): under
 * load the main thread gets only a share of the wall clock, but whatever it gets, its own time and
 * its process's then agree. A neighbouring field of the stat line (fault counts, children's times,
 * priority) would not move with the spin, and utime alone would miss the system time the child
 * spends reading files.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { mainThreadCpuMs } from '../../../ops/bench/thread-cpu';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
/** CPU time each part of the spin uses, in µs (process.cpuUsage's unit). */
const USER_US = 300_000;
const SYSTEM_US = 150_000;
/** The child stops spinning past this much CPU time a try, whatever it reached: it never spins forever. */
const CAP_US = 20 * (USER_US + SYSTEM_US);

type Try = { threadMs: number | null; processMs: number; userMs: number; systemMs: number };

const CHILD = [
  "import { readFileSync } from 'node:fs';",
  `import { mainThreadCpuMs } from ${JSON.stringify(path.join(ROOT, 'ops/bench/thread-cpu'))};`,
  'const tries = [];',
  'let sink = 0;',
  'for (let k = 0; k < 3; k += 1) {',
  '  const thread0 = mainThreadCpuMs();',
  '  const start = process.cpuUsage();',
  '  let used = process.cpuUsage(start);',
  // System time: each read of a /proc file is work the kernel does for this thread.
  `  while (used.system < ${SYSTEM_US} && used.user + used.system < ${CAP_US}) { for (let i = 0; i < 50; i += 1) sink += readFileSync('/proc/self/stat').length; used = process.cpuUsage(start); }`,
  // User time: a loop that neither allocates nor calls the kernel.
  `  while (used.user < ${USER_US} && used.user + used.system < ${CAP_US}) { for (let i = 0; i < 100000; i += 1) sink = (sink + i) % 1000003; used = process.cpuUsage(start); }`,
  '  const thread1 = mainThreadCpuMs();',
  '  used = process.cpuUsage(start);',
  '  tries.push({ threadMs: thread0 === null || thread1 === null ? null : thread1 - thread0, processMs: (used.user + used.system) / 1000, userMs: used.user / 1000, systemMs: used.system / 1000 });',
  '}',
  'console.log(JSON.stringify({ tries, sink: sink > -1 }));',
].join('\n');

/** Clock ticks are 10 ms: two of them, plus a little for what the process's idle threads may do. */
const agrees = (t: Try) => t.threadMs !== null && Math.abs(t.threadMs - t.processMs) <= 20 + t.processMs * 0.03;

describe('benchmark: main-thread CPU time', () => {
  if (process.platform !== 'linux') {
    it('is n/a without /proc/thread-self', () => {
      // The benchmark prints n/a instead of a figure.
      expect(mainThreadCpuMs()).toBeNull();
    });
    return;
  }

  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thread-cpu-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads utime + stime of the calling thread: agrees with the process total of a single-threaded process over a spin', async () => {
    const script = path.join(dir, 'spin.ts');
    fs.writeFileSync(script, CHILD);
    // NODE_OPTIONS cleared: jest's own flags are not the child's business.
    const { stdout, stderr } = await run(process.execPath, ['--single-threaded', '--import', 'tsx', script], {
      cwd: ROOT,
      timeout: 120_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    }).catch((error: { stdout: string; stderr: string; message: string }) => ({ stdout: error.stdout ?? '', stderr: `${error.message}\n${error.stderr ?? ''}` }));
    expect(stderr.trim()).toBe('');
    const { tries } = JSON.parse(stdout) as { tries: Try[] };
    expect(tries).toHaveLength(3);
    for (const t of tries) {
      // The spin used what it was meant to, so the reader had something to see.
      expect(t.userMs).toBeGreaterThanOrEqual(USER_US / 1000);
      expect(t.systemMs).toBeGreaterThanOrEqual(SYSTEM_US / 1000);
    }
    // Every try agrees (the whole list is printed when one does not).
    expect(tries.filter((t) => !agrees(t))).toEqual([]);
  }, 150_000);
});
