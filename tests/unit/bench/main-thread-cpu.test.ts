import { mainThreadCpuMs } from '../../../ops/bench/recon-match.bench';

/** Spin without allocating (no GC work for helper threads) until `ms` of wall-clock time pass. */
function spin(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) x += 1;
  return x;
}

describe('benchmark: main-thread CPU time', () => {
  it('reads utime + stime of this thread: agrees with the process total over a busy loop', () => {
    if (process.platform !== 'linux') {
      // No /proc/thread-self: the benchmark prints n/a instead of a figure.
      expect(mainThreadCpuMs()).toBeNull();
      return;
    }
    const threadBefore = mainThreadCpuMs();
    const processBefore = process.cpuUsage();
    expect(spin(400)).toBeGreaterThan(0);
    const threadAfter = mainThreadCpuMs();
    const processDelta = process.cpuUsage(processBefore);
    expect(threadBefore).not.toBeNull();
    expect(threadAfter).not.toBeNull();
    const threadMs = threadAfter! - threadBefore!;
    const processMs = (processDelta.user + processDelta.system) / 1000;
    // The loop neither allocates nor waits, so the process's CPU time is this thread's (clock
    // ticks are 10 ms; other fields of the stat line would be off by far more).
    expect(threadMs).toBeGreaterThan(0);
    expect(Math.abs(threadMs - processMs)).toBeLessThanOrEqual(40 + processMs * 0.1);
  });
});
