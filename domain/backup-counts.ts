/**
 * Row counts of a database, per table and per firm, and their exact comparison. Pure: the backup
 * records counts taken in the dump's own snapshot, the restore drill counts the restored copy, and
 * the workflow (deterministic code) compares them with this module.
 */

/** `tables` maps `schema.table` to its row count; `firms` maps a firm-scoped table to counts per firm id. */
export type DatabaseCounts = {
  tables: Record<string, number>;
  firms: Record<string, Record<string, number>>;
};

/** Rows whose firm_id is NULL (platform rows in a firm-scoped table) are counted under this key. */
export const NO_FIRM = '(none)';

export type CountMismatch = {
  table: string;
  /** Set when the mismatch is in one firm's rows of the table. */
  firmId?: string;
  /** null: the table (or firm) is absent on that side. */
  expected: number | null;
  actual: number | null;
};

function compareMaps(expected: Record<string, number>, actual: Record<string, number>, make: (key: string, e: number | null, a: number | null) => CountMismatch): CountMismatch[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  const mismatches: CountMismatch[] = [];
  for (const key of keys) {
    const e = Object.hasOwn(expected, key) ? (expected[key] ?? null) : null;
    const a = Object.hasOwn(actual, key) ? (actual[key] ?? null) : null;
    if (e !== a) mismatches.push(make(key, e, a));
  }
  return mismatches;
}

/** Every difference between the recorded counts and the restored copy's, tables first; empty when equal. */
export function compareCounts(expected: DatabaseCounts, actual: DatabaseCounts): CountMismatch[] {
  const tables = compareMaps(expected.tables, actual.tables, (table, e, a) => ({ table, expected: e, actual: a }));
  const firmTables = [...new Set([...Object.keys(expected.firms), ...Object.keys(actual.firms)])].sort();
  const firms = firmTables.flatMap((table) =>
    compareMaps(expected.firms[table] ?? {}, actual.firms[table] ?? {}, (firmId, e, a) => ({ table, firmId, expected: e, actual: a })),
  );
  return [...tables, ...firms];
}

function show(n: number | null): string {
  return n === null ? 'absent' : `${n} rows`;
}

/** A one-line reason naming the first few mismatches (the catalogue keeps the full list). */
export function describeMismatches(mismatches: CountMismatch[], limit = 3): string {
  const parts = mismatches
    .slice(0, limit)
    .map((m) => `${m.table}${m.firmId ? ` (firm ${m.firmId})` : ''}: expected ${show(m.expected)}, restored ${show(m.actual)}`);
  const more = mismatches.length > limit ? `; and ${mismatches.length - limit} more` : '';
  return `row counts differ from the backup's snapshot: ${parts.join('; ')}${more}`;
}

export function totalRows(counts: DatabaseCounts): number {
  return Object.values(counts.tables).reduce((sum, n) => sum + n, 0);
}
