/**
 * A parser thread's warm-up: when an api process starts its parser threads (parse-pool.ts,
 * `startParsers`), each one reads small synthetic files of every kind an upload brings (a register
 * CSV and XLSX, a GSTR-2B and a GSTR-2A JSON) through the very task an upload runs
 * (`parseSpooledUpload`: sniffing, the ZIP checks, the reader, the import rows' COPY text), so that
 * V8 has compiled and optimised that code before a user's first upload instead of while it parses.
 *
 * The documents are made here (domain/recon/warm-up.ts, the engine's warm-up documents: every
 * branch of a real file's noise) and written as files in the upload's shapes
 * (domain/recon/sample-files.ts); no fixture and no user's data. They go to a private temporary
 * folder, since the task reads a spooled file as an upload's does, and the folder is removed after.
 *
 * Best effort: a file that fails is recorded in the report (its error's name only) and the next
 * one is read; nothing is thrown, and the report is the caller's to log. Nothing a read makes
 * outlives it: every reader keeps its memos (dates, GSTINs, places) and tables per read, so a later
 * read's result cannot depend on the warm-up's (tests/unit/imports/parser-warm-up.test.ts holds a
 * warmed thread's results to a cold one's).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { valueSymbol } from 'piscina';
import yazl from 'yazl';
import type { ImportKind } from '../../db/models/import';
import { toGstr2aJson, toGstr2bJson, toRegisterCsv, type SampleData } from '../../domain/recon/sample-files';
import type { BooksRow } from '../../domain/recon/types';
import { warmUpDocuments } from '../../domain/recon/warm-up';
import type { ParsedFile, ParseJob } from './parse-worker';
import { DEFAULT_READ_LIMITS } from './upload-result';

/**
 * Documents a side in the warm-up's files. Measured (docs/performance.md, "The parser threads'
 * warm-up"): enough for V8 to optimise the readers' per-row code, small enough that the thread's
 * heap stays near its idle size.
 */
export const PARSER_WARM_UP_DOCUMENTS = 3_000;

/** How many times each file is read: the second read runs the code the first one had optimised. */
const READS = 2;

/** What the warm-up did: its time, each file read (rows, or its error's name) and the thread's heap after it. */
export type ParserWarmUpReport = {
  ms: number;
  files: Array<{ name: string; bytes: number; ok: boolean; rows: number; error?: string }>;
  heapUsedMb: number;
};

type Task = (job: ParseJob) => Promise<ParsedFile>;

const PERIOD = '2024-06';
const RECIPIENT = '27ABCDE1234F1ZW';

/** The warm-up's files: name, the import kind it is read as, and its bytes. */
export async function warmUpFiles(documents = PARSER_WARM_UP_DOCUMENTS): Promise<Array<{ name: string; kind: ImportKind; bytes: Buffer }>> {
  const { books, portal } = warmUpDocuments(documents);
  // The sections the portal's JSON writers write as invoices and notes (bills of entry are a
  // section of their own there).
  const data: SampleData = { recipientGstin: RECIPIENT, period: PERIOD, books, portal: portal.filter((d) => d.section !== 'impg') };
  return [
    { name: 'register.csv', kind: 'purchase_register', bytes: Buffer.from(toRegisterCsv(data)) },
    { name: 'register.xlsx', kind: 'purchase_register', bytes: await registerXlsx(books) },
    { name: '2b.json', kind: 'gstr2b', bytes: Buffer.from(toGstr2bJson(data)) },
    { name: '2a.json', kind: 'gstr2a', bytes: Buffer.from(toGstr2aJson(data)) },
  ];
}

/**
 * Runs the warm-up with `task` (the parser thread's own, `parseSpooledUpload`). `dir` is where the
 * private folder for the files is made (the system's temporary folder by default).
 */
