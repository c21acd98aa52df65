/**
 * The upload body as the readers consume it: chunks straight from the socket, counted against the
 * size cap (so an oversized file is refused while it streams, never buffered), hashed with SHA-256
 * on the way through, and with the first bytes available for content sniffing before a reader is
 * chosen. Passing the cap ends the stream early (it does not throw: an error thrown into a
 * reader's internal stream pipeline surfaces as an unhandled stream error) and sets `overLimit`,
 * which the caller checks before trusting anything the reader returned. A body read back from its
 * spool file was hashed on its way in (spool.ts): it is not hashed again (`hash: false`).
 */
import { createHash, type Hash } from 'node:crypto';

export class MeteredBody {
  bytes = 0;
  /** Set once the cap was passed; whatever a reader made of the cut-off body is then void. */
  overLimit = false;
  private readonly hash: Hash | null;
  private readonly iterator: AsyncIterator<Buffer | string>;
  private buffered: Buffer[] = [];
  private done = false;

  constructor(
    source: AsyncIterable<Buffer | string>,
    private readonly limit: number,
    options: { hash?: boolean } = {},
  ) {
    this.iterator = source[Symbol.asyncIterator]();
    this.hash = options.hash === false ? null : createHash('sha256');
  }

  private async next(): Promise<Buffer | null> {
    if (this.done) return null;
    const { value, done } = await this.iterator.next();
    if (done) {
      this.done = true;
      return null;
    }
    const chunk = typeof value === 'string' ? Buffer.from(value) : value;
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      this.done = true;
      this.overLimit = true;
      return null;
    }
    this.hash?.update(chunk);
    return chunk;
  }

  /** Reads (and keeps) at least `size` bytes, or the whole body when it is shorter. */
  async head(size = 4096): Promise<Buffer> {
    let have = this.buffered.reduce((n, b) => n + b.length, 0);
    while (have < size) {
      const chunk = await this.next();
      if (!chunk) break;
      this.buffered.push(chunk);
      have += chunk.length;
    }
    return Buffer.concat(this.buffered).subarray(0, size);
  }

  /** Every chunk, the peeked ones first; consume once. */
  async *chunks(): AsyncGenerator<Buffer> {
    const first = this.buffered;
    this.buffered = [];
    for (const chunk of first) yield chunk;
    for (let chunk = await this.next(); chunk; chunk = await this.next()) yield chunk;
  }

  /** Reads what a reader left unread (it may stop early on a fatal header), still under the cap. */
  async drain(): Promise<void> {
    this.buffered = [];
    while (await this.next());
  }

  sha256(): string {
    if (!this.hash) throw new Error('this body is not hashed');
    return this.hash.digest('hex');
  }
}
