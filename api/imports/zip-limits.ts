/**
 * Spreadsheet bombs: an XLSX is a ZIP whose parts can expand a thousandfold (a 1.3 MB file whose
 * shared strings expand to hundreds of MB). Before any XML parser sees a part, the ZIP's central
 * directory is read (yauzl) and every part's uncompressed size, their sum and their number are held
 * against the caps. The sizes a file declares are then proven: each part is inflated once through
 * yauzl, which fails as soon as a part yields more bytes than it declared, and the parts must sit
 * back to back from the first byte to the directory, with the same sizes in their local headers, so
 * a streaming reader that walks the local headers (exceljs does) sees exactly the parts checked here.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

export type ZipCaps = {
  /** Most parts a workbook may have. */
  maxEntries: number;
  /** Largest uncompressed size of one part (a sheet's XML). */
  maxPartBytes: number;
  /** Largest uncompressed size of the shared-strings part (kept in memory while the sheets are read). */
  maxSharedStringsBytes: number;
  /** Largest uncompressed size of all parts together. */
  maxTotalBytes: number;
};

export const DEFAULT_ZIP_CAPS: ZipCaps = {
  maxEntries: 2_000,
  maxPartBytes: 256 * 1024 * 1024,
  maxSharedStringsBytes: 64 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
};

export type ZipVerdict = { ok: true } | { ok: false; tooLarge: boolean; message: string };

const MB = 1024 * 1024;
const megabytes = (bytes: number) => `${Math.round((bytes / MB) * 10) / 10} MB`;
/** General purpose flag bit 3: sizes follow the data in a data descriptor. */
const DATA_DESCRIPTOR_FLAG = 0x08;

async function entriesOf(zip: ZipFile, maxEntries: number): Promise<Entry[] | 'too_many'> {
  if (zip.entryCount > maxEntries) return 'too_many';
  const entries: Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve());
    zip.once('error', reject);
    zip.readEntry();
  });
  return entries;
}

function sizeProblem(entries: Entry[], caps: ZipCaps): string | null {
  let total = 0;
  for (const entry of entries) {
    const shared = /(^|\/)sharedStrings\.xml$/i.test(entry.fileName);
    const cap = shared ? caps.maxSharedStringsBytes : caps.maxPartBytes;
    if (entry.uncompressedSize > cap) {
      return `The workbook's part ${entry.fileName} expands to ${megabytes(entry.uncompressedSize)}; the limit is ${megabytes(cap)}${shared ? ' for shared strings' : ' per part'}.`;
    }
    total += entry.uncompressedSize;
  }
  if (total > caps.maxTotalBytes) return `The workbook expands to ${megabytes(total)}; the limit is ${megabytes(caps.maxTotalBytes)}.`;
  return null;
}

/** The parts lie back to back, with their local headers agreeing with the directory. */
async function layoutProblem(zip: ZipFile, entries: Entry[], directoryOffset: number): Promise<string | null> {
  const sorted = [...entries].sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader);
  let expected = 0;
  for (const entry of sorted) {
    if (entry.relativeOffsetOfLocalHeader !== expected) return 'the workbook has data outside its listed parts';
    const local = await zip.readLocalFileHeaderPromise(entry);
    const described = (local.generalPurposeBitFlag & DATA_DESCRIPTOR_FLAG) !== 0;
    if (!described && (local.compressedSize !== entry.compressedSize || local.uncompressedSize !== entry.uncompressedSize)) {
      return `the sizes of part ${entry.fileName} disagree between its header and the directory`;
    }
    const end = local.fileDataStart + entry.compressedSize;
    // A data descriptor is 12 bytes, or 16 with its optional signature.
    const candidates = described ? [end + 12, end + 16] : [end];
    const next = sorted[sorted.indexOf(entry) + 1]?.relativeOffsetOfLocalHeader ?? directoryOffset;
    if (!candidates.includes(next)) return 'the workbook has data outside its listed parts';
    expected = next;
  }
  return null;
}

/** Inflates every part once, counting: yauzl refuses a part that yields more than it declared. */
async function inflateProblem(zip: ZipFile, entries: Entry[]): Promise<string | null> {
  for (const entry of entries) {
    try {
      const stream = await zip.openReadStreamPromise(entry);
      await pipeline(stream, new Writable({ write: (_chunk, _encoding, done) => done() }));
    } catch (error) {
      return `part ${entry.fileName} cannot be read: ${(error as Error).message}`;
    }
  }
  return null;
}

/** Checks a ZIP file (on disk) against the caps without keeping any part in memory. */
export async function checkZipFile(path: string, caps: ZipCaps = DEFAULT_ZIP_CAPS): Promise<ZipVerdict> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  } catch (error) {
    return { ok: false, tooLarge: false, message: `The workbook is not a readable XLSX (ZIP) file: ${(error as Error).message}.` };
  }
  // Where the central directory starts: yauzl's entry cursor before the first entry is read.
  const directoryOffset = (zip as unknown as { readEntryCursor: number }).readEntryCursor;
  try {
    const entries = await entriesOf(zip, caps.maxEntries);
    if (entries === 'too_many') return { ok: false, tooLarge: true, message: `The workbook has ${zip.entryCount} parts; the limit is ${caps.maxEntries}.` };
    const tooLarge = sizeProblem(entries, caps);
    if (tooLarge) return { ok: false, tooLarge: true, message: tooLarge };
    const broken = (await layoutProblem(zip, entries, directoryOffset)) ?? (await inflateProblem(zip, entries));
    if (broken) return { ok: false, tooLarge: /more bytes|too many bytes/i.test(broken), message: `The workbook cannot be used: ${broken}.` };
    return { ok: true };
  } catch (error) {
    return { ok: false, tooLarge: false, message: `The workbook is not a readable XLSX (ZIP) file: ${(error as Error).message}.` };
  } finally {
    zip.close();
  }
}
