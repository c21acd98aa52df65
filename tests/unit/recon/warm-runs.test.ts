import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The engine stays compiled between runs. Each run's objects (document columns, interner, hash
 * groups, run state, summary sinks) die when the run ends; if their hidden classes died with them,
 * V8 threw away the optimised phases and the next run started again in the interpreter and
 * compiled the engine anew (domain/recon/kept-shapes.ts). After a few runs, with a full garbage
 * collection before each, no run may lose compiled code that way.
 */
describe('reconcile: warm runs keep the compiled engine', () => {
  it('no code lost between runs after the first few, with a full GC before each', () => {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--trace-deopt', '--import', 'tsx', join(__dirname, 'warm-runs.child.ts'), '20000'],
      { cwd: join(__dirname, '..', '..', '..'), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 },
    );
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.status).toBe(0);
    const out = child.stdout;
    expect(out).toMatch(/=== rows \d+/);
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
  }, 180_000);
});
