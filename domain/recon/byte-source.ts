/** Byte sources the readers accept, and a first look at their head without losing it. */
import { Readable } from 'node:stream';

export type ByteSource = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** How much of a source's start the readers sniff (and a CSV's delimiter is detected from). */
export const HEAD_BYTES = 4096;

function bytesOf(v: string | Uint8Array): Buffer {
  return typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * The first HEAD_BYTES bytes of the source (all of it when shorter), and a stream that still
 * starts at byte 0. Chunks are gathered until the head is full, so the head is the same however
 * the source is cut into chunks: a file reads alike whole and as an upload in small pieces.
 */
export async function peek(src: ByteSource): Promise<{ head: Uint8Array; stream: Readable }> {
  if (typeof src === 'string') {
    // The first HEAD_BYTES characters hold at least the first HEAD_BYTES bytes.
    return { head: Buffer.from(src.slice(0, HEAD_BYTES)).subarray(0, HEAD_BYTES), stream: Readable.from([src]) };
  }
  if (src instanceof Uint8Array) {
    // Zip readers want Buffers, not bare Uint8Arrays; this is a view, not a copy.
    const buf = bytesOf(src);
    return { head: buf.subarray(0, HEAD_BYTES), stream: Readable.from([buf]) };
  }
  const it = (Symbol.asyncIterator in (src as object)
    ? (src as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator]()
    : (async function* () { yield* src as Iterable<string | Uint8Array>; })());
  const parts: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < HEAD_BYTES) {
    const n = await it.next();
    if (n.done) {
      done = true;
      break;
    }
    const b = bytesOf(n.value);
    parts.push(b);
    length += b.length;
  }
  const first = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    }
  }
  return { head: first.subarray(0, HEAD_BYTES), stream: Readable.from(rest()) };
}
