/**
 * The parser threads in the processes that run them: `npm start` runs the api under tsx with a V8
 * flag (`--max-semi-space-size`), which Node refuses in a thread's own flags, so a thread must
 * inherit the process's flags there rather than be given a copy. And a parse whose request
 * deadline passes is abandoned with its thread (api/imports/parse-pool.ts).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseInWorker, parserHeapMb, taskFile } from '../../../api/imports/parse-pool';
import { DEFAULT_READ_LIMITS } from '../../../api/imports/upload-result';

const run = promisify(execFile);
const HEAP_MB = parserHeapMb({ maxUploadBytes: 100 * 1024 * 1024, readLimits: DEFAULT_READ_LIMITS });
const ROOT = path.resolve(__dirname, '../../..');
const REGISTER = 'Date,Particulars,Voucher No.,GSTIN/UIN,Value,IGST\n05-06-2024,A,INV-1,27AAACB2230M1Z9,1000,180\n';

describe('parser threads in their process', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parse-process-'));
    fs.writeFileSync(path.join(dir, 'register.csv'), REGISTER);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives a thread no flags of its own under tsx, and only tsx where the process lacks it', () => {
    expect(taskFile(['--max-semi-space-size=64', '--import', 'tsx']).execArgv).toBeUndefined();
    expect(taskFile(['--import=tsx']).execArgv).toBeUndefined();
    expect(taskFile(['--experimental-vm-modules', '--max-semi-space-size=64']).execArgv).toEqual(['--import', 'tsx']);
  });

  it('parses an upload on a thread of a process started as `npm start` starts the api', async () => {
    const script = path.join(dir, 'child.ts');
    fs.writeFileSync(
      script,
      [
        `import { parseInWorker, parserHeapMb, startParsers, stopParsers } from ${JSON.stringify(path.join(ROOT, 'api/imports/parse-pool'))};`,
        `import { DEFAULT_READ_LIMITS } from ${JSON.stringify(path.join(ROOT, 'api/imports/upload-result'))};`,
        '(async () => {',
        `  const heapMb = parserHeapMb({ maxUploadBytes: ${100 * 1024 * 1024}, readLimits: DEFAULT_READ_LIMITS });`,
        '  await startParsers(heapMb);',
        `  const parsed = await parseInWorker({ expect: { kind: 'purchase_register', period: '2024-06', clientGstin: '29ABCDE1234F1ZW', filename: 'register.csv', file: ${JSON.stringify(path.join(dir, 'register.csv'))} }, limits: DEFAULT_READ_LIMITS }, { heapMb });`,
        "  console.log(JSON.stringify({ ok: parsed.ok, rows: parsed.ok ? parsed.rows : null }));",
        '  await stopParsers();',
        '})().catch((error) => { console.error(error); process.exit(1); });',
      ].join('\n'),
    );
    const { stdout, stderr } = await run(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', script], { cwd: ROOT, timeout: 120_000 }).catch((error: { stdout: string; stderr: string }) => error);
    expect({ stdout: stdout.trim(), stderr: stderr.trim() }).toEqual({ stdout: JSON.stringify({ ok: true, rows: 1 }), stderr: '' });
  }, 150_000);

  it('abandons a parse whose request deadline has passed', async () => {
    const deadline = new AbortController();
    deadline.abort(new Error('request deadline'));
    const job = { expect: { kind: 'purchase_register' as const, period: '2024-06', clientGstin: '29ABCDE1234F1ZW', filename: 'register.csv', file: path.join(dir, 'register.csv') }, limits: DEFAULT_READ_LIMITS };
    await expect(parseInWorker(job, { heapMb: HEAP_MB, signal: deadline.signal })).rejects.toThrow(/abort/i);
    // The pool still parses the next upload.
    expect((await parseInWorker(job, { heapMb: HEAP_MB })).ok).toBe(true);
  }, 120_000);
});
