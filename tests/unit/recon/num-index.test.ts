/**
 * NumIndex (domain/recon/num-index.ts): dense ids in first-seen order for integer keys up to
 * 2^53, the same answers as a Map, through many doublings of its table.
 */
import { NumIndex } from '../../../domain/recon/num-index';
import { recordTablePlan, TableLease } from '../../../domain/recon/table-pool';
import { prng } from '../../../ops/bench/recon-data';

describe('NumIndex', () => {
  it('gives the ids a Map would give, in first-seen order, and -1 for keys never added', () => {
    const rnd = prng(5);
    const index = new NumIndex(4); // small on purpose: the table grows many times
    const reference = new Map<number, number>();
    const seen: number[] = [];
    for (let k = 0; k < 50_000; k += 1) {
      // Keys of the matcher's shape (up to 50 bits), with repeats and keys that differ only in
      // their high bits (which the hash must mix in).
      const key = rnd() < 0.3 && seen.length > 0
        ? seen[Math.floor(rnd() * seen.length)]!
        : Math.floor(rnd() * 2 ** 24) * 2 ** 26 + Math.floor(rnd() * 64);
      const expected = reference.get(key) ?? reference.size;
      if (!reference.has(key)) {
        reference.set(key, expected);
        seen.push(key);
      }
      expect(index.add(key)).toBe(expected);
    }
    expect(index.size).toBe(reference.size);
    for (const [key, id] of reference) expect(index.find(key)).toBe(id);
    expect(index.find(2 ** 52 + 1)).toBe(-1);
    expect(index.find(0.5 * 2 ** 27)).toBe(-1);
  });

  it('tells keys apart that share their low bits', () => {
    const index = new NumIndex();
    const keys = Array.from({ length: 1000 }, (_, i) => i * 2 ** 30 + 7);
    keys.forEach((key, i) => expect(index.add(key)).toBe(i));
    keys.forEach((key, i) => expect(index.find(key)).toBe(i));
    expect(index.find(7 + 2 ** 29)).toBe(-1);
  });

  it('takes eight bytes a slot from the table pool (a 4-byte id per slot, the keys by id)', () => {
    // 1 lakh keys expected: 2^18 slots, at most half full. Key and id side by side took 16 bytes a
    // slot (4 MB here); at 10 lakh a side such indexes were tens of MB of the worker's peak.
    const lease = new TableLease();
    const { plan } = recordTablePlan(() => new NumIndex(100_000, lease));
    lease.release();
    const taken = plan.filter((op) => op >= 0).reduce((sum, bytes) => sum + bytes, 0);
    expect(taken).toBe(8 * 2 ** 18);
  });
});
