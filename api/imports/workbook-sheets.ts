/**
 * The sheet names of an XLSX on disk, from its workbook part alone (yauzl; the ZIP caps were
 * checked first): enough to recognise a portal download uploaded as a register without reading
 * its sheets.
 */
import yauzl from 'yauzl';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => { done(); resolve(entry); };
    const onEnd = () => { done(); resolve(null); };
    const onError = (error: Error) => { done(); reject(error); };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

export async function workbookSheetNames(path: string): Promise<string[]> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: false });
  try {
    for (;;) {
      const entry = await nextEntry(zip);
      if (!entry) return [];
      if (!/^xl\/workbook\.xml$/i.test(entry.fileName)) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      const xml = Buffer.concat(chunks).toString('utf8');
      return [...xml.matchAll(/<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"/g)].map((m) => m[1]!.replace(/&(\w+);/g, (all, e: string) => ENTITIES[e] ?? all));
    }
  } finally {
    zip.close();
  }
}