export async function warmUpParser(task: Task, options: { documents?: number; dir?: string } = {}): Promise<ParserWarmUpReport> {
  const started = performance.now();
  const files: ParserWarmUpReport['files'] = [];
  let folder: string | null = null;
  try {
    const made = await warmUpFiles(options.documents);
    folder = await fs.promises.mkdtemp(path.join(options.dir ?? os.tmpdir(), 'taalmel-warm-up-'));
    for (const { name, kind, bytes } of made) {
      const file = path.join(folder, name);
      try {
        await fs.promises.writeFile(file, bytes, { mode: 0o600 });
        let parsed: ParsedFile | null = null;
        for (let k = 0; k < READS; k += 1) parsed = unwrap(await task({ expect: { kind, period: PERIOD, clientGstin: RECIPIENT, filename: name, file }, limits: DEFAULT_READ_LIMITS }));
        files.push({ name, bytes: bytes.length, ok: parsed?.ok === true, rows: parsed?.ok ? parsed.rows : 0 });
      } catch (error) {
        files.push({ name, bytes: bytes.length, ok: false, rows: 0, error: errorName(error) });
      }
    }
  } catch (error) {
    files.push({ name: 'files', bytes: 0, ok: false, rows: 0, error: errorName(error) });
  } finally {
    if (folder) await fs.promises.rm(folder, { recursive: true, force: true }).catch(() => undefined);
  }
  return { ms: Math.round(performance.now() - started), files, heapUsedMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20) };
}

/** The task's answer as the api's thread gets it (`parseSpooledUpload` wraps it to hand its text's memory over). */
function unwrap(answer: ParsedFile): ParsedFile {
  const wrapped = (answer as unknown as Record<symbol, unknown>)[valueSymbol] as ParsedFile | undefined;
  return wrapped ?? answer;
}

/** An error's name and code, never its message (parse-pool.ts `threadError` says why). */
function errorName(error: unknown): string {
  const e = (error ?? {}) as { name?: unknown; code?: unknown };
  const name = typeof e.name === 'string' ? e.name.slice(0, 64) : 'Error';
  return typeof e.code === 'string' ? `${name} (${e.code.slice(0, 64)})` : name;
}

const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function column(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : String.fromCharCode(64 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26));
}

const HEADER = ['Date', 'Particulars', 'Voucher Type', 'Voucher No.', 'Supplier Invoice No.', 'Supplier Invoice Date', 'GSTIN/UIN', 'Taxable Value', 'IGST', 'CGST', 'SGST', 'Invoice Value'];

/**
 * The register as a workbook the way Excel writes one: texts in the shared strings, amounts as
 * numbers, dates as serials, the workbook's parts before its sheet. Written by hand with yazl
 * (a few parts of fixed XML) rather than with exceljs, which the parser threads do not load.
 */
async function registerXlsx(books: readonly BooksRow[]): Promise<Buffer> {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const shared = (text: string): string => {
    let at = index.get(text);
    if (at === undefined) index.set(text, (at = strings.push(text) - 1));
    return `t="s"><v>${at}</v>`;
  };
  const serial = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000 + 25_569;
  const rows: string[] = [];
  const row = (cells: Array<string | number | null>): void => {
    const r = rows.length + 1;
    const xmlCells = cells.map((v, i) => (v === null ? '' : `<c r="${column(i)}${r}" ${typeof v === 'number' ? `><v>${v}</v>` : shared(v)}</c>`));
    rows.push(`<row r="${r}">${xmlCells.join('')}</row>`);
  };
  row(['Purchase Register']);
  row(HEADER);
  for (const b of books) {
    const sign = b.docType === 'credit_note' ? -1 : 1;
    const amount = (paise: number): number | null => (paise === 0 ? null : (sign * paise) / 100);
    row([
      serial(b.voucherDate ?? b.invoiceDate), b.supplierName ?? '', b.docType === 'credit_note' ? 'Debit Note' : 'Purchase', b.voucherNumber ?? '',
      b.invoiceNumberRaw, serial(b.invoiceDate), b.supplierGstin, amount(b.taxableValue), amount(b.igst), amount(b.cgst), amount(b.sgst), amount(b.invoiceValue ?? 0),
    ]);
  }
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const parts: Array<[string, string]> = [
    ['[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'],
    ['_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ['xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`],
    ['xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8"?><workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="Purchase Register" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ['xl/sharedStrings.xml', `<?xml version="1.0" encoding="UTF-8"?><sst ${ns} count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t xml:space="preserve">${xml(s)}</t></si>`).join('')}</sst>`],
    ['xl/worksheets/sheet1.xml', `<?xml version="1.0" encoding="UTF-8"?><worksheet ${ns}><sheetData>${rows.join('')}</sheetData></worksheet>`],
  ];
  const zip = new yazl.ZipFile();
  for (const [name, text] of parts) zip.addBuffer(Buffer.from(text), name, { compress: true });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
