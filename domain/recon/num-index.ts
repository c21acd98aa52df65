import { keepShape } from './kept-shapes';
import { TableLease } from './table-pool';

/**
 * Interning of composite numeric keys to dense ids 0, 1, 2… in first-seen order.
 *
 * The matcher packs (block, family, key id, FY slot) into one integer of up to 50 bits. Such
 * numbers are not small integers for V8, so a `Map<number, …>` boxes every key it stores and
 * hashes the double's bits on every look-up: on 1-lakh inputs those look-ups were the largest item
 * in the matcher's own profile. This table keeps keys in a Float64Array with open addressing
 * (linear probing) and hands out dense ids, so callers keep per-key data in typed arrays indexed by
 * id. Ids follow insertion order, which keeps iteration deterministic like a Map's.
 */
export class NumIndex {
  /**
   * Open addressing (linear probing), capacity a power of two, at most half full: slot s holds
   * id + 1 (0: empty), and the key of id k is `keys[k]`. Eight bytes a slot (a 4-byte slot and,
   * at most half full, half an 8-byte key), where key and id side by side in one Float64Array took
   * sixteen: at 10 lakh a side the duplicate check's two indexes alone were 64 MB of written
   * pages (docs/performance.md, Memory). The price is a second cache line per probe that meets
   * an occupied slot; keys are stored in id order, so adding new keys writes them sequentially.
   */
  private slots: Int32Array;
  private keys: Float64Array;
  private mask: number;
  size = 0;

  /** `tables`: where the table comes from (a run's lease of the table pool). */
  constructor(expected = 16, private readonly tables: TableLease = new TableLease()) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = tables.i32(cap);
    this.keys = tables.f64(cap / 2);
    this.mask = cap - 1;
  }

  /** Id of `key` (a non-negative integer below 2^53), or -1. */
  find(key: number): number {
    const slots = this.slots;
    const keys = this.keys;
    let s = hashOf(key) & this.mask;
    for (;;) {
      const e = slots[s]!;
      if (e === 0) return -1;
      if (keys[e - 1] === key) return e - 1;
      s = (s + 1) & this.mask;
    }
  }

  /** Id of `key`, adding it (with the next id) when absent. */
  add(key: number): number {
    const slots = this.slots;
    const keys = this.keys;
    let s = hashOf(key) & this.mask;
    for (;;) {
      const e = slots[s]!;
      if (e === 0) break;
      if (keys[e - 1] === key) return e - 1;
      s = (s + 1) & this.mask;
    }
    const id = this.size;
    // At most half full once added; `keys` holds half as many keys as there are slots, so the
    // table grows before the key that would pass that is written.
    if ((id + 1) * 2 > this.mask + 1) {
      this.grow();
      return this.add(key);
    }
    keys[id] = key;
    slots[s] = id + 1;
    this.size = id + 1;
    return id;
  }

  /** Gives the table back to the run's lease for a later phase; the index must not be used after this. */
  release(): void {
    this.tables.give(this.slots);
    this.tables.give(this.keys);
  }

  private grow(): void {
    const cap = 2 * (this.mask + 1);
    const mask = cap - 1;
    const slots = this.tables.i32(cap);
    const keys = this.tables.f64(cap / 2);
    const old = this.keys;
    // Ids are dense 0…size−1, so rehashing walks the keys in id order (no empty slots to skip).
    for (let id = 0; id < this.size; id += 1) {
      const key = old[id]!;
      keys[id] = key;
      let s = hashOf(key) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
    }
    this.tables.give(this.slots);
    this.tables.give(old);
    this.slots = slots;
    this.keys = keys;
    this.mask = mask;
  }
}

/** Mix both 26-bit-ish halves of an integer below 2^53 into 32 bits (murmur3 finaliser). */
function hashOf(key: number): number {
  const hi = Math.floor(key / 0x4000000);
  const lo = key - hi * 0x4000000;
  let h = Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

// The tables of a run die with it; their hidden class must not (kept-shapes.ts).
keepShape(new NumIndex(0));
