/**
 * A parser thread is made with the young generation `PARSER_YOUNG_GENERATION_MB` (parse-pool.ts),
 * not Node's default for a thread (48 MB): with the default, every document a register's read
 * keeps was copied by a dozen scavenges (docs/performance.md, Readers). Node reports each thread's
 * limits; this checks what the pool's threads were given, next to the heap cap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configureParserYoungGeneration, PARSER_YOUNG_GENERATION_MB, parseInWorker, parserHeapMb, parserPool, parserResourceLimits, stopParsers } from '../../../api/imports/parse-pool';
import { DEFAULT_READ_LIMITS } from '../../../api/imports/upload-result';
import { generateReconData, toRegisterCsv } from '../../../ops/bench/recon-data';
import { loadConfig } from '../../../ops/config';

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

  it('is a setting: an api on a small machine goes back to 48 MB for the threads it makes', async () => {
    expect(loadConfig({}).imports.parserYoungGenerationMb).toBe(PARSER_YOUNG_GENERATION_MB);
    expect(loadConfig({ PARSER_YOUNG_GENERATION_MB: '48' }).imports.parserYoungGenerationMb).toBe(48);
    expect(() => loadConfig({ PARSER_YOUNG_GENERATION_MB: 'small' })).toThrow(/PARSER_YOUNG_GENERATION_MB/);
    expect(() => configureParserYoungGeneration(0)).toThrow(/whole number of MB/);

    configureParserYoungGeneration(48);
    try {
      // Another heap cap: a pool of its own, made after the setting.
      const heapMb = HEAP_MB + 1;
      expect(parserResourceLimits(heapMb)).toEqual({ maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 48 });
      const file = path.join(dir, 'small.csv');
      fs.writeFileSync(file, toRegisterCsv(generateReconData({ n: 20, seed: 4, period: '2024-06', recipientGstin: GSTIN })));
      const parsed = await parseInWorker({ expect: { kind: 'purchase_register', period: '2024-06', clientGstin: GSTIN, filename: 'small.csv', file }, limits: DEFAULT_READ_LIMITS }, { heapMb });
      expect(parsed).toMatchObject({ ok: true, rows: 20 });
      const threads = parserPool(heapMb).threads;
      expect(threads.length).toBeGreaterThan(0);
      for (const thread of threads) expect(thread.resourceLimits).toMatchObject({ maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: heapMb });
    } finally {
      configureParserYoungGeneration(PARSER_YOUNG_GENERATION_MB);
    }
  }, 60_000);
});
