/**
 * The parser threads' warm-up (api/imports/parser-warm-up.ts, run by `startParsers`): a thread
 * that has read the warm-up's synthetic files parses an upload to exactly what a cold thread
 * makes of it (digests of the answer and of its COPY text, golden-digest style; the first line
 * that differs is printed), including files that share their suppliers, dates and numbers with
 * the warm-up's own (the readers' memos are per read); a warm-up that fails (its files cannot
 * be written) is logged, never thrown, and leaves a pool that parses as a cold one does; its
 * folder is gone after a warm-up and after an api stopped during one (which logs nothing); a file
 * whose read throws or hangs is reported failed and the others are still read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseInWorker, parserHeapMb, startParsers, stopParsers, type ParserLogger } from '../../../api/imports/parse-pool';
import { parseSpooledUpload, type ParsedFile, type ParseJob } from '../../../api/imports/parse-worker';
import { warmUpFiles, warmUpParser, warmUpRead, warmUpThread, writeWarmUpFiles, type ParserWarmUpReport } from '../../../api/imports/parser-warm-up';
import { DEFAULT_READ_LIMITS } from '../../../api/imports/upload-result';
import type { ImportKind } from '../../../db/models/import';
import { goldenDigest } from '../../../ops/bench/golden-digest';
import { generateReconData, toGstr2aJson, toGstr2bJson, toRegisterCsv } from '../../../ops/bench/recon-data';

const GSTIN = '27ABCDE1234F1ZW';
const PERIOD = '2024-06';
const HEAP_MB = parserHeapMb({ maxUploadBytes: 100 * 1024 * 1024, readLimits: DEFAULT_READ_LIMITS });

/** A logger that keeps what it was given. */
function recorder(): ParserLogger & { lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> } {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, obj, msg });
  return { lines, error: at('error'), warn: at('warn'), info: at('info') } as unknown as ParserLogger & { lines: typeof lines };
}

/** The answer's digests: everything but the text, and the text's lines (with their ends). */
function digests(file: ParsedFile): { answer: string; text: string; lines: string[] } {
  if (!file.ok) return { answer: goldenDigest(file), text: '', lines: [] };
  const { text, ...rest } = file;
  const lines = Buffer.from(text.bytes).toString('utf8').split('\n');
  return { answer: goldenDigest(rest), text: goldenDigest({ lines, ends: Array.from(text.ends) }), lines };
}

