/**
 * Uploads parsed on a parser thread (api/imports/parse-pool.ts) answer exactly what parsing on the
 * api's own thread answers: the same refusals (status, code, message, errors, hint), and for a
 * file that reads, the same format, warnings, metadata and row count, with the documents as the
 * COPY text of their import rows (one line per document, its position and its JSON, in file order).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import { copyField } from '../../../db/copy-text';
import type { ImportKind } from '../../../db/models/import';
import { MeteredBody } from '../../../api/imports/metered-body';
import { ParseFailed, parseInWorker, parserHeapMb, parserPool, stopParsers, threadError, type ThreadError } from '../../../api/imports/parse-pool';
import { errorHandler } from '../../../api/middleware/error-handler';
import { createLogger } from '../../../ops/logger';
import { parseUpload } from '../../../api/imports/parse-upload';
import { DEFAULT_READ_LIMITS, type ParsedUpload, type ReadLimits } from '../../../api/imports/upload-result';
import { generateReconData, toGstr2aJson, toGstr2bJson, toRegisterCsv } from '../../../ops/bench/recon-data';

const GSTIN = '29ABCDE1234F1ZW';
/** The heap cap an api with the default caps gives its parser threads. */
const HEAP_MB = parserHeapMb({ maxUploadBytes: 100 * 1024 * 1024, readLimits: DEFAULT_READ_LIMITS });
const PERIOD = '2024-06';

