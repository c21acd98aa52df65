import fc from 'fast-check';
import { insertRange, sortRange, sortWith } from '../../../domain/recon/match/sort';

/*
 * The engine's stable sorts (match/sort.ts) replaced Array.prototype.sort and
 * TypedArray.prototype.sort with comparators that read module variables. For a consistent order
 * both are stable, so they must give exactly the native order, ties included.
 */
interface Item {
  key: number;
  tag: number;
}

function byKey(ctx: { flip: number }, x: Item, y: Item): number {
  return ctx.flip * (x.key - y.key);
}

function byValue(values: Int32Array, x: number, y: number): number {
  return values[x]! - values[y]!;
}

describe('match/sort: stable sorts with a context', () => {
  it('sortWith gives the native stable order, ties in input order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), fc.constantFrom(1, -1), (keys, flip) => {
        const items: Item[] = keys.map((key, tag) => ({ key, tag }));
        const native = [...items].sort((x, y) => byKey({ flip }, x, y));
        expect(sortWith([...items], { flip }, byKey)).toEqual(native);
      }),
      { numRuns: 200 },
    );
  });

  it('sortRange and insertRange sort only [from, to) of a typed array, stably', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 200 }), fc.nat(), fc.nat(), (vals, a, b) => {
        const values = Int32Array.from(vals);
        const n = values.length;
        const from = a % (n + 1);
        const to = from + (b % (n - from + 1));
        const rows = Int32Array.from({ length: n }, (_, i) => n - 1 - i);
        const expected = Int32Array.from(rows);
        expected.subarray(from, to).sort((x, y) => byValue(values, x, y));
        const merged = Int32Array.from(rows);
        sortRange(merged, from, to, values, byValue);
        expect(Array.from(merged)).toEqual(Array.from(expected));
        const inserted = Int32Array.from(rows);
        insertRange(inserted, from, to, values, byValue);
        expect(Array.from(inserted)).toEqual(Array.from(expected));
      }),
      { numRuns: 200 },
    );
  });
});
