/**
 * The engine's optimised code survives the full collections between runs. A worker reconciles run
 * after run with full collections in between; when something the optimised code depends on dies in
 * them (a hidden class no object holds any more, such as a deprecated one), V8 throws the code away
 * ("weak objects" in `--trace-deopt`) and every run compiles the engine again. A number field of
 * the documents' object that started as a small integer and was given a double did that, and the
 * match took 1.3–1.5× its CPU time (docs/performance.md, Memory). Run in a child process with
 * V8's trace, on the engine as tsx loads it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const MARK = 'MEASURED-RUNS';

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
        "const data = generateReconData({ n: 20000, seed: 7 });",
        'reconcile(data.books.slice(0, 2000), data.portal.slice(0, 2000));',
        'for (let k = 0; k < 2; k += 1) reconcile(data.books, data.portal);',
        `console.log(${JSON.stringify(MARK)});`,
        'for (let k = 0; k < 3; k += 1) { gc(); reconcile(data.books, data.portal); }',
        'gc();',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['--expose-gc', '--trace-deopt', '--import', 'tsx', script], {
      cwd: ROOT, timeout: 240_000, maxBuffer: 64 * 1024 * 1024,
    });
    const measured = stdout.slice(stdout.indexOf(MARK));
    expect(stdout).toContain(MARK);
    // Which functions lost their code, for the failure message (the trace names each one).
    const lost = measured.split('\n').filter((line) => line.includes('reason: weak objects'))
      .map((line) => /SharedFunctionInfo ([^>]*)>/.exec(line)?.[1] ?? line);
    // The code before the document record's fix lost some sixty functions' code here; now none
    // (a few would be V8's own business, not a run compiling the engine again).
    expect(lost.length <= 3 ? [] : lost).toEqual([]);
  }, 300_000);
});
