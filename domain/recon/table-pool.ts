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

/** Free buffers, ascending by size, and their sizes. */
const free: ArrayBuffer[] = [];
const freeSizes: number[] = [];
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

/**
 * Where a table of size class `cls` comes from among free buffers of ascending `sizes`: the
 * smallest of this class or the next (a larger one is left for a larger table), or -1.
 */
function fitting(sizes: readonly number[], cls: number): number {
  for (let k = 0; k < sizes.length; k += 1) {
    const size = sizes[k]!;
    if (size < cls) continue;
    return size > 2 * cls ? -1 : k;
  }
  return -1;
}

function takeBuffer(bytes: number): ArrayBuffer {
  const cls = sizeClass(bytes);
  const k = fitting(freeSizes, cls);
  if (k >= 0) {
    const b = free[k]!;
    free.splice(k, 1);
    freeSizes.splice(k, 1);
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
/** Buffers set aside by `reserveTables` and not handed out yet: new, so still zero. */
const unwritten = new WeakSet<ArrayBuffer>();

function giveBuffer(b: ArrayBuffer): void {
  if (freeBytes + b.byteLength > keepLimit) return;
  const k = insertionPoint(freeSizes, b.byteLength);
  free.splice(k, 0, b);
  freeSizes.splice(k, 0, b.byteLength);
  freeBytes += b.byteLength;
}

function insertionPoint(sizes: readonly number[], size: number): number {
  let k = 0;
  while (k < sizes.length && sizes[k]! < size) k += 1;
  return k;
}

/**
 * How many bytes of free buffers the pool keeps between runs (default 2 GiB; 0 keeps none and
 * drops what it holds). Buffers given back beyond the limit are left to the collector.
 */
export function setTablePoolLimit(bytes: number): void {
  keepLimit = bytes;
  while (freeBytes > keepLimit && free.length > 0) {
    freeBytes -= free.pop()!.byteLength;
    freeSizes.pop();
  }
}

/**
 * The pooled tables a run takes and gives back, in order (a take as its bytes, a give as
 * −(1 + the number of its take)), while a plan is being recorded (`recordTablePlan`).
 */
let recording: { ops: number[]; takeOf: Map<ArrayBuffer, number>; takes: number } | null = null;

function recordGive(b: ArrayBuffer): void {
  const take = recording?.takeOf.get(b);
  if (take !== undefined) recording!.ops.push(-1 - take);
}

/** A recorded run's takes and gives of pooled tables, for `reserveTables`. */
export type TablePlan = readonly number[];

/** Runs `work`, recording the pooled tables it takes and gives back (the warm-up's last run). */
export function recordTablePlan<T>(work: () => T): { value: T; plan: TablePlan } {
  const rec = { ops: [] as number[], takeOf: new Map<ArrayBuffer, number>(), takes: 0 };
  recording = rec;
  try {
    return { value: work(), plan: rec.ops };
  } finally {
    recording = null;
  }
}

/**
 * Sets aside, as free buffers, what a run `scale` times as large as the one `plan` recorded would
 * take that the pool could not serve now (replaying its takes and gives at `scale` against the
 * free buffers, as `takeBuffer` would serve them), and returns their bytes.
 *
 * Why: a first large run allocates its tables, hundreds of MB of new ArrayBuffers, while the
 * heap holds its input, and every 64 MB of them counts as external memory that starts a full
 * collection of that heap (a first 10-lakh run spent about 1 s of CPU in them). Allocated here,
 * at a worker's start, the same bytes start collections of a heap that holds next to nothing.
 * Sizes are estimates (tables do not all scale with the documents), so a larger run may still
 * allocate some tables of its own. The buffers are new and not written: zero pages the kernel has
 * only promised (address space, not memory) until a run writes them or `prefaultReserved` does.
 */
export function reserveTables(plan: TablePlan, scale: number): number {
  // Each buffer of the replay: its size, and, for a new one, its place in `fresh`.
  type Replayed = { size: number; fresh: number };
  const free: Replayed[] = freeSizes.map((size) => ({ size, fresh: -1 }));
  const taken: Replayed[] = [];
  const fresh: Array<{ cls: number; written: number }> = [];
  for (const op of plan) {
    if (op < 0) {
      const b = taken[-1 - op]!;
      free.splice(insertionPoint(free.map((f) => f.size), b.size), 0, b);
      continue;
    }
    const bytes = Math.ceil(op * scale);
    const cls = sizeClass(bytes);
    const k = fitting(free.map((f) => f.size), cls);
    let b: Replayed;
    if (k >= 0) b = free.splice(k, 1)[0]!;
    else {
      b = { size: cls, fresh: fresh.length };
      fresh.push({ cls, written: 0 });
    }
    if (b.fresh >= 0) fresh[b.fresh]!.written = Math.max(fresh[b.fresh]!.written, Math.min(bytes, b.size));
    taken.push(b);
  }
  let reserved = 0;
  for (const { cls, written } of fresh) {
    if (freeBytes + cls > keepLimit) continue;
    allocatedBytes += cls;
    reserved += cls;
    const b = new ArrayBuffer(cls);
    unwritten.add(b);
    plannedWrite.set(b, written);
    giveBuffer(b);
  }
  return reserved;
}

/** Per buffer set aside by `reserveTables`: how many of its bytes the scaled run would write. */
const plannedWrite = new WeakMap<ArrayBuffer, number>();

/**
 * Bytes `prefaultReserved` would write now, one entry per set-aside buffer no run has taken yet
 * (each is written in chunks of its own, so a caller can tell how many pauses to expect).
 */
export function plannedPrefaults(): number[] {
  return free.filter((b) => unwritten.has(b) && (plannedWrite.get(b) ?? 0) > 0).map((b) => plannedWrite.get(b)!);
}

/**
 * Writes zeros into every 4 KB page of the set-aside buffers that the run they were reserved for
 * would write (they stay as clean as new), `chunk` bytes at a time with `pause` (given the bytes
 * of the chunk just written) in between, and returns the bytes it wrote. Untouched, those pages are faulted in by the first run that large
 * while a user waits, one fault per 4 KB (on a virtual machine 10–15 µs each: about 1.5 s of a
 * first 10-lakh run, docs/performance.md "First run"); written here, they are memory from the
 * start, as they are anyway once a worker has run that size (the pool keeps its tables). Only
 * buffers no run has taken are written.
 */
export async function prefaultReserved(pause: (written: number) => Promise<void>, chunk = 16 * 1024 * 1024): Promise<number> {
  let written = 0;
  for (const b of [...free]) {
    const bytes = plannedWrite.get(b) ?? 0;
    for (let from = 0; from < bytes; from += chunk) {
      // A run may have taken the buffer during a pause: from then on its contents are the run's.
      if (!unwritten.has(b)) break;
      const u8 = new Uint8Array(b, from, Math.min(chunk, bytes - from));
      for (let i = 0; i < u8.length; i += 4096) u8[i] = 0;
      written += u8.length;
      await pause(u8.length);
    }
    plannedWrite.delete(b);
  }
  return written;
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
    if (recording !== null) recordGive(b);
    giveBuffer(b);
  }

  /** Every buffer back to the pool; the lease's tables must not be used after this. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const b of this.held) {
      if (recording !== null) recordGive(b);
      giveBuffer(b);
    }
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
    tookFresh = allocatedBytes !== before || unwritten.delete(b);
    this.held.push(b);
    if (recording !== null) {
      recording.takeOf.set(b, recording.takes);
      recording.takes += 1;
      recording.ops.push(bytes);
    }
    return b;
  }
}

// A lease lives for one run; its hidden class must not (kept-shapes.ts).
keepShape(new TableLease());
