import { warmTraceFindings } from '../../../ops/bench/warm-trace';

/*
 * The benchmark's warm-runs check (ops/bench/warm-trace.ts) reads V8's --trace-deopt/--trace-opt
 * output. These lines are what V8 prints (shortened); the check must find the lost code and the
 * closures after the marker and nothing before it.
 */
const WARM_UP = [
  '[bailout (kind: deopt-eager, reason: Insufficient type feedback for generic named access): begin. deoptimizing 0x1 <JSFunction markDuplicates (sfi = 0x2)>]',
  '[compiling method 0x3 <JSFunction keyedPass (sfi = 0x4)> (target TURBOFAN_JS), mode: ConcurrencyMode::kSynchronous]',
  '[compiling method 0x5 <JSFunction (sfi = 0x6)> (target TURBOFAN_JS), mode: ConcurrencyMode::kSynchronous]',
].join('\n');

describe('benchmark: warm-runs trace check', () => {
  it('passes a trace whose warm runs lose and compile nothing', () => {
    const f = warmTraceFindings(`${WARM_UP}\n=== warm runs\n[compiling method 0x7 <JSFunction planRows (sfi = 0x8)> (target TURBOFAN_JS)]\n=== rows 1000\n`);
    expect(f).toEqual({ lost: [], closures: [], traced: true });
  });

  it('finds code lost with a dead hidden class after the marker', () => {
    const weak = '[marking dependent code 0x9 <SharedFunctionInfo planRows> (opt id 12) for deoptimization, reason: weak objects]';
    const feedback = '[bailout (kind: deopt-eager, reason: Insufficient type feedback for call): begin. deoptimizing 0xa <JSFunction verdict (sfi = 0xb)>]';
    const f = warmTraceFindings(`${WARM_UP}\n=== warm runs\n${weak}\n${feedback}\n=== rows 1000\n`);
    expect(f.lost).toEqual([weak, feedback]);
    expect(f.closures).toEqual([]);
  });

  it('finds a closure compiled after the marker', () => {
    const closure = '[compiling method 0xc <JSFunction (sfi = 0xd)> (target TURBOFAN_JS), mode: ConcurrencyMode::kSynchronous]';
    const f = warmTraceFindings(`${WARM_UP}\n=== warm runs\n${closure}\n=== rows 1000\n`);
    expect(f.closures).toEqual([closure]);
    expect(f.lost).toEqual([]);
  });

  it('says when the trace is missing or printed nothing for the warm-up', () => {
    expect(warmTraceFindings('=== rows 10\n').traced).toBe(false);
    expect(warmTraceFindings('=== warm runs\n=== rows 10\n').traced).toBe(false);
  });
});
