import { keepShape } from './kept-shapes';

/**
 * Typed arrays for the engine's columns and tables, cut from buffers that are reused from one run
 * to the next in the same process (a worker reconciles run after run).
 *
 * Every ArrayBuffer counts as external memory for V8. Once more than 64 MB of it has been
 * allocated since the last full collection, V8 starts one, and the buffers of young arrays set off
 * young collections as they add up. A 10-lakh run allocates ~450 MB of tables, so every such run
 * marked the whole input-sized heap (~0.7–1.4 s) and ran half a dozen young collections on the
 * way. With the buffers of the previous run handed out again, a run of a size seen before
 * allocates next to no new buffer memory.
 *
 * A `TableLease` holds the buffers of one lifetime: the matcher's phase tables (given back when
 * `reconcile` returns) or the document columns behind a result's rows (given back once its rows
 * were built, or when the caller releases the result). A lease that is never released simply
 * leaves its buffers to the garbage collector, as plain typed arrays would be.
 */

/** Tables smaller than this are plain typed arrays: pooling them would save nothing. */
const MIN_POOLED_BYTES = 64 * 1024;

/** Free buffers, ascending by size. */
const free: ArrayBuffer[] = [];
let freeBytes = 0;
/** Bytes of pooled buffers allocated since the process started (what the pool could not serve). */
let allocatedBytes = 0;
/** Free buffers beyond this many bytes are dropped (left to the collector) rather than kept. */
let keepLimit = 2 * 1024 ** 3;

/** Buffers are allocated in power-of-two sizes, so a run of the same size reuses them exactly. */
function sizeClass(bytes: number): number {
  let c = MIN_POOLED_BYTES;
  while (c < bytes) c *= 2;
  return c;
}

function takeBuffer(bytes: number): ArrayBuffer {
  const cls = sizeClass(bytes);
  // The smallest free buffer of this class or the next (a larger one is left for a larger table).
  for (let k = 0; k < free.length; k += 1) {
    const b = free[k]!;
    if (b.byteLength < cls) continue;
    if (b.byteLength > 2 * cls) break;
    free.splice(k, 1);
    freeBytes -= b.byteLength;
    return b;
  }
  allocatedBytes += cls;
  return new ArrayBuffer(cls);
}

/**
 * Whether the buffer the last `take` returned is new. A new ArrayBuffer is already zero, and for a
 * large one the allocator maps zero pages that are only faulted in when first written: filling it
 * with zeros would touch all of it once more (~450 MB on a first 10-lakh run) for nothing.
 */
let tookFresh = false;

function giveBuffer(b: ArrayBuffer): void {
  if (freeBytes + b.byteLength > keepLimit) return;
  let k = 0;
  while (k < free.length && free[k]!.byteLength < b.byteLength) k += 1;
  free.splice(k, 0, b);
  freeBytes += b.byteLength;
}

/**
 * How many bytes of free buffers the pool keeps between runs (default 2 GiB; 0 keeps none and
 * drops what it holds). Buffers given back beyond the limit are left to the collector.
 */
export function setTablePoolLimit(bytes: number): void {
  keepLimit = bytes;
  while (freeBytes > keepLimit && free.length > 0) freeBytes -= free.pop()!.byteLength;
}

/** Bytes of free buffers the pool holds now, and bytes it has allocated since the process started. */
export function tablePoolStats(): { freeBytes: number; allocatedBytes: number } {
  return { freeBytes, allocatedBytes };
}

/** The buffers taken for one lifetime; each table is zero-filled (or filled with `fill`) as `new` would. */
export class TableLease {
  private held: ArrayBuffer[] = [];
  private released = false;

  /** A buffer of at least `bytes` bytes whose first `bytes` are zero. */
  buffer(bytes: number): ArrayBuffer {
    const b = this.take(bytes);
    if (!tookFresh) new Uint8Array(b, 0, bytes).fill(0);
    return b;
  }

  i32(n: number, fill = 0): Int32Array {
    const t = new Int32Array(this.take(4 * n), 0, n);
    return tookFresh && fill === 0 ? t : t.fill(fill);
  }

  f64(n: number, fill = 0): Float64Array {
    const t = new Float64Array(this.take(8 * n), 0, n);
    return tookFresh && fill === 0 ? t : t.fill(fill);
  }

  u32(n: number): Uint32Array {
    const t = new Uint32Array(this.take(4 * n), 0, n);
    return tookFresh ? t : t.fill(0);
  }

  u8(n: number): Uint8Array {
    const t = new Uint8Array(this.take(n), 0, n);
    return tookFresh ? t : t.fill(0);
  }

  /**
   * Gives a table back before the lease ends (a hash table that grew out of it). The caller
   * must hold no other view of its buffer.
   */
  give(table: { buffer: ArrayBufferLike }): void {
    const b = table.buffer as ArrayBuffer;
    const k = this.held.indexOf(b);
    if (k < 0) return;
    this.held.splice(k, 1);
    giveBuffer(b);
  }

  /** Every buffer back to the pool; the lease's tables must not be used after this. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const b of this.held) giveBuffer(b);
    this.held = [];
  }

  /**
   * A buffer of at least `bytes` bytes, contents unspecified (the helpers above fill it): a
   * pooled one held by this lease, or a plain new one for a small table (nothing to save there).
   */
  private take(bytes: number): ArrayBuffer {
    if (this.released) throw new Error('table lease used after release');
    if (bytes < MIN_POOLED_BYTES) {
      tookFresh = true;
      return new ArrayBuffer(bytes);
    }
    const before = allocatedBytes;
    const b = takeBuffer(bytes);
    tookFresh = allocatedBytes !== before;
    this.held.push(b);
    return b;
  }
}

// A lease lives for one run; its hidden class must not (kept-shapes.ts).
keepShape(new TableLease());
