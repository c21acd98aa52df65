/**
 * The parser thread's task function (api/imports/parse-worker.ts), called directly on this thread,
 * not through the pool or HTTP: a file whose import rows' COPY text needs a larger block than can
 * be had (db/copy-json.ts, `CopyTextTooLarge`) is refused as a file at the thread's heap cap is,
 * 413 `too_large` with a `too_much_memory` error, not a 500. The block's limit is lowered to reach
 * that edge without the memory to fill; the same file under the usual limit reads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { valueSymbol } from 'piscina';
import { parseSpooledUpload, type ParsedFile, type ParseJob } from '../../../api/imports/parse-worker';
import { DEFAULT_READ_LIMITS } from '../../../api/imports/upload-result';
import { generateReconData, toRegisterCsv } from '../../../ops/bench/recon-data';

const GSTIN = '29ABCDE1234F1ZW';
const PERIOD = '2024-06';

describe("the parser thread's task function, run alone", () => {
  let dir: string;
  let job: ParseJob;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parse-worker-'));
    const file = path.join(dir, 'register.csv');
    fs.writeFileSync(file, toRegisterCsv(generateReconData({ n: 2000, seed: 3, period: PERIOD, recipientGstin: GSTIN })));
    job = { expect: { kind: 'purchase_register', period: PERIOD, clientGstin: GSTIN, filename: 'register.csv', file }, limits: DEFAULT_READ_LIMITS };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the file under the usual block limit', async () => {
    // A file that reads is handed over by transfer (piscina's move): its value is inside.
    const read = (await parseSpooledUpload(job)) as unknown as { [valueSymbol]: ParsedFile };
    const file = read[valueSymbol];
    expect({ ok: file.ok, rows: file.ok ? file.rows : 0 }).toEqual({ ok: true, rows: expect.any(Number) });
    expect(file.ok && file.text.bytes.length).toBeGreaterThan(64 * 1024);
  });

  it('answers 413 too_large / too_much_memory when the rows\' text needs a larger block than can be had', async () => {
    // Below the text the file makes (over 64 KB, above), and above the first block: the limit is met as it grows.
    const refused = await parseSpooledUpload(job, { maxBlock: 48 * 1024 });
    expect(refused).toEqual({
      ok: false,
      status: 413,
      code: 'too_large',
      message: 'The file needs more memory to read than one upload may use: split it into smaller files and upload each.',
      errors: [{ code: 'too_much_memory', fatal: true, message: 'The file needs more memory to read than one upload may use: split it into smaller files and upload each.' }],
    });
  });
});
