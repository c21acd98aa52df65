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
   * its key at [2s] and id + 1 at [2s + 1] (0: empty). Key and id share a cache line, so a probe
   * of a table larger than the caches costs one miss, where separate slot and key arrays cost
   * two (at 10 lakh documents the matcher's hash look-ups were mostly such misses).
   */
  private table: Float64Array;
  private mask: number;
  size = 0;

  /** `tables`: where the table comes from (a run's lease of the table pool). */
  constructor(expected = 16, private readonly tables: TableLease = new TableLease()) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.table = tables.f64(2 * cap);
    this.mask = cap - 1;
  }

  /** Id of `key` (a non-negative integer below 2^53), or -1. */
  find(key: number): number {
    const table = this.table;
    let s = hashOf(key) & this.mask;
    for (;;) {
      const e = table[2 * s + 1]!;
      if (e === 0) return -1;
      if (table[2 * s] === key) return e - 1;
      s = (s + 1) & this.mask;
    }
  }

  /** Id of `key`, adding it (with the next id) when absent. */
  add(key: number): number {
    const table = this.table;
    let s = hashOf(key) & this.mask;
    for (;;) {
      const e = table[2 * s + 1]!;
      if (e === 0) break;
      if (table[2 * s] === key) return e - 1;
      s = (s + 1) & this.mask;
    }
    const id = this.size;
    table[2 * s] = key;
    table[2 * s + 1] = id + 1;
    this.size = id + 1;
    if (this.size * 2 > this.mask + 1) this.grow();
    return id;
  }

  /** Gives the table back to the run's lease for a later phase; the index must not be used after this. */
  release(): void {
    this.tables.give(this.table);
  }

  private grow(): void {
    const old = this.table;
    const table = this.tables.f64(2 * old.length);
    const mask = old.length - 1;
    for (let o = 1; o < old.length; o += 2) {
      const e = old[o]!;
      if (e === 0) continue;
      const key = old[o - 1]!;
      let s = hashOf(key) & mask;
      while (table[2 * s + 1] !== 0) s = (s + 1) & mask;
      table[2 * s] = key;
      table[2 * s + 1] = e;
    }
    this.tables.give(old);
    this.table = table;
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