async function registerXlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Purchase Register');
  ws.addRow(['Date', 'Particulars', 'Voucher Ref. No.', 'GSTIN/UIN', 'Value', 'Input IGST 18%']);
  ws.addRow(['05-06-2024', 'Supplier\tOne', 'INV-1', '27AAACB2230M1Z9', 1000, 180]);
  ws.addRow(['07-06-2024', 'Supplier "Two"\nLtd', 'INV\\2', '27AAACB2230M1Z9', 2000, 360]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** What the api's thread made of the file before the parser threads: parseUpload on the spooled file. */
async function onThisThread(file: string, kind: ImportKind, limits: ReadLimits): Promise<ParsedUpload> {
  const body = new MeteredBody(fs.createReadStream(file), Number.POSITIVE_INFINITY, { hash: false });
  const parsed = await parseUpload(body, { kind, period: PERIOD, clientGstin: GSTIN, filename: 'upload', file }, limits);
  await body.drain();
  return parsed;
}

describe('uploads parsed on a parser thread', () => {
  let dir: string;
  const data = generateReconData({ n: 300, seed: 11, period: PERIOD, recipientGstin: GSTIN });
  const other = generateReconData({ n: 20, seed: 12, period: PERIOD, recipientGstin: '27AAACB2230M1Z9' });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parse-pool-'));
  });
  afterAll(async () => {
    // The pools this file made (two heap caps) end now rather than after their idle timeout.
    await stopParsers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };

  async function compare(file: string, kind: ImportKind, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<ParsedUpload> {
    const here = await onThisThread(file, kind, limits);
    const there = await parseInWorker({ expect: { kind, period: PERIOD, clientGstin: GSTIN, filename: 'upload', file }, limits }, { heapMb: HEAP_MB });
    if (!here.ok) {
      expect(there).toEqual(here);
      return here;
    }
    if (!there.ok) throw new Error(`the parser thread refused what this thread read: ${there.message}`);
    const { docs, ...rest } = here;
    const { text, rows, ...thereRest } = there;
    expect(thereRest).toEqual(rest);
    expect(rows).toBe(docs.length);
    // A line of the staging table (seq, doc): the position, a tab, the JSON in COPY's text escaping.
    const lines = docs.map((d, i) => `${i}\t${copyField(JSON.stringify(d))}\n`);
    expect(Buffer.from(text.bytes).toString('utf8')).toBe(lines.join(''));
    let end = 0;
    expect(Array.from(text.ends)).toEqual(lines.map((l) => (end += Buffer.byteLength(l))));
    return here;
  }

  it.each([
    ['a GSTR-2B JSON', 'gstr2b', () => toGstr2bJson(data)],
    ['a GSTR-2A JSON', 'gstr2a', () => toGstr2aJson(data)],
    ['a register CSV', 'purchase_register', () => toRegisterCsv(data)],
  ] as const)('reads %s to the same documents, as COPY text', async (_, kind, content) => {
    const parsed = await compare(write(`${kind}.file`, content()), kind);
    expect(parsed).toMatchObject({ ok: true });
  });

  it('reads a register workbook (tabs, quotes, newlines and backslashes in its cells) to the same documents', async () => {
    expect(await compare(write('register.xlsx', await registerXlsx()), 'purchase_register')).toMatchObject({ ok: true });
  });

  const refusals: Array<[string, ImportKind, () => string | Buffer]> = [
    ['an empty file', 'gstr2b', () => ''],
    ['binary content', 'purchase_register', () => Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7])],
    ['a register where a 2B is expected', 'gstr2b', () => toRegisterCsv(data)],
    ['a 2B for another recipient', 'gstr2b', () => toGstr2bJson(other)],
    ['truncated JSON', 'gstr2b', () => toGstr2bJson(data).slice(0, 5000)],
    ['a register without a header', 'purchase_register', () => 'a,b,c\n1,2,3\n'],
    ['a 2B posing as a register', 'purchase_register', () => toGstr2bJson(data)],
  ];
  it.each(refusals)('refuses %s exactly as before', async (_, kind, content) => {
    expect(await compare(write(`refused-${kind}`, content()), kind)).toMatchObject({ ok: false });
  });

  it('refuses a register over the row cap exactly as before', async () => {
    const parsed = await compare(write('many.csv', toRegisterCsv(data)), 'purchase_register', { ...DEFAULT_READ_LIMITS, maxRows: 50 });
    expect(parsed).toMatchObject({ ok: false, status: 413, code: 'too_large' });
  });

  it('fails with ParseFailed naming the kind of error a parse on this thread would have thrown', async () => {
    const missing = path.join(dir, 'gone');
    await expect(onThisThread(missing, 'gstr2b', DEFAULT_READ_LIMITS)).rejects.toThrow(/ENOENT/);
    const failed = parseInWorker({ expect: { kind: 'gstr2b', period: PERIOD, clientGstin: GSTIN, filename: 'upload', file: missing }, limits: DEFAULT_READ_LIMITS }, { heapMb: HEAP_MB });
    await expect(failed).rejects.toThrow(ParseFailed);
    // Between threads an error keeps its standard name, message and stack (not Node's code): what is left of it is the name and frames.
    await expect(failed).rejects.toMatchObject({ message: "the upload's parse failed on its parser thread: Error", thread: { name: 'Error' } });
  });

  it("logs a parse that fails on its thread, through the api's error handler, without the error's message, and answers the generic 500", async () => {
    // The thread's error quotes what it read (here the path, as a reader's error can quote a cell).
    const secret = 'Secret Traders 27SECRET1234F1Z5';
    const missing = path.join(dir, secret);
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => void lines.push(line) } });
    const ctx = { method: 'PUT', path: '/uploads/x', state: { requestId: 'req-1' }, set: () => undefined, status: 200, body: undefined as unknown };
    const job = { expect: { kind: 'gstr2b' as const, period: PERIOD, clientGstin: GSTIN, filename: 'upload', file: missing }, limits: DEFAULT_READ_LIMITS };
    await errorHandler({ logger, exposeInternalErrors: false })(ctx as unknown as Parameters<ReturnType<typeof errorHandler>>[0], async () => {
      await parseInWorker(job, { heapMb: HEAP_MB });
    });
    expect(ctx.status).toBe(500);
    expect(ctx.body).toEqual({ error: { code: 'internal_error', message: expect.any(String), details: { requestId: 'req-1' } } });
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!) as { err: { type: string; message: string; thread: ThreadError } };
    expect(logged.err).toMatchObject({ type: 'ParseFailed', message: expect.stringContaining('parser thread'), thread: { name: 'Error' } });
    for (const quoted of ['SECRET', 'Secret Traders', 'no such file', 'ENOENT']) expect(lines[0]).not.toContain(quoted);
  });

  it('logs a thread that fails outside a parse with the logger its pool was made with, and parses on', async () => {
    // A pool of its own (another heap cap), made by the call that gives the logger, as the api's
    // first upload does; the api's own logger (pino, JSON lines), its lines caught.
    const heapMb = HEAP_MB + 1;
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => void lines.push(line) } });
    const file = write('after-error.csv', toRegisterCsv(data));
    const job = { expect: { kind: 'purchase_register' as const, period: PERIOD, clientGstin: GSTIN, filename: 'upload', file }, limits: DEFAULT_READ_LIMITS };
    expect(await parseInWorker(job, { heapMb, logger })).toMatchObject({ ok: true });
    // What piscina emits when an idle thread dies: without a listener, EventEmitter throws it (and
    // an api would end). Its message quotes a file's text, as a reader's error can.
    const failure = Object.assign(new TypeError('Unexpected token in JSON at "GSTIN 27SECRET1234F1Z5, ₹9,99,999"\n    at the file\'s text'), { code: 'ERR_PARSE_FAILED' });
    expect(() => parserPool(heapMb).emit('error', failure)).not.toThrow();
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!) as { heapMb: number; msg: string; thread: ThreadError };
    expect(logged).toMatchObject({ heapMb, msg: expect.stringContaining('parser thread failed'), thread: { name: 'TypeError', errorCode: 'ERR_PARSE_FAILED' } });
    // The frames of the stack are kept, each a place in the code (this file's among them); nothing of the message is.
    expect(logged.thread.stack).toMatch(/^\s+at .*parse-pool\.test\.ts/);
    for (const quoted of ['SECRET', '27SECRET', '9,99,999', 'Unexpected token', "file's text"]) expect(lines[0]).not.toContain(quoted);
    expect(await parseInWorker(job, { heapMb })).toMatchObject({ ok: true });
  });

  it("logs of a thread's error only its name, code and stack frames, whatever it holds", () => {
    const secret = 'Supplier "Secret Traders" 27SECRET1234F1Z5';
    const withoutStack = Object.assign(new Error(secret), { stack: undefined });
    const reworded = new Error('first');
    reworded.message = secret; // the stack no longer holds the message as written: left out whole
    const faked = { name: secret, code: secret, message: secret, stack: `Error: ${secret}` };
    for (const error of [new Error(secret), new RangeError(`${secret}\n    at ${secret}`), withoutStack, reworded, faked, secret, null, undefined]) {
      const logged = threadError(error);
      expect(JSON.stringify(logged)).not.toContain('SECRET');
      expect(logged.name).toMatch(/^(Error|RangeError)$/);
    }
    expect(threadError(new RangeError('x'))).toEqual({ name: 'RangeError', stack: expect.stringMatching(/^\s+at /) });
    expect(threadError(Object.assign(new Error(''), { code: 'ERR_WORKER_OUT_OF_MEMORY' }))).toMatchObject({ name: 'Error', errorCode: 'ERR_WORKER_OUT_OF_MEMORY', stack: expect.stringMatching(/^\s+at /) });
  });
});
