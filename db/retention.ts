/**
 * Retention's database half (docs/data-export-and-erasure.md, "Retention"): what the plan reads
 * (a firm's settings, the seeded statutory rules, its periods and what was purged), the settings
 * write, and the purge of one planned item.
 *
 * What each class deletes is named here against the client data catalogue: only catalogued,
 * erasable per-client tables, so retention deletes nothing export and erasure do not know about.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { financialYear } from '../domain/calendar/rules';
import { DEFAULT_RETENTION_SETTINGS, RETENTION_CLASSES, type RetentionClass, type RetentionItem, type RetentionPeriod, type RetentionRule, type RetentionSettings, type RetentionTotals } from '../domain/retention';
import { CLIENT_TABLES } from './client-data-catalogue';
import { lockKey } from './advisory-lock';
import { setAuditAction } from './tenant';

/**
 * The tables each class purges: rows of one client and period (each has firm_id, client_id and
 * period columns), reached through their parent rows so the delete uses the table's primary key
 * (firm_id, parent id, …) instead of scanning the firm's rows.
 */
type PurgedTable = { table: string; parent: string; via: string };
const RETENTION_SPECS: Record<RetentionClass, readonly PurgedTable[]> = {
  // The parsed contents of the uploaded GSTR-2B and purchase register; the import's record (name, size, SHA-256) stays.
  source_files: [{ table: 'import_rows', parent: 'imports', via: 'import_id' }],
  // The run's result lines and supplier summaries; the run with its summary, and the manual decisions, stay.
  reconciliation_results: [
    { table: 'reconciliation_results', parent: 'reconciliation_runs', via: 'run_id' },
    { table: 'reconciliation_suppliers', parent: 'reconciliation_runs', via: 'run_id' },
  ],
};

export const RETENTION_TABLES: Record<RetentionClass, readonly string[]> = {
  source_files: RETENTION_SPECS.source_files.map((s) => s.table),
  reconciliation_results: RETENTION_SPECS.reconciliation_results.map((s) => s.table),
};

for (const table of Object.values(RETENTION_TABLES).flat()) {
  if (CLIENT_TABLES[table]?.erase !== 'delete') throw new Error(`retention purges ${table}, which the client data catalogue does not list as erasable`);
}

/** Rows of `spec.table` of one client and period. */
function periodRowsOf(trx: Knex, spec: PurgedTable, firmId: string, clientId: string, period: string): Knex.QueryBuilder {
  const key = { firm_id: firmId, client_id: clientId, period };
  return trx(spec.table)
    .where('firm_id', firmId)
    .whereIn(spec.via, trx(spec.parent).where(key).select('id'))
    .andWhere({ client_id: clientId, period });
}

export type RetentionState = {
  settings: RetentionSettings;
  rules: RetentionRule[];
  periods: RetentionPeriod[];
  annualReturnDueDates: Record<string, string>;
  updatedAt: Date | null;
  updatedBy: string | null;
};

type RuleRow = { data_class: RetentionClass; min_months: number; anchor_months_after_year_end: number; anchor_day: number; reference: string; version: string };

export async function loadRetentionRules(trx: Knex): Promise<RetentionRule[]> {
  const rows: RuleRow[] = await trx('retention_rules').select('*').orderBy('data_class');
  return rows.map((r) => ({ dataClass: r.data_class, minMonths: r.min_months, anchorMonthsAfterYearEnd: r.anchor_months_after_year_end, anchorDay: r.anchor_day, reference: r.reference, version: r.version }));
}

export async function loadRetentionSettings(trx: Knex, firmId: string): Promise<{ settings: RetentionSettings; updatedAt: Date | null; updatedBy: string | null }> {
  const row = await trx('retention_settings').where({ firm_id: firmId }).first();
  if (!row) return { settings: { ...DEFAULT_RETENTION_SETTINGS }, updatedAt: null, updatedBy: null };
  return {
    settings: { source_files: row.source_files_months ?? null, reconciliation_results: row.reconciliation_results_months ?? null },
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/** Everything the plan needs, read in the caller's firm-scoped transaction. */
export async function loadRetentionState(trx: Knex, firmId: string, clientId?: string): Promise<RetentionState> {
  const { settings, updatedAt, updatedBy } = await loadRetentionSettings(trx, firmId);
  const rules = await loadRetentionRules(trx);
  const periodQuery = trx('periods').where({ firm_id: firmId }).select('client_id', 'period', 'state');
  const purgeQuery = trx('retention_purges').where({ firm_id: firmId }).select('client_id', 'period', 'data_class', 'purged_at');
  if (clientId) {
    periodQuery.andWhere({ client_id: clientId });
    purgeQuery.andWhere({ client_id: clientId });
  }
  const purged = new Map<string, RetentionPeriod['purged']>();
  for (const p of (await purgeQuery) as Array<{ client_id: string; period: string; data_class: RetentionClass; purged_at: Date }>) {
    const key = `${p.client_id}|${p.period}`;
    purged.set(key, { ...purged.get(key), [p.data_class]: new Date(p.purged_at).toISOString() });
  }
  const periods = ((await periodQuery) as Array<{ client_id: string; period: string; state: RetentionPeriod['state'] }>).map((p) => ({
    clientId: p.client_id,
    period: p.period,
    state: p.state,
    purged: purged.get(`${p.client_id}|${p.period}`) ?? {},
  }));
  // A notified extension of the annual return moves the statutory clock later: the latest one for any state counts.
  const extensions: Array<{ period: string; due_date: string }> = await trx('calendar_extensions')
    .where({ firm_id: firmId, return_type: 'GSTR-9' })
    .select('period', trx.raw('due_date::text as due_date'));
  const annualReturnDueDates: Record<string, string> = {};
  for (const e of extensions) {
    const fy = financialYear(e.period);
    if (!annualReturnDueDates[fy] || e.due_date > annualReturnDueDates[fy]) annualReturnDueDates[fy] = e.due_date;
  }
  return { settings, rules, periods, annualReturnDueDates, updatedAt, updatedBy };
}

/** Writes the firm's settings (audited by the table's trigger, under the caller's action name). */
export async function saveRetentionSettings(trx: Knex.Transaction, firmId: string, settings: RetentionSettings, userId: string | null): Promise<void> {
  await setAuditAction(trx, 'settings.retention_updated');
  await trx('retention_settings')
    .insert({ firm_id: firmId, source_files_months: settings.source_files, reconciliation_results_months: settings.reconciliation_results, updated_by: userId })
    .onConflict('firm_id')
    .merge({ source_files_months: settings.source_files, reconciliation_results_months: settings.reconciliation_results, updated_by: userId, updated_at: trx.fn.now() });
  await setAuditAction(trx, null);
}

/** Rows of one client and period in each table of a class (what a purge would delete). */
export async function countRetentionRows(trx: Knex, firmId: string, item: { clientId: string; period: string; dataClass: RetentionClass }): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const spec of RETENTION_SPECS[item.dataClass]) {
    const [row] = await periodRowsOf(trx, spec, firmId, item.clientId, item.period).count({ n: '*' });
    counts[spec.table] = Number(row?.n ?? 0);
  }
  return counts;
}

