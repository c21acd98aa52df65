/**
 * The register XLSX reader against its floor, in the same process on the same bytes: the bench
 * register written as a workbook by the writer the parser threads' warm-up uses too
 * (domain/recon/sample-files.ts: shared strings, amounts as numbers, dates as serials) and its parts put in the order an upload hands them to the reader (api/imports/workbook-order.ts:
 * relationships, workbook and shared strings before the sheets, as Excel writes them), read by
 * `readRegisterXlsx`; the floor unzips the worksheets and the shared strings (the zip's central
 * directory read by hand, zlib's raw inflate) and splits their XML into cells and strings with the
 * simplest loop (decode, `split('<c ')`, `split('<si>')`): no XML parsing, no types. Next to it, on
 * the same bytes: the reader before (exceljs's streaming reader, register-xlsx-exceljs.ts) and
 * saxes alone (the XML parser exceljs uses, the floor's unzip and decode, then every event of the
 * sheet and the shared strings with nothing done on them): what a reader built on it would pay
 * before reading a cell.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { SaxesParser } from 'saxes';
import { workbookInReadingOrder } from '../../api/imports/workbook-order';
import { readRegisterXlsx } from '../../domain/recon/register-xlsx';
import { toRegisterXlsx, type SampleData } from '../../domain/recon/sample-files';
import { readRegisterXlsxWithExceljs } from './register-xlsx-exceljs';

const CHUNK = 64 * 1024;

function* chunks(buf: Buffer): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The workbook with its parts in the order the upload path hands them over (workbookInReadingOrder). */
export async function inReadingOrder(xlsx: Buffer): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'xlsx-bench-'));
  try {
    const path = join(dir, 'register.xlsx');
    await writeFile(path, xlsx);
    const parts: Buffer[] = [];
    for await (const chunk of await workbookInReadingOrder(path)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The inflated bytes of the zip entries whose names `want` accepts (central directory, then each local header). */
function unzip(zip: Buffer, want: (name: string) => boolean): Buffer[] {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd -= 1;
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const found: Buffer[] = [];
  for (let k = 0; k < count; k += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const skip = nameLen + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLen);
    if (want(name)) {
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(data, data + size);
      found.push(method === 8 ? inflateRawSync(raw) : raw);
    }
    at += 46 + skip;
  }
  return found;
}

export interface XlsxTimings {
  xlsxMb: number;
  readerMs: number;
  floorMs: number;
  /** The reader before (exceljs's streaming reader) and saxes alone, on the same bytes. */
  exceljsMs: number;
  saxesMs: number;
}

/** The comparisons' MB/s and ratio to the floor, for the benchmark's line. */
export function xlsxComparisons(t: XlsxTimings): string {
  if (!Number.isFinite(t.exceljsMs)) return '';
  const of = (ms: number): string => `${(t.xlsxMb / (ms / 1000)).toFixed(1)} MB/s (${(t.floorMs / ms).toFixed(2)})`;
  return `, the reader before (exceljs) ${of(t.exceljsMs)}, saxes alone (events only) ${of(t.saxesMs)}`;
}

function parts(xlsx: Buffer): string[] {
  return unzip(xlsx, (n) => n.startsWith('xl/worksheets/sheet') || n === 'xl/sharedStrings.xml').map((xml) => xml.toString('utf8'));
}

/**
 * The XLSX reader and its floor on the bench register (the reader must read `expectRows`
 * documents); with `comparisons` false, without the reader before and saxes (NaN).
 */
export async function registerXlsxTimings(data: SampleData, expectRows: number, comparisons = true): Promise<XlsxTimings> {
  const xlsx = await inReadingOrder(await toRegisterXlsx(data));
  let t = process.hrtime.bigint();
  let cells = 0;
  for (const text of parts(xlsx)) cells += text.split('<c ').length - 1 + text.split('<si>').length - 1;
  const floorMs = ms(t);
  if (cells === 0) throw new Error('no cells in the bench workbook');
  t = process.hrtime.bigint();
  const read = await readRegisterXlsx(chunks(xlsx), { source: 'pr.xlsx' });
  const readerMs = ms(t);
  if (!read.ok || read.rows.length !== expectRows) {
    throw new Error(`XLSX register read ${read.rows.length} documents, the CSV ${expectRows}: ${JSON.stringify(read.errors.slice(0, 3))}`);
  }
  if (!comparisons) return { xlsxMb: xlsx.length / 1e6, readerMs, floorMs, exceljsMs: Number.NaN, saxesMs: Number.NaN };
  t = process.hrtime.bigint();
  const before = await readRegisterXlsxWithExceljs(chunks(xlsx), { source: 'pr.xlsx' });
  const exceljsMs = ms(t);
  if (before.rows.length !== read.rows.length) throw new Error(`exceljs read ${before.rows.length} documents, the reader ${read.rows.length}`);
  t = process.hrtime.bigint();
  let events = 0;
  for (const text of parts(xlsx)) {
    const parser = new SaxesParser();
    parser.on('opentag', () => { events += 1; });
    parser.on('text', () => { events += 1; });
    parser.on('closetag', () => { events += 1; });
    for (let i = 0; i < text.length; i += CHUNK) parser.write(text.slice(i, i + CHUNK));
    parser.close();
  }
  const saxesMs = ms(t);
  if (events === 0) throw new Error('no XML events in the bench workbook');
  return { xlsxMb: xlsx.length / 1e6, readerMs, floorMs, exceljsMs, saxesMs };
}
