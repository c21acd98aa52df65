/**
 * A parser thread is made with the young generation `PARSER_YOUNG_GENERATION_MB` (parse-pool.ts),
 * not Node's default for a thread (48 MB): with the default, every document a register's read
 * keeps was copied by a dozen scavenges (docs/performance.md, Readers). Node reports each thread's
 * limits; this checks what the pool's threads were given, next to the heap cap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PARSER_YOUNG_GENERATION_MB, parseInWorker, parserHeapMb, parserPool, parserResourceLimits, stopParsers } from '../../../api/imports/parse-pool';
import { DEFAULT_READ_LIMITS } from '../../../api/imports/upload-result';
import { generateReconData, toRegisterCsv } from '../../../ops/bench/recon-data';

const GSTIN = '29ABCDE1234F1ZW';
const HEAP_MB = parserHeapMb({ maxUploadBytes: 100 * 1024 * 1024, readLimits: DEFAULT_READ_LIMITS });

describe("a parser thread's young generation", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parse-young-'));
  });
  afterAll(async () => {
    await stopParsers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is larger than the default for a thread, and every thread of the pool has it with its heap cap', async () => {
    expect(parserResourceLimits(HEAP_MB)).toEqual({ maxOldGenerationSizeMb: HEAP_MB, maxYoungGenerationSizeMb: PARSER_YOUNG_GENERATION_MB });
    expect(PARSER_YOUNG_GENERATION_MB).toBeGreaterThan(48);
    const file = path.join(dir, 'pr.csv');
    fs.writeFileSync(file, toRegisterCsv(generateReconData({ n: 50, seed: 3, period: '2024-06', recipientGstin: GSTIN })));
    const parsed = await parseInWorker({ expect: { kind: 'purchase_register', period: '2024-06', clientGstin: GSTIN, filename: 'pr.csv', file }, limits: DEFAULT_READ_LIMITS }, { heapMb: HEAP_MB });
    expect(parsed).toMatchObject({ ok: true, rows: 50 });
    const threads = parserPool(HEAP_MB).threads;
    expect(threads.length).toBeGreaterThan(0);
    for (const thread of threads) {
      expect(thread.resourceLimits).toMatchObject({ maxYoungGenerationSizeMb: PARSER_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: HEAP_MB });
    }
  }, 60_000);
});