export type PurgeOutcome =
  | { outcome: 'purged'; purgeId: string; counts: Record<string, number> }
  | { outcome: 'already_purged'; purgeId: string; counts: Record<string, number> }
  /** The period was reopened (or is no longer there) since the plan was made: nothing deleted. */
  | { outcome: 'skipped_not_closed' };

/**
 * Purges one `due` item in the caller's transaction, which must be the database owner's, scoped to
 * the firm: records the purge (audited as `retention.purged`), opens the lock exception for exactly
 * this client, period and the class's tables, deletes, and closes the exception again. A second
 * call for the same item finds the record and deletes nothing (a retried activity).
 */
export async function purgeRetentionItem(trx: Knex.Transaction, firmId: string, runId: string, item: RetentionItem): Promise<PurgeOutcome> {
  if (item.status !== 'due' || item.retainMonths === null || !item.keepUntil || !item.purgeOn) throw new Error(`retention item ${item.clientId} ${item.period} ${item.dataClass} is not due`);
  const key = { firm_id: firmId, client_id: item.clientId, period: item.period };
  await lockKey(trx, `taalmel.retention:${firmId}:${item.clientId}:${item.period}:${item.dataClass}`);
  const done = await trx('retention_purges').where({ ...key, data_class: item.dataClass }).first('id', 'counts');
  if (done) return { outcome: 'already_purged', purgeId: done.id, counts: done.counts };
  // Row-locked so a reopen cannot slip in between this check and the deletes.
  const period = await trx('periods').where(key).forUpdate().first('state');
  if (period?.state !== 'closed') return { outcome: 'skipped_not_closed' };

  const tables = RETENTION_TABLES[item.dataClass];
  const counts = await countRetentionRows(trx, firmId, item);
  const purgeId = randomUUID();
  await setAuditAction(trx, 'retention.purged');
  await trx('retention_purges').insert({
    id: purgeId,
    ...key,
    data_class: item.dataClass,
    run_id: runId,
    retain_months: item.retainMonths,
    keep_until: item.keepUntil,
    purge_on: item.purgeOn,
    counts: JSON.stringify(counts),
  });
  await setAuditAction(trx, null);
  await trx('retention_purges_in_progress').insert({ id: purgeId, ...key, tables: trx.raw('?::text[]', [`{${tables.join(',')}}`]) });
  for (const spec of RETENTION_SPECS[item.dataClass]) {
    const deleted = await periodRowsOf(trx, spec, firmId, item.clientId, item.period).del();
    if (deleted !== counts[spec.table]) throw new Error(`retention purge of ${spec.table}: counted ${counts[spec.table]} rows, deleted ${deleted}`);
  }
  await trx('retention_purges_in_progress').where({ id: purgeId }).del();
  return { outcome: 'purged', purgeId, counts };
}

/** Items and rows purged by one run, per class. */
export async function retentionRunTotals(trx: Knex, firmId: string, runId: string): Promise<RetentionTotals> {
  const totals = Object.fromEntries(RETENTION_CLASSES.map((c) => [c, { items: 0, rows: 0 }])) as RetentionTotals;
  const rows: Array<{ data_class: RetentionClass; counts: Record<string, number> }> = await trx('retention_purges').where({ firm_id: firmId, run_id: runId }).select('data_class', 'counts');
  for (const r of rows) {
    totals[r.data_class].items += 1;
    totals[r.data_class].rows += Object.values(r.counts).reduce((a, b) => a + b, 0);
  }
  return totals;
}

/** When retention purged a class of a client's period (null when it did not): a purged import has no rows left to reconcile. */
export async function purgedAt(trx: Knex, clientId: string, period: string, dataClass: RetentionClass): Promise<Date | null> {
  const row = await trx('retention_purges').where({ client_id: clientId, period, data_class: dataClass }).first('purged_at');
  return row ? new Date(row.purged_at) : null;
}
