/**
 * CPU time of the calling thread, for the benchmarks that report the engine's own work apart from
 * V8's helper threads (recon-match.bench.ts, reader-warm-up.ts).
 */
import { readFileSync } from 'node:fs';

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
