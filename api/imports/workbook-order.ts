/**
 * The parts of an XLSX in the order exceljs's streaming reader needs them. Excel writes the
 * workbook part (sheet names) and the shared strings before the sheets; other writers (exceljs
 * itself, some exporters) put the workbook part last, and then the streaming reader, which parks
 * early sheets in temporary files, fails on workbooks of more than a few sheets ("reading
 * 'sheets'"). The spooled upload (its ZIP caps already checked) is read back through yauzl and
 * re-packed on the fly (yazl, deflated, so every part ends where its data says): relationships,
 * workbook, shared strings and styles first, then every other part in its original order. A file
 * already in that order (Excel's own) is streamed as it is.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';

const FIRST = [/^_rels\/\.rels$/i, /^xl\/_rels\/workbook\.xml\.rels$/i, /^xl\/workbook\.xml$/i, /^xl\/sharedStrings\.xml$/i, /^xl\/styles\.xml$/i];
const rank = (name: string) => {
  const i = FIRST.findIndex((re) => re.test(name));
  return i < 0 ? FIRST.length : i;
};

async function entriesOf(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  const entries: yauzl.Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve());
    zip.once('error', reject);
    zip.readEntry();
  });
  return entries;
}

/** A stream of the workbook at `path`, its parts in reading order (the file itself is left as it is). */
export async function workbookInReadingOrder(path: string): Promise<Readable> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true });
  const entries = (await entriesOf(zip)).filter((e) => !e.fileName.endsWith('/'));
  // Stable: parts that are not named keep their order.
  const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e.fileName) - rank(b.e.fileName) || a.i - b.i).map((x) => x.e);
  if (ordered.every((e, i) => e === entries[i])) {
    zip.close();
    return fs.createReadStream(path);
  }
  const out = new yazl.ZipFile();
  const output = out.outputStream as unknown as Readable;
  // One part at a time: the next is opened when the previous was written.
  void (async () => {
    try {
      for (const entry of ordered) {
        const stream = await zip.openReadStreamPromise(entry);
        const done = new Promise<void>((resolve, reject) => {
          stream.once('end', resolve);
          stream.once('error', reject);
        });
        out.addReadStream(stream, entry.fileName, { compress: true });
        await done;
      }
      out.end();
    } catch (error) {
      output.destroy(error as Error);
    } finally {
      zip.close();
    }
  })();
  return output;
}
