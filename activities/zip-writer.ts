/**
 * A ZIP written to disk as a stream (yazl): entries are added one at a time and each is hashed as
 * it passes, so the manifest can name the SHA-256 of every file without holding any of them.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

export type ZipEntry = { path: string; sha256: string; bytes: number };

// A fixed time for every entry: the same data gives the same ZIP bytes.
const ENTRY_TIME = new Date('2000-01-01T00:00:00Z');

export class ZipWriter {
  private readonly zip = new ZipFile();
  private readonly hash = createHash('sha256');
  private size = 0;
  private readonly written: Promise<void>;
  private current: PassThrough | null = null;
  readonly entries: ZipEntry[] = [];

  constructor(file: string) {
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.hash.update(chunk);
        this.size += chunk.length;
        done(null, chunk);
      },
    });
    this.written = pipeline(this.zip.outputStream, counter, fs.createWriteStream(file, { mode: 0o600 }));
    // Surface a write failure (disk full) to whichever entry is waiting.
    this.written.catch(() => undefined);
  }

  /** Adds one entry from a stream of chunks; resolves once the ZIP has taken all of it. */
  async add(path: string, source: AsyncIterable<Buffer | string | Uint8Array> | Iterable<Buffer | string | Uint8Array>, onChunk?: () => void): Promise<ZipEntry> {
    const pass = new PassThrough();
    this.current = pass;
    this.zip.addReadStream(pass, path, { mtime: ENTRY_TIME, mode: 0o100600 });
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of source) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
      hash.update(buffer);
      bytes += buffer.length;
      if (!pass.write(buffer)) await Promise.race([once(pass, 'drain'), this.written]);
      onChunk?.();
    }
    pass.end();
    await Promise.race([finished(pass), this.written]);
    const entry = { path, sha256: hash.digest('hex'), bytes };
    this.entries.push(entry);
    return entry;
  }

  /**
   * Gives up on the ZIP after a failure (the caller deletes the partial file): an entry left open
   * would make the ZIP wait for it forever, so the streams are destroyed instead.
   */
  async abort(error: Error): Promise<void> {
    this.current?.destroy(error);
    (this.zip.outputStream as unknown as Readable).destroy(error);
    await this.written.catch(() => undefined);
  }

  /** Writes the central directory and closes the file: the ZIP's own size and SHA-256. */
  async close(): Promise<{ sizeBytes: number; sha256: string }> {
    this.zip.end();
    await this.written;
    return { sizeBytes: this.size, sha256: this.hash.digest('hex') };
  }
}
