/** Pure rules of export and erasure: the export's expiry, how long backups hold erased data, the deletion order. */
import { deletionOrder } from '../../../db/client-data-catalogue';
import { backupsHoldDataUntil, DEFAULT_EXPORT_TTL_MS, exportPlan } from '../../../domain/data-protection';

describe('exportPlan', () => {
  it('expires 24 hours after the request unless told otherwise', () => {
    const at = new Date('2026-12-04T10:00:00Z');
    expect(exportPlan(at)).toEqual({ requestedAt: '2026-12-04T10:00:00.000Z', expiresAt: '2026-12-05T10:00:00.000Z' });
    expect(exportPlan(at, 4000).expiresAt).toBe('2026-12-04T10:00:04.000Z');
    expect(DEFAULT_EXPORT_TTL_MS).toBe(86_400_000);
  });
  it('refuses a time that is not positive', () => {
    expect(() => exportPlan(new Date(), 0)).toThrow(/positive/);
    expect(() => exportPlan(new Date(), Number.NaN)).toThrow(/positive/);
  });
});

describe('backupsHoldDataUntil', () => {
  const erasedAt = new Date('2026-12-04T10:00:00Z');
  it('is bounded by the monthly slots under the default rotation: the first day of month M + 6', () => {
    expect(backupsHoldDataUntil(erasedAt, { daily: 7, weekly: 4, monthly: 6 }).toISOString()).toBe('2027-06-01T00:00:00.000Z');
  });
  it('falls back to weekly and daily slots without monthly ones', () => {
    expect(backupsHoldDataUntil(erasedAt, { daily: 7, weekly: 4, monthly: 0 }).toISOString()).toBe('2027-01-08T10:00:00.000Z');
    expect(backupsHoldDataUntil(erasedAt, { daily: 7, weekly: 0, monthly: 0 }).toISOString()).toBe('2026-12-11T10:00:00.000Z');
    expect(backupsHoldDataUntil(erasedAt, { daily: 0, weekly: 0, monthly: 0 })).toEqual(erasedAt);
  });
});

describe('deletionOrder', () => {
  it('deletes children before parents, ties in name order', () => {
    const edges = [
      { child: 'reconciliation_runs', parent: 'imports' },
      { child: 'reconciliation_results', parent: 'reconciliation_runs' },
      { child: 'import_rows', parent: 'imports' },
      { child: 'close_requests', parent: 'periods' },
    ];
    const order = deletionOrder(['imports', 'import_rows', 'reconciliation_runs', 'reconciliation_results', 'periods', 'close_requests'], edges);
    expect(order).toEqual(['close_requests', 'import_rows', 'reconciliation_results', 'periods', 'reconciliation_runs', 'imports']);
    for (const e of edges) expect(order.indexOf(e.child)).toBeLessThan(order.indexOf(e.parent));
  });
  it('refuses a cycle instead of looping', () => {
    expect(() => deletionOrder(['a', 'b'], [{ child: 'a', parent: 'b' }, { child: 'b', parent: 'a' }])).toThrow(/cycle/);
  });
});