describe("parser threads' warm-up", () => {
  let dir: string;
  const data = generateReconData({ n: 2_000, seed: 31, period: PERIOD, recipientGstin: GSTIN });
  const write = (name: string, content: string | Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parser-warm-up-'));
  });
  /** What a warm-up left in `dir`: its folders, if any. */
  const leftOver = (): string[] => fs.readdirSync(dir).filter((name) => name.startsWith('taalmel-warm-up-'));
  afterAll(async () => {
    await stopParsers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Uploads of every kind: the bench's files, and the warm-up's own (other sizes: the same suppliers, dates and numbers). */
  async function uploads(): Promise<Array<{ name: string; kind: ImportKind; file: string }>> {
    const own = await warmUpFiles(500);
    return [
      { name: 'register.csv', kind: 'purchase_register' as const, file: write('register.csv', toRegisterCsv(data)) },
      { name: '2b.json', kind: 'gstr2b' as const, file: write('2b.json', toGstr2bJson(data)) },
      { name: '2a.json', kind: 'gstr2a' as const, file: write('2a.json', toGstr2aJson(data)) },
      ...own.map((f) => ({ name: `warm-up's ${f.name}`, kind: f.kind, file: write(`own-${f.name}`, f.bytes) })),
    ];
  }

  const parse = (heapMb: number, kind: ImportKind, file: string): Promise<ParsedFile> =>
    parseInWorker({ expect: { kind, period: PERIOD, clientGstin: GSTIN, filename: 'upload', file }, limits: DEFAULT_READ_LIMITS }, { heapMb });

  async function expectSameAsCold(heapMb: number, files: Array<{ name: string; kind: ImportKind; file: string }>): Promise<void> {
    for (const { name, kind, file } of files) {
      // A pool of its own (another heap cap), started on demand: no warm-up.
      const cold = digests(await parse(HEAP_MB, kind, file));
      const warm = digests(await parse(heapMb, kind, file));
      const at = warm.lines.findIndex((line, i) => line !== cold.lines[i]);
      expect({ name, firstDifferentLine: at < 0 ? null : { at, warm: warm.lines[at], cold: cold.lines[at] } }).toEqual({ name, firstDifferentLine: null });
      expect({ name, ...warm, lines: warm.lines.length }).toEqual({ name, ...cold, lines: cold.lines.length });
    }
  }

  it('parses every kind of upload, after the warm-up, to exactly what a cold thread makes of it', async () => {
    const heapMb = HEAP_MB + 1;
    const logger = recorder();
    await startParsers(heapMb, logger, { dir });
    expect(leftOver()).toEqual([]);
    // Both threads warmed up, every file read.
    const reports = logger.lines.filter((l) => l.msg === 'parser thread warmed up').map((l) => l.obj.warmUp as ParserWarmUpReport);
    expect(logger.lines.filter((l) => l.level !== 'info')).toEqual([]);
    expect(reports).toHaveLength(2);
    for (const report of reports) {
      expect(report.files.map((f) => [f.name, f.ok, f.rows > 0])).toEqual([
        ['register.csv', true, true], ['register.xlsx', true, true], ['2b.json', true, true], ['2a.json', true, true],
      ]);
    }
    const files = await uploads();
    await expectSameAsCold(heapMb, files);
    const parsed = await parse(heapMb, 'purchase_register', files[0]!.file);
    expect(parsed).toMatchObject({ ok: true, rows: data.books.length });
  });

  it('logs a warm-up whose files cannot be written, and its threads parse uploads as cold ones do', async () => {
    const heapMb = HEAP_MB + 2;
    const logger = recorder();
    // The folder the warm-up is to write its files in does not exist.
    await expect(startParsers(heapMb, logger, { dir: path.join(dir, 'missing', 'folder') })).resolves.toBeUndefined();
    expect(logger.lines.map((l) => [l.level, l.msg, l.obj.warmUp])).toEqual([
      ['warn', "the parser threads' warm-up files could not be written; the threads parse uploads cold", { error: 'Error (ENOENT)' }],
    ]);
    await expectSameAsCold(heapMb, (await uploads()).slice(0, 3));
  });

  it('leaves no files behind and logs nothing when the api stops during the warm-up', async () => {
    const heapMb = HEAP_MB + 3;
    const logger = recorder();
    // Files large enough that the warm-up is still reading them a second after they are written.
    const started = startParsers(heapMb, logger, { dir, documents: 30_000 });
    const deadline = Date.now() + 120_000;
    const written = (): number => leftOver().reduce((n, folder) => n + fs.readdirSync(path.join(dir, folder)).length, 0);
    // Its four files written (by a thread): the threads are reading them.
    while (written() < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect([leftOver().length, written()]).toEqual([1, 4]);
    await new Promise((r) => setTimeout(r, 1_000));
    await stopParsers();
    expect(leftOver()).toEqual([]);
    await expect(started).resolves.toBeUndefined();
    // Stopped mid-warm-up: neither a "warmed up" nor a failure.
    expect(logger.lines.map((l) => [l.level, l.msg])).toEqual([]);
    expect(leftOver()).toEqual([]);
  }, 180_000);

  it('reports a file whose read throws as failed and still reads the others (the warm-up run on the test\'s thread)', async () => {
    const task = (job: ParseJob): Promise<ParsedFile> =>
      job.expect.filename === 'register.xlsx' ? Promise.reject(new TypeError('a reader failed')) : parseSpooledUpload(job);
    const report = await warmUpParser(task, { dir, documents: 300 });
    expect(report.files.map((f) => [f.name, f.ok, f.rows > 0, f.error ?? null])).toEqual([
      ['register.csv', true, true, null], ['register.xlsx', false, false, 'TypeError'], ['2b.json', true, true, null], ['2a.json', true, true, null],
    ]);
    expect(leftOver()).toEqual([]);
  });

  it('gives up on a file whose read hangs after its time limit and reads the next (the steps run on the test\'s thread)', async () => {
    const { folder, files } = await writeWarmUpFiles({ dir, documents: 300 });
    try {
      const sent: string[] = [];
      const report = await warmUpThread((step, signal) => {
        sent.push(step.name);
        if (step.name !== '2b.json') return warmUpRead(parseSpooledUpload, step);
        // Never answers; only the step's time limit ends it.
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      }, files, { stepMs: 200 });
      expect(sent).toEqual(['register.csv', 'register.xlsx', '2b.json', '2a.json']);
      expect(report.files.map((f) => [f.name, f.ok, f.error ?? null])).toEqual([
        ['register.csv', true, null], ['register.xlsx', true, null], ['2b.json', false, 'TimeoutError'], ['2a.json', true, null],
      ]);
      expect(report.stopped).toBeUndefined();
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

});
