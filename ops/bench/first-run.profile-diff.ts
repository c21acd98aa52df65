/**
 * Where a first match spends what a warm one does not: reads two .cpuprofile files written by
 * the first-run benchmark (FIRST_BENCH_PROFILE, first-run.child.ts) and prints, per function, the
 * self time sampled in each and the difference, largest first.
 *
 * node dist/ops/bench/first-run.profile-diff.js <first.cpuprofile> <warm.cpuprofile> [rows]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** Self time per function (name, file, line) in ms, from the samples and their time deltas. */
export function selfTimes(profile: Profile): Map<string, number> {
  const keyOf = new Map<number, string>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    keyOf.set(n.id, `${f.functionName || '(anonymous)'} ${f.url === '' ? '' : `${path.basename(f.url)}:${f.lineNumber + 1}`}`.trim());
  }
  const times = new Map<string, number>();
  for (let k = 0; k < profile.samples.length; k += 1) {
    // The delta before sample k+1 is the time sample k stood for.
    const ms = (profile.timeDeltas[k + 1] ?? 0) / 1000;
    const key = keyOf.get(profile.samples[k]!)!;
    times.set(key, (times.get(key) ?? 0) + ms);
  }
  return times;
}

if (require.main === module) {
  const [firstPath, warmPath, rowsArg] = process.argv.slice(2);
  const first = selfTimes(JSON.parse(readFileSync(firstPath!, 'utf8')) as Profile);
  const warm = selfTimes(JSON.parse(readFileSync(warmPath!, 'utf8')) as Profile);
  const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const keys = new Set([...first.keys(), ...warm.keys()]);
  const rows = [...keys].map((k) => ({ k, f: first.get(k) ?? 0, w: warm.get(k) ?? 0 })).sort((a, b) => Math.abs(b.f - b.w) - Math.abs(a.f - a.w));
  process.stdout.write(`sampled: first ${total(first).toFixed(0)} ms, warm ${total(warm).toFixed(0)} ms\n`);
  for (const r of rows.slice(0, Number(rowsArg ?? 40))) process.stdout.write(`${(r.f - r.w).toFixed(0).padStart(7)} ${r.f.toFixed(0).padStart(7)} ${r.w.toFixed(0).padStart(7)}  ${r.k}\n`);
}
