import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs warm-runs.child.ts under --trace-deopt --trace-opt and returns what it printed. V8 runs
 * single-threaded there, so when code gets compiled does not depend on how busy the machine is.
 */
function traceWarmRuns(): string {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--single-threaded', '--trace-deopt', '--trace-opt', '--import', 'tsx', join(__dirname, 'warm-runs.child.ts'), '20000'],
    { cwd: join(__dirname, '..', '..', '..'), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 },
  );
  expect(child.stderr).not.toMatch(/Error/);
  expect(child.status).toBe(0);
  expect(child.stdout).toMatch(/=== rows \d+/);
  return child.stdout;
}

/**
 * The engine stays compiled between runs. Each run's objects (document columns, interner, hash
 * groups, run state, summary sinks) die when the run ends; if their hidden classes died with them,
 * V8 threw away the optimised phases and the next run started again in the interpreter and
 * compiled the engine anew (domain/recon/kept-shapes.ts). After a few runs, with a full garbage
 * collection before each, no run may lose compiled code that way.
 */
describe('reconcile: warm runs keep the compiled engine', () => {
  // One traced child serves both checks.
  let out = '';
  beforeAll(() => {
    out = traceWarmRuns();
  }, 180_000);

  it('no code lost between runs after the first few, with a full GC before each', () => {
    // --trace-deopt prints a "bailout" line per de-optimisation and "marking dependent code … weak
    // objects" for code thrown away because an object it depended on died. A hidden class that
    // died between runs shows as both: dependent code marked, then phases de-optimising for lack
    // of type feedback at their first read of it. (A value once a small integer now a double,
    // "not a Smi", is V8 still learning the engine's types, not code lost between runs.)
    const [warmUp, warm] = out.split('=== warm runs');
    const lost = warm!.split('\n').filter((l) => /reason: weak objects|reason: Insufficient type feedback/.test(l));
    expect(lost).toEqual([]);
    // The trace does print: the warm-up runs de-optimise while V8 learns the engine's types.
    expect(warmUp).toMatch(/bailout \(kind: deopt-eager, reason: Insufficient type feedback/);
  });

  it('compiles no function made per run (closures) in warm runs', () => {
    const [warmUp, warm] = out.split('=== warm runs');
    // --trace-opt names each function it compiles; functions made per run (closures over the
    // run's objects: comparators, pass helpers) are anonymous there. A named module function
    // may still reach the optimising tier late on a small input; a closure compiled in a warm
    // run is one compiled again because the previous run's copy died with it.
    const closures = warm!.split('\n').filter((l) => /compiling method .*<JSFunction \(sfi/.test(l));
    expect(closures).toEqual([]);
    expect(warmUp).toMatch(/compiling method/);
  });
});
