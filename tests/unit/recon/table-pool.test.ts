/**
 * The engine's table pool (domain/recon/table-pool.ts): buffers reused from one run to the next,
 * every table handed out as clean as a new one, nothing reused while a result still needs it.
 */
import { reconcile, type ReconcileResult } from '../../../domain/recon';
import { setTablePoolLimit, TableLease, tablePoolStats } from '../../../domain/recon/table-pool';
import { generateReconData } from '../../../ops/bench/recon-data';

/** Large enough to be pooled (small tables are plain typed arrays). */
const BIG = 100_000;

function allRows(result: ReconcileResult): string {
  return JSON.stringify(result.rowsBetween(0, result.rowCount));
}

describe('TableLease', () => {
  afterEach(() => setTablePoolLimit(2 * 1024 ** 3));

  it('hands out a given-back buffer again, zero-filled or filled as asked', () => {
    const first = new TableLease();
    const dirty = first.i32(BIG);
    dirty.fill(7);
    first.release();
    const allocated = tablePoolStats().allocatedBytes;

    const second = new TableLease();
    const zeroed = second.i32(BIG);
    expect(zeroed.buffer).toBe(dirty.buffer);
    expect(zeroed.length).toBe(BIG);
    expect(zeroed.every((v) => v === 0)).toBe(true);
    second.release();

    const third = new TableLease();
    const filled = third.i32(BIG, -1);
    expect(filled.every((v) => v === -1)).toBe(true);
    const doubles = third.f64(BIG / 2, Number.NaN);
    expect(doubles.every((v) => Number.isNaN(v))).toBe(true);
    third.release();
    // Only the third lease's second table needed a new buffer (of the power-of-two size class the
    // Int32Array of BIG is in too); everything else came from what the first lease gave back.
    expect(tablePoolStats().allocatedBytes - allocated).toBe(2 ** Math.ceil(Math.log2(4 * BIG)));
  });

  it('hands out every kind of table clean, whether its buffer is new or was written before', () => {
    // New buffers are not filled (they are zero already); reused ones are. Each size here is its own
    // size class, so the first lease's tables are new and the second's are the same buffers again.
    const sizes = [BIG, 2 * BIG, 4 * BIG, 8 * BIG, 16 * BIG];
    for (const round of ['new', 'reused'] as const) {
      const lease = new TableLease();
      const allocated = tablePoolStats().allocatedBytes;
      const tables = [
        new Uint8Array(lease.buffer(sizes[0]!), 0, sizes[0]!),
        lease.i32(sizes[1]! / 4),
        lease.f64(sizes[2]! / 8),
        lease.u32(sizes[3]! / 4),
        lease.u8(sizes[4]!),
      ];
      const grew = tablePoolStats().allocatedBytes > allocated;
      expect({ round, grew }).toEqual({ round, grew: round === 'new' });
      tables.forEach((t, k) => {
        const firstDirty = t.findIndex((v: number) => v !== 0);
        expect({ round, table: k, firstDirty }).toEqual({ round, table: k, firstDirty: -1 });
        t.fill(9);
      });
      const filled = lease.i32(BIG / 8, 5);
      expect(filled.every((v) => v === 5)).toBe(true);
      lease.release();
    }
  });

  it('does not pool small tables', () => {
    const before = tablePoolStats();
    const lease = new TableLease();
    const small = lease.i32(100, -1);
    expect(Array.from(small.slice(0, 3))).toEqual([-1, -1, -1]);
    lease.release();
    expect(tablePoolStats()).toEqual(before);
  });

  it('gives a table back early, so the same lease can take it again (a hash table that grew)', () => {
    const lease = new TableLease();
    const old = lease.i32(BIG);
    lease.give(old);
    const again = lease.i32(BIG);
    expect(again.buffer).toBe(old.buffer);
    lease.release();
  });

  it('refuses use after release', () => {
    const lease = new TableLease();
    lease.release();
    expect(() => lease.i32(BIG)).toThrow('after release');
    expect(() => lease.buffer(BIG)).toThrow('after release');
  });

  it('keeps no more free bytes than its limit', () => {
    const lease = new TableLease();
    lease.i32(BIG);
    lease.f64(BIG);
    setTablePoolLimit(0);
    lease.release();
    expect(tablePoolStats().freeBytes).toBe(0);
  });
});

describe('reconcile with the table pool', () => {
  const data = generateReconData({ n: 20_000, seed: 21 });
  const other = generateReconData({ n: 15_000, seed: 22 });

  it('a second run of the same size allocates no new tables and gives the same rows', () => {
    const first = reconcile(data.books, data.portal);
    const rows = allRows(first);
    first.release();
    const allocated = tablePoolStats().allocatedBytes;
    const second = reconcile(data.books, data.portal);
    expect(tablePoolStats().allocatedBytes).toBe(allocated);
    expect(allRows(second)).toBe(rows);
    expect(second.summary).toEqual(first.summary);
    second.release();
  });

  it('never hands out the tables of a result that was not released', () => {
    const kept = reconcile(data.books, data.portal);
    const before = allRows(kept);
    // Further runs (over other data, released at once) while `kept` still needs its columns.
    for (let k = 0; k < 2; k += 1) reconcile(other.books, other.portal).release();
    expect(allRows(kept)).toBe(before);
    kept.release();
  });

  it('refuses rows not built yet after release; rows built before stay readable', () => {
    const result = reconcile(other.books, other.portal);
    result.release();
    expect(() => result.rowsBetween(0, 10)).toThrow('released');
    expect(() => result.results).toThrow('released');

    const built = reconcile(other.books, other.portal);
    const rows = built.results; // builds every row and gives the tables back by itself
    expect(built.rowsBetween(0, 3)).toEqual(rows.slice(0, 3));
    built.release();
    expect(built.results).toBe(rows);
  });
});
