import { compareCounts, describeMismatches, totalRows, type DatabaseCounts } from '../../../domain/backup-counts';

const recorded: DatabaseCounts = {
  tables: { 'public.firms': 2, 'public.clients': 3, 'public.backups': 1 },
  firms: { 'public.clients': { 'firm-a': 2, 'firm-b': 1 } },
};

describe('row count comparison', () => {
  it('finds no difference between equal counts, whatever the key order', () => {
    const same: DatabaseCounts = { tables: { 'public.backups': 1, 'public.clients': 3, 'public.firms': 2 }, firms: { 'public.clients': { 'firm-b': 1, 'firm-a': 2 } } };
    expect(compareCounts(recorded, same)).toEqual([]);
    expect(totalRows(same)).toBe(6);
  });

  it('names every table and firm that differs, and absent tables', () => {
    const restored: DatabaseCounts = { tables: { 'public.firms': 2, 'public.clients': 0, 'public.extra': 4 }, firms: { 'public.clients': {} } };
    expect(compareCounts(recorded, restored)).toEqual([
      { table: 'public.backups', expected: 1, actual: null },
      { table: 'public.clients', expected: 3, actual: 0 },
      { table: 'public.extra', expected: null, actual: 4 },
      { table: 'public.clients', firmId: 'firm-a', expected: 2, actual: null },
      { table: 'public.clients', firmId: 'firm-b', expected: 1, actual: null },
    ]);
    expect(describeMismatches(compareCounts(recorded, restored))).toBe(
      "row counts differ from the backup's snapshot: public.backups: expected 1 rows, restored absent; " +
        'public.clients: expected 3 rows, restored 0 rows; public.extra: expected absent, restored 4 rows; and 2 more',
    );
  });

  it('catches one firm losing a row even when the table total is unchanged', () => {
    const moved: DatabaseCounts = { tables: { ...recorded.tables }, firms: { 'public.clients': { 'firm-a': 1, 'firm-b': 2 } } };
    expect(compareCounts(recorded, moved).map((m) => m.firmId)).toEqual(['firm-a', 'firm-b']);
  });
});
