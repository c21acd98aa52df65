/**
 * The table pool's reservation (domain/recon/table-pool.ts, reserveTables): a recorded run's tables,
 * scaled, set aside so that a larger run of that shape allocates no buffer of its own, and every
 * table it hands out from them is as clean as a new one.
 */
import { reconcile } from '../../../domain/recon';
import { prefaultReserved, recordTablePlan, reserveTables, setTablePoolLimit, TableLease, tablePoolStats } from '../../../domain/recon/table-pool';
import { warmUpDocuments } from '../../../domain/recon/warm-up';

/** Large enough to be pooled (small tables are plain typed arrays). */
const BIG = 100_000;

/** A run's shape: two tables, one given back early and taken again larger (a hash table that grew). */
function shape(n: number): Array<Int32Array | Float64Array> {
  const lease = new TableLease();
  const a = lease.i32(n);
  const b = lease.f64(n);
  lease.give(b);
  const c = lease.f64(2 * n, -1);
  const tables = [a, c];
  lease.release();
  return tables;
}

describe('reserveTables', () => {
  it('sets aside what a run four times as large takes, so that run allocates nothing, with clean tables', () => {
    const { plan } = recordTablePlan(() => shape(BIG));
    const before = tablePoolStats().allocatedBytes;
    const reserved = reserveTables(plan, 4);
    expect(reserved).toBeGreaterThan(0);
    expect(tablePoolStats().allocatedBytes - before).toBe(reserved);

    const lease = new TableLease();
    const a = lease.i32(4 * BIG);
    const b = lease.f64(4 * BIG);
    const c = lease.f64(8 * BIG, -1);
    expect(tablePoolStats().allocatedBytes - before).toBe(reserved);
    expect([a.findIndex((v) => v !== 0), b.findIndex((v) => v !== 0)]).toEqual([-1, -1]);
    expect(c.every((v) => v === -1)).toBe(true);
    lease.release();
  });

  it('sets aside nothing the free buffers already hold', () => {
    const { plan } = recordTablePlan(() => shape(2 * BIG));
    expect(reserveTables(plan, 1)).toBe(0);
  });

  it('leaves a larger reconciliation that takes the reserved tables its results, and allocates less for it', () => {
    const small = warmUpDocuments(2_000, 3);
    const large = warmUpDocuments(8_000, 4);
    // Each run below starts from an empty pool (nothing kept from the runs before it).
    const emptyPool = (): void => {
      setTablePoolLimit(0);
      setTablePoolLimit(2 * 1024 ** 3);
    };
    emptyPool();
    let allocated = tablePoolStats().allocatedBytes;
    const plain = reconcile(large.books, large.portal);
    const plainOwn = tablePoolStats().allocatedBytes - allocated;
    const rows = JSON.stringify(plain.rowsBetween(0, plain.rowCount));
    plain.release();

    emptyPool();
    const { plan } = recordTablePlan(() => reconcile(small.books, small.portal).release());
    expect(reserveTables(plan, 4)).toBeGreaterThan(0);
    allocated = tablePoolStats().allocatedBytes;
    const after = reconcile(large.books, large.portal);
    const afterOwn = tablePoolStats().allocatedBytes - allocated;
    expect(JSON.stringify(after.rowsBetween(0, after.rowCount))).toBe(rows);
    after.release();
    expect({ plainOwn, afterOwn, less: afterOwn < plainOwn }).toEqual({ plainOwn, afterOwn, less: true });
  });

  it('prefaults the set-aside tables a run would write, leaves them clean, and never writes one a run has taken', async () => {
    setTablePoolLimit(0);
    setTablePoolLimit(2 * 1024 ** 3);
    const { plan } = recordTablePlan(() => shape(BIG));
    const reserved = reserveTables(plan, 4);
    // A run takes one of the set-aside tables during the prefault's first pause and writes it.
    let taken: Int32Array | null = null;
    const lease = new TableLease();
    const written = await prefaultReserved(async () => {
      if (taken === null) {
        taken = lease.i32(4 * BIG);
        taken.fill(7);
      }
    }, 64 * 1024);
    expect(written).toBeGreaterThan(0);
    // Each scaled take's bytes at most (4 × (4 + 8 + 16) bytes a document), never a whole class.
    expect(written).toBeLessThanOrEqual(4 * BIG * 28);
    expect(written).toBeLessThan(reserved);
    expect(taken!.every((v) => v === 7)).toBe(true);
    const before = tablePoolStats().allocatedBytes;
    const b = lease.f64(4 * BIG);
    const c = lease.f64(8 * BIG, -1);
    expect(tablePoolStats().allocatedBytes).toBe(before);
    expect(b.findIndex((v) => v !== 0)).toBe(-1);
    expect(c.every((v) => v === -1)).toBe(true);
    lease.release();
  });
});
