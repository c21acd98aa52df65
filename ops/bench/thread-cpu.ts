/**
 * CPU time read from Linux's /proc for the benchmarks: the calling thread's, for those that report
 * the engine's own work apart from V8's helper threads (recon-match.bench.ts, reader-warm-up.ts),
 * and this process's threads' and PostgreSQL's, for the end-to-end bench's stage lines.
 */
import fs, { readFileSync } from 'node:fs';

/**
 * CPU time of the calling (main) thread in ms, from /proc/thread-self/stat (utime + stime, in
 * clock ticks of 10 ms), or null where there is no such file. process.cpuUsage() would add V8's
 * helper threads (concurrent marking and sweeping, parallel scavenges, optimising compiles), which
 * run on the other cores; this is the engine's own work.
 */
export function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * CPU seconds PostgreSQL's processes have used so far (Linux's /proc; null elsewhere): the
 * postmaster's own, its ended children's (it reaps them, so they are in its `cutime`), and its
 * live children's (the backends, the WAL writer, the checkpointer). Next to a stage's wall clock
 * it says whether the database was busy through it or waiting on this process.
 */
export function postgresCpu(postmaster: number): number | null {
  const fields = (pid: number | string): string[] => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const TICKS = 100; // USER_HZ: what /proc counts CPU time in on Linux
  try {
    const own = fields(postmaster);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const f = fields(entry);
        if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // ended while listed
      }
    }
    return ticks / TICKS;
  } catch {
    return null;
  }
}

/** This process's CPU seconds so far (all its threads: the api's, the parser threads, V8's). */
export const ownCpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** CPU seconds so far of each of this process's threads, by thread id (Linux's /proc; empty elsewhere). */
export function threadCpu(): Map<string, number> {
  const threads = new Map<string, number>();
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      try {
        const f = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        threads.set(tid, (Number(f[11]) + Number(f[12])) / 100);
      } catch {
        // ended while listed
      }
    }
  } catch {
    // no /proc
  }
  return threads;
}

/**
 * This process's threads by what runs on them, told apart by when they appeared (Linux names
 * them all "node"): V8's platform threads (its garbage collection's parallel and concurrent work,
 * optimising compiles, for the main thread and the parser threads alike) start with the process;
 * libuv's pool (file reads and writes, for the spool and the parser threads' reads) on its first
 * use; the parser threads when `startParsers` starts them.
 */
export type ThreadKinds = { platform: Set<string>; libuv: Set<string>; parsers: Set<string> };

/**
 * Where this process's CPU went between two `threadCpu` samples: the main thread's (the api's
 * event loop, this bench's client, the rows streamed to PostgreSQL), the parser threads', V8's
 * platform threads' (garbage collection, compiles) and libuv's pool's, each thread's largest first.
 */
export function threadShares(before: Map<string, number>, after: Map<string, number>, kinds: ThreadKinds): string {
  const main = String(process.pid);
  const used = [...after].map(([tid, t]) => [tid, t - (before.get(tid) ?? 0)] as const).filter(([, t]) => t >= 0.01);
  const mainUsed = used.find(([tid]) => tid === main)?.[1] ?? 0;
  const group = (label: string, pick: (tid: string) => boolean): string => {
    const times = used.filter(([tid]) => tid !== main && pick(tid)).map(([, t]) => t).sort((a, b) => b - a);
    return `${label} ${times.reduce((a, b) => a + b, 0).toFixed(2)} s (${times.map((t) => t.toFixed(2)).join(', ') || 'none'})`;
  };
  const known = (tid: string) => kinds.parsers.has(tid) || kinds.platform.has(tid) || kinds.libuv.has(tid);
  return [`main thread ${mainUsed.toFixed(2)} s`, group('parser threads', (t) => kinds.parsers.has(t)), group("V8's platform threads", (t) => kinds.platform.has(t)),
    group("libuv's pool", (t) => kinds.libuv.has(t)), group('other threads', (t) => !known(t))].join('; ');
}
