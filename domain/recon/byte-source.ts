/** Byte sources the readers accept, and a first look at their head without losing it. */
import { Readable } from 'node:stream';

export type ByteSource = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** Pull the first chunk to sniff it, then give back a stream that still starts at byte 0. */
export async function peek(src: ByteSource): Promise<{ head: Uint8Array; stream: Readable }> {
  if (typeof src === 'string') return { head: Buffer.from(src.slice(0, 4096)), stream: Readable.from([src]) };
  if (src instanceof Uint8Array) {
    // Zip readers want Buffers, not bare Uint8Arrays; this is a view, not a copy.
    const buf = Buffer.isBuffer(src) ? src : Buffer.from(src.buffer, src.byteOffset, src.byteLength);
    return { head: buf.subarray(0, 4096), stream: Readable.from([buf]) };
  }
  const it = (Symbol.asyncIterator in (src as object)
    ? (src as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator]()
    : (async function* () { yield* src as Iterable<string | Uint8Array>; })());
  const first = await it.next();
  const chunk = first.done ? Buffer.alloc(0) : typeof first.value === 'string' ? Buffer.from(first.value) : Buffer.from(first.value);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (chunk.length > 0) yield chunk;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    }
  }
  return { head: chunk.subarray(0, 4096), stream: Readable.from(rest()) };
}
