/**
 * The engine's optimised code survives the full collections between runs. A worker reconciles run
 * after run with full collections in between; when something the optimised code depends on dies in
 * them (a hidden class no object holds any more, such as a deprecated one), V8 throws the code away
 * ("weak objects" in `--trace-deopt`) and every run compiles the engine again. A number field of
 * the documents' object that started as a small integer and was given a double did that, and the
 * match took 1.3–1.5× its CPU time (docs/performance.md, Memory). Run in a child process with
 * V8's trace, on the engine as tsx loads it.
 *
 * Finding no such deoptimisation proves nothing unless the engine was optimised and the trace
 * would have shown one, so the test checks both: `--trace-opt` must show the engine's hot
 * functions optimised before the measured runs, and a control in the child (a function optimised
 * on a hidden class that then dies) must lose its code in the same trace.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const MARK = 'MEASURED-RUNS';
const CONTROL = 'deoptControlRead';
/** Engine functions every run spends its time in (domain/recon/match). */
const HOT = ['verdict', 'pair', 'keyFor', 'cmpDoc'];

/**
 * The distinct functions trace lines name (`<JSFunction name` in --trace-opt, `<SharedFunctionInfo
 * name>` in --trace-deopt; a function is named once per collection that takes its code).
 */
function namesIn(lines: string[], pattern: RegExp): string[] {
  return [...new Set(lines.map((line) => pattern.exec(line)?.[1] || '(anonymous)'))];
}

describe('the engine across full collections', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-deopt-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps its optimised code from one run to the next with a full collection between them', async () => {
    const script = path.join(dir, 'child.ts');
    fs.writeFileSync(
      script,
      [
        `import { reconcile } from ${JSON.stringify(path.join(ROOT, 'domain/recon'))};`,
        `import { generateReconData } from ${JSON.stringify(path.join(ROOT, 'ops/bench/recon-data'))};`,
        'const gc = (globalThis as { gc?: () => void }).gc!;',
        // The control: a class made afresh, a function optimised on its instances (one field a small
        // integer given a double), then class and instances dropped, so a full collection kills the
        // hidden class the optimised code depends on.
        'function control(): unknown {',
        '  const Made = class { v: number; w = 0; constructor(v: number) { this.v = v; } };',
        '  const objs: InstanceType<typeof Made>[] = [];',
        '  for (let i = 0; i < 1000; i += 1) objs.push(new Made(i));',
        '  objs[0]!.w = 0.5;',
        `  function ${CONTROL}(o: InstanceType<typeof Made>): number { return o.v + o.w; }`,
        '  let sum = 0;',
        `  for (let k = 0; k < 2000; k += 1) for (const o of objs) sum += ${CONTROL}(o);`,
        `  return [${CONTROL}, sum];`,
        '}',
        'const data = generateReconData({ n: 20000, seed: 7 });',
        'reconcile(data.books.slice(0, 2000), data.portal.slice(0, 2000));',
        'for (let k = 0; k < 2; k += 1) reconcile(data.books, data.portal);',
        `console.log(${JSON.stringify(MARK)});`,
        'for (let k = 0; k < 3; k += 1) { gc(); reconcile(data.books, data.portal); }',
        'const kept = control();',
        'gc();',
        'console.log(kept.length);',
      ].join('\n'),
    );
    // NODE_OPTIONS cleared: --jitless or --max-opt inherited from the parent would leave nothing to lose.
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', '--trace-deopt', '--trace-opt', '--import', 'tsx', script],
      { cwd: ROOT, timeout: 240_000, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(stdout).toContain(MARK);
    const [warm, measured] = [stdout.slice(0, stdout.indexOf(MARK)), stdout.slice(stdout.indexOf(MARK))];

    // The engine was optimised before the measured runs (else there was no code to lose).
    const optimised = namesIn(
      warm.split('\n').filter((line) => line.startsWith('[completed optimizing') && line.includes('TURBOFAN')),
      /<JSFunction (\S+)/,
    );
    expect(HOT.filter((name) => !optimised.includes(name))).toEqual([]);

    // Which functions lost their code, for the failure message.
    const lost = namesIn(
      measured.split('\n').filter((line) => line.includes('reason: weak objects')),
      /SharedFunctionInfo ?([^>]*)>/,
    );
    // The trace shows such a loss: the control lost its code in the same process.
    expect(lost.filter((name) => name === CONTROL)).toEqual([CONTROL]);
    // The code before the document record's fix lost 27–38 distinct functions' code here; now
    // none (up to three would be V8's own business, not a run compiling the engine again).
    const engine = lost.filter((name) => name !== CONTROL);
    expect(engine.length <= 3 ? [] : engine).toEqual([]);
  }, 300_000);
});
