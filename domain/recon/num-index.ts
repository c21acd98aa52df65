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
  /** Keys by id. */
  private keys: Float64Array;
  /** Hash slots: id + 1, or 0 when empty. Capacity is a power of two, at most half full. */
  private slots: Int32Array;
  private mask: number;
  size = 0;

  /** `tables`: where the key and slot tables come from (a run's lease of the table pool). */
  constructor(expected = 16, private readonly tables: TableLease = new TableLease()) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = tables.i32(cap);
    this.mask = cap - 1;
    this.keys = tables.f64(Math.max(8, expected));
  }

  /** Id of `key` (a non-negative integer below 2^53), or -1. */
  find(key: number): number {
    let s = hashOf(key) & this.mask;
    for (;;) {
      const e = this.slots[s]!;
      if (e === 0) return -1;
      if (this.keys[e - 1] === key) return e - 1;
      s = (s + 1) & this.mask;
    }
  }

  /** Id of `key`, adding it (with the next id) when absent. */
  add(key: number): number {
    let s = hashOf(key) & this.mask;
    for (;;) {
      const e = this.slots[s]!;
      if (e === 0) break;
      if (this.keys[e - 1] === key) return e - 1;
      s = (s + 1) & this.mask;
    }
    const id = this.size;
    if (id === this.keys.length) {
      const k = this.tables.f64(id * 2);
      k.set(this.keys);
      this.tables.give(this.keys);
      this.keys = k;
    }
    this.keys[id] = key;
    this.slots[s] = id + 1;
    this.size = id + 1;
    if (this.size * 2 > this.slots.length) this.grow();
    return id;
  }

  /** The key of an id. */
  keyOf(id: number): number {
    return this.keys[id]!;
  }

  private grow(): void {
    const slots = this.tables.i32(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.size; id += 1) {
      let s = hashOf(this.keys[id]!) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
    }
    this.tables.give(this.slots);
    this.slots = slots;
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
