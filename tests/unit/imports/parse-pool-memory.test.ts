/**
 * A parser thread's heap cap (api/imports/parse-pool.ts): a file that needs more memory than the
 * cap to read ends its own thread, not the process, and is refused as too large in the API's
 * error shape (413 `too_large`, `too_much_memory`); the pool then parses the next upload on a new
 * thread. The cap here is far below what the file needs, so the thread fails early.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseInWorker, parserHeapMb, stopParsers } from '../../../api/imports/parse-pool';
import { DEFAULT_READ_LIMITS } from '../../../api/imports/upload-result';
import { generateReconData, toRegisterCsv } from '../../../ops/bench/recon-data';

const GSTIN = '29ABCDE1234F1ZW';
/** Enough for the readers and a small file (16 MB measured), far from the 1-lakh register's need. */
const SMALL_HEAP_MB = 40;

describe('a parser thread at its heap cap', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parse-memory-'));
  });
  afterAll(async () => {
    await stopParsers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const job = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return { expect: { kind: 'purchase_register' as const, period: '2024-06', clientGstin: GSTIN, filename: name, file }, limits: DEFAULT_READ_LIMITS };
  };

  it('refuses a file that needs more than the cap as too large, and parses the next upload on a new thread', async () => {
    // 1 lakh rows (12.9 MB, within every cap) need about 45 MB of heap (440 B a row).
    const big = job('big.csv', toRegisterCsv(generateReconData({ n: 100_000, seed: 5, period: '2024-06', recipientGstin: GSTIN })));
    const small = job('small.csv', toRegisterCsv(generateReconData({ n: 50, seed: 6, period: '2024-06', recipientGstin: GSTIN })));
    expect(await parseInWorker(big, { heapMb: SMALL_HEAP_MB })).toEqual({
      ok: false,
      status: 413,
      code: 'too_large',
      message: expect.stringMatching(/more memory to read than one upload may use/),
      errors: [{ code: 'too_much_memory', fatal: true, message: expect.stringMatching(/more memory/) }],
    });
    const next = await parseInWorker(small, { heapMb: SMALL_HEAP_MB });
    expect(next).toMatchObject({ ok: true, format: 'csv', rows: 50 });
    // The same file reads under the cap the default caps give.
    expect(await parseInWorker(big, { heapMb: parserHeapMb({ maxUploadBytes: 100 * 1024 * 1024, readLimits: DEFAULT_READ_LIMITS }) })).toMatchObject({ ok: true, rows: 100_000 });
  }, 180_000);

  it('sizes the cap from the caps: more rows or larger files, more heap; the defaults within a few hundred MB', () => {
    const defaults = { maxUploadBytes: 100 * 1024 * 1024, readLimits: DEFAULT_READ_LIMITS };
    const heap = parserHeapMb(defaults);
    expect(heap).toBeGreaterThan(300);
    expect(heap).toBeLessThan(1024);
    expect(parserHeapMb({ ...defaults, readLimits: { ...DEFAULT_READ_LIMITS, maxRows: 2_000_000 } })).toBeGreaterThan(heap);
    expect(parserHeapMb({ ...defaults, maxUploadBytes: 1024 * 1024 * 1024 })).toBeGreaterThan(heap);
  });
});
