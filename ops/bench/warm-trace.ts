/**
 * Benchmark check: the engine stays compiled between runs. A child process reconciles one
 * generated dataset several times under `--trace-deopt --trace-opt`, with a full collection before
 * each run as a worker's heap would see between two reconciliations, and prints a marker before
 * the last runs; `warmTraceFindings` reads what V8 printed after it.
 *
 * Each run's objects (document columns, interner, hash groups, run state, summary accumulator)
 * die when the run ends. If their hidden classes died with them, V8 threw away the optimised
 * phases and the next run started again in the interpreter and compiled the engine anew
 * (domain/recon/kept-shapes.ts); and a function made per run (a closure) is compiled again in
 * every run. After the warm-up runs, neither may happen.
 */
import { spawnSync } from 'node:child_process';

export const WARM_MARK = '=== warm runs';
export const ROWS_MARK = '=== rows';

export interface WarmTraceFindings {
  /** De-optimisations of code that died with an object ("weak objects") or lost its feedback, after the warm-up. */
  lost: string[];
  /** Functions made per run (anonymous in --trace-opt) compiled after the warm-up. */
  closures: string[];
  /** The warm-up itself printed de-optimisations and compiles (the trace is on and read right). */
  traced: boolean;
}

/**
 * --trace-deopt prints a "bailout" line per de-optimisation and "marking dependent code … weak
 * objects" for code thrown away because an object it depended on died: a hidden class that died
 * between runs shows as both, then phases de-optimising for lack of type feedback at their first
 * read of it. (A value once a small integer now a double, "not a Smi", is V8 still learning the
 * engine's types, not code lost between runs.) --trace-opt names each function it compiles;
 * functions made per run are anonymous there (`<JSFunction (sfi …`).
 */
export function warmTraceFindings(trace: string): WarmTraceFindings {
  const at = trace.indexOf(WARM_MARK);
  if (at < 0) return { lost: [], closures: [], traced: false };
  const warmUp = trace.slice(0, at);
  const warm = trace.slice(at).split('\n');
  return {
    lost: warm.filter((l) => /reason: weak objects|reason: Insufficient type feedback/.test(l)),
    closures: warm.filter((l) => /compiling method .*<JSFunction \(sfi/.test(l)),
    traced: /bailout \(kind: deopt-eager, reason: Insufficient type feedback/.test(warmUp) && /compiling method/.test(warmUp),
  };
}

/**
 * Runs the traced child (`entry`, with `loader` flags such as `--import tsx` for TypeScript
 * sources) on `size` documents per side. V8 runs single-threaded there, so when code is compiled
 * does not depend on how busy the machine is.
 */
export function traceWarmRuns(entry: string, loader: readonly string[], size: number, cwd: string): WarmTraceFindings {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--single-threaded', '--trace-deopt', '--trace-opt', ...loader, entry, String(size)],
    { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 300_000 },
  );
  if (child.status !== 0 || !child.stdout.includes(ROWS_MARK)) {
    throw new Error(`warm-runs trace failed (${child.status ?? child.signal}): ${child.stderr.slice(-2000)}`);
  }
  return warmTraceFindings(child.stdout);
}
