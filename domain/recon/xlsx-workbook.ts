/**
 * The sheets of an XLSX workbook, streamed: the ZIP's parts are read in the order they come
 * (unzipper, the streaming unzip exceljs itself uses, so a corrupt or foreign ZIP fails with the
 * same messages as before), the small parts (relationships, workbook, shared strings) whole, and
 * each worksheet piece by piece into rows (xlsx-sheet-rows.ts), a row's text at a time.
 *
 * Sheets come in exceljs's order: a worksheet that arrives after the shared strings, the workbook's
 * relationships and the workbook part is read at once; one that arrives before them (exceljs's own
 * writer puts the workbook part last) is kept, deflated again in memory (so it holds about its
 * compressed size, not its text), and read after the last part, in the order it came. The one
 * difference: exceljs read a sheet as soon as the shared strings and relationships were there and
 * failed ("reading 'sheets'") when the workbook part came after it; this reader waits for that
 * part too. Upload paths hand over the parts in reading order (api/imports/workbook-order.ts).
 *
 * Text is decoded across chunk boundaries (exceljs decoded each inflated chunk alone, so a
 * multi-byte character cut by a boundary became U+FFFD).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createDeflateRaw, createInflateRaw } from 'node:zlib';
import unzipper, { type Entry } from 'unzipper';
import { type SheetRow, SheetRows } from './xlsx-sheet-rows';
import type { DateSystem } from './dates';
import { readRelationships, readSharedStrings, readWorkbookPart } from './xlsx-xml';

export type { SheetRow } from './xlsx-sheet-rows';

export interface XlsxSheet {
  name: string;
  /**
   * The workbook's date system: the rows keep date serials as the file has them (numbers), and a
   * 1904 workbook's serials are 1,462 days short of the 1900 system's for the same date.
   */
  dateSystem: DateSystem;
  /** The sheet's rows, a batch per piece of its text; read them all before asking for the next sheet. */
  rows: AsyncGenerator<SheetRow[]>;
}

const SHEET = /xl\/worksheets\/sheet(\d+)[.]xml/;

async function textOf(part: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of part) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function* rowsOf(part: AsyncIterable<Buffer>, shared: ReadonlyArray<string | null> | null): AsyncGenerator<SheetRow[]> {
  const decoder = new StringDecoder('utf8');
  const rows = new SheetRows(shared);
  for await (const chunk of part) {
    const out: SheetRow[] = [];
    rows.push(decoder.write(chunk), out);
    if (out.length > 0) yield out;
  }
  const out: SheetRow[] = [];
  rows.push(decoder.end(), out);
  if (out.length > 0) yield out;
}

/** A part kept for later, deflated at the fastest level: its bytes, a fraction of its text. */
async function keep(part: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  const deflate = createDeflateRaw({ level: 1 });
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  await pipeline(part, deflate);
  return chunks;
}

/**
 * The workbook's sheets, in exceljs's order, with their names from the workbook part.
 * `trimSharedStrings`: shared strings' texts come trimmed (readSharedStrings), for a reader that
 * trims every text cell anyway; without it the cells are exceljs's, whitespace and all.
 */
export async function* xlsxSheets(stream: Readable, options: { trimSharedStrings?: boolean } = {}): AsyncGenerator<XlsxSheet> {
  const zip = stream.pipe(unzipper.Parse({ forceStream: true })) as Readable;
  let shared: Array<string | null> | null = null;
  let rels: ReturnType<typeof readRelationships> | null = null;
  let book: ReturnType<typeof readWorkbookPart> | null = null;
  const kept: Array<{ no: string; chunks: Buffer[] }> = [];
  const nameOf = (no: string): string => {
    const rel = (rels ?? []).find((r) => r.target === `worksheets/sheet${no}.xml`);
    const sheet = rel && (book?.sheets ?? []).find((s) => s.rId === rel.id);
    return sheet ? sheet.name : `Sheet${no}`;
  };
  // unzipper reports a broken ZIP (cut short, a bad header) on the ZIP stream, not on the part
  // being read: hand it to that part, or its reader would wait for data that never comes.
  // It may also come before the part it cut short is handed over.
  let reading: Entry | null = null;
  let failed: Error | null = null;
  zip.on('error', (error: Error) => {
    failed = error;
    reading?.destroy(error);
  });
  try {
    for await (const entry of zip as AsyncIterable<Entry>) {
      if (failed) throw failed;
      reading = entry;
      const path = entry.path;
      const sheetNo = SHEET.exec(path)?.[1];
      if (path === 'xl/_rels/workbook.xml.rels') rels = readRelationships(await textOf(entry));
      else if (path === 'xl/workbook.xml') book = readWorkbookPart(await textOf(entry));
      else if (path === 'xl/sharedStrings.xml') shared = readSharedStrings(await textOf(entry), options.trimSharedStrings === true);
      else if (sheetNo !== undefined) {
        if (shared && rels && book) yield { name: nameOf(sheetNo), dateSystem: book.dateSystem, rows: rowsOf(entry, shared) };
        else kept.push({ no: sheetNo, chunks: await keep(entry) });
      }
      entry.autodrain();
    }
    for (const { no, chunks } of kept) {
      const inflate = createInflateRaw();
      Readable.from(chunks).pipe(inflate);
      // A workbook without a workbook part has no date1904 flag: the 1900 system, Excel's default.
      yield { name: nameOf(no), dateSystem: book?.dateSystem ?? '1900', rows: rowsOf(inflate, shared) };
    }
  } finally {
    zip.destroy();
  }
}
