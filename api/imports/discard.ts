/**
 * Undoing an upload (docs/reconciliation.md, "Undoing an import"): `DELETE /api/imports/:id`.
 * An import no run depends on is `discarded` and its rows deleted; one that a run used (completed
 * or still in flight) is `superseded`: its rows stay so that run's results still read, but it is
 * no longer the period's latest import, so the close evidence and the next run take the import
 * before it. A failed run depends on nothing. Either way nothing in a closed period changes (422
 * `period_closed`, here and in the database), and asking again answers the same.
 */
import type { Knex } from 'knex';
import { Import } from '../../db/models/import';
import { setAuditAction } from '../../db/tenant';
import { notFound } from '../errors';
import { assertPeriodOpen } from '../periods/lock';

export type DiscardOutcome = { row: Import; changed: boolean };

const UNDONE = new Set(['discarded', 'superseded']);

export async function discardImport(trx: Knex.Transaction, importId: string, userId: string): Promise<DiscardOutcome> {
  // The row lock makes a double click apply once: the second waits, then finds it undone. FOR UPDATE,
  // not FOR NO KEY UPDATE: it also waits for a run being created on this import (whose foreign key
  // check holds FOR KEY SHARE until it commits), so the count below sees that run and the import's
  // rows are kept for it. No transaction holds the audit lock before it writes such a run.
  const row = await Import.query().findById(importId).forUpdate();
  if (!row) throw notFound('No such import.');
  await assertPeriodOpen(row.clientId, row.period);
  if (UNDONE.has(row.status)) return { row, changed: false };
  const { rows: runs } = await trx.raw<{ rows: Array<{ n: number }> }>(
    `select count(*)::int as n from reconciliation_runs
      where firm_id = app_current_firm() and status <> 'failed' and (register_import_id = ? or gstr2b_import_id = ?)`,
    [row.id, row.id],
  );
  const used = (runs[0]?.n ?? 0) > 0;
  const status = used ? 'superseded' : 'discarded';
  if (!used) await trx('import_rows').where({ import_id: row.id }).delete();
  await setAuditAction(trx, `import.${status}`);
  const updated = await Import.query().patchAndFetchById(row.id, { status, discardedAt: new Date(), discardedBy: userId } as Partial<Import>);
  await setAuditAction(trx, null);
  return { row: updated, changed: true };
}
