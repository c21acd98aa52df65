/**
 * Manual actions on a completed reconciliation (docs/reconciliation.md, "Manual actions"): link, unlink, accept, mark pending or
 * ignored, clear a mark. Each action changes the stored result rows in place, moves the run
 * summary and the affected suppliers' lines by exactly the rows it replaced, and is stored as a
 * decision of the client and period, so a later run on new imports applies it again (see
 * domain/recon/manual.ts). The run row is locked for the transaction: two clicks at once are
 * applied one after the other, and the second finds the rows already changed. A repeat of the
 * row's last decision (same action, same note, its state already there) changes and records
 * nothing (`isRepeat`), so a double click never records a decision twice.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { CATEGORIES, summariseSuppliers, type Category, type ResultRow, type RunSummary } from '../../domain/recon';
import {
  acceptRow, adjustRunSummary, linkRows, ManualActionError, markRow, rowKeys, unlinkRow,
} from '../../domain/recon/manual';
import type { RowDecision } from '../../domain/recon/matcher';
import { ReconciliationRun } from '../../db/models/reconciliation-run';
import { setAuditAction } from '../../db/tenant';
import { ApiError, conflict, notFound, unprocessable } from '../errors';
import { assertPeriodOpen } from '../periods/lock';
import { route, type RouteSpec } from '../routes';
import type { AppState } from '../state';
import { presentResult } from '../../domain/recon/present';

const resultId = z.string().min(3).max(2000);
const note = z.string().trim().max(2000).optional();
const actionBody = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('link'), booksResultId: resultId, portalResultId: resultId, note,
    /** Links a books row and a 2B document of two different supplier GSTINs (docs/api.md); else 422 gstin_mismatch. */
    confirmDifferentGstin: z.boolean().optional(),
  }).strict(),
  z.object({ action: z.literal('unlink'), resultId, note }).strict(),
  z.object({ action: z.literal('accept'), resultId, note }).strict(),
  z.object({ action: z.literal('pending'), resultId, note }).strict(),
  z.object({ action: z.literal('ignore'), resultId, note: z.string().trim().min(1, 'a reason is required').max(2000) }).strict(),
  z.object({ action: z.literal('clear'), resultId, note }).strict(),
]);
type ActionBody = z.infer<typeof actionBody>;
const runParams = z.object({ runId: z.uuid() });

type StoredRow = { seq: number; row: ResultRow };
type StoredSummary = { run: RunSummary; resultCounts: Record<Category, number>; results: number; decisions?: number } & Record<string, unknown>;

/** What an action does to the stored rows: rows to rewrite in place, to add after a seq, to delete. */
type Change = { update: StoredRow[]; insertAfter: Array<{ after: number; row: ResultRow }>; remove: StoredRow[] };

async function lockRun(trx: Knex.Transaction, runId: string): Promise<ReconciliationRun> {
  // FOR NO KEY UPDATE: actions on one run still take turns, but a transaction that holds the firm's
  // audit lock and then writes a row referencing the run is not stopped (docs/architecture.md, "Locks").
  const run = await ReconciliationRun.query(trx).findById(runId).forNoKeyUpdate();
  if (!run) throw notFound('No such reconciliation.');
  if (run.status !== 'completed') throw new ApiError(409, 'reconciliation_not_completed', `This reconciliation is ${run.status}: act on its results when it completes.`, { status: run.status });
  // Decisions are made on the period's current answer, not on a run a newer one replaced.
  const latest = await trx('reconciliation_runs')
    .select('id')
    .where({ client_id: run.clientId, period: run.period, status: 'completed' })
    .orderBy([{ column: 'completed_at', order: 'desc', nulls: 'last' }, { column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .first();
  if (latest && latest.id !== run.id) throw conflict('reconciliation_superseded', 'A newer reconciliation of this period exists: act on its results.', { latestRunId: latest.id });
  return run;
}

async function rowsById(trx: Knex.Transaction, runId: string, ids: string[]): Promise<StoredRow[]> {
  // Not row-locked: the run's lock (lockRun, taken first) serialises every action on the run, and
  // under read committed this read, made after it, sees what the last action committed. A second
  // lock here would only add an order (run, then rows) for others to get wrong.
  const rows: StoredRow[] = await trx('reconciliation_results').select('seq', 'row').where({ run_id: runId }).whereRaw("row->>'id' = any(?)", [ids]);
  return ids.map((id) => {
    const found = rows.find((r) => r.row.id === id);
    if (!found) throw notFound(`No result row ${JSON.stringify(id)} in this reconciliation (it may have changed: reload the results).`);
    return { seq: Number(found.seq), row: found.row };
  });
}

/**
 * The same click again: an accepted probable match accepted again, or a mark whose row already
 * carries it as its last decision with the same note (a mark with another note is a new decision:
 * the note changes). Links and unlinks need no test: the rows a repeat names are gone (404).
 */
function isRepeat(body: ActionBody, row: ResultRow): boolean {
  if (body.action === 'accept') return row.category === 'probable_match' && row.accepted;
  if (body.action !== 'pending' && body.action !== 'ignore' && body.action !== 'clear') return false;
  const last = row.decisions?.at(-1);
  if (!last || last.action !== body.action || (last.note ?? null) !== (body.note || null)) return false;
  const state = { pending: 'pending', ignore: 'ignored', clear: undefined }[body.action];
  return row.userStatus === state;
}

function plan(body: ActionBody, rows: StoredRow[], d: RowDecision, options: ReconciliationRun['options']): Change {
  const [first, second] = rows;
  switch (body.action) {
    case 'link':
      return { update: [{ seq: first!.seq, row: linkRows(first!.row, second!.row, d, options, body.confirmDifferentGstin === true) }], insertAfter: [], remove: [second!] };
    case 'unlink': {
      const [books, portal] = unlinkRow(first!.row, d, options);
      return { update: [{ seq: first!.seq, row: books }], insertAfter: [{ after: first!.seq, row: portal }], remove: [] };
    }
    case 'accept':
      return { update: [{ seq: first!.seq, row: acceptRow(first!.row, d, options) }], insertAfter: [], remove: [] };
    default:
      return { update: [{ seq: first!.seq, row: markRow(first!.row, d) }], insertAfter: [], remove: [] };
  }
}

/** Between this row and the next (an unlinked pair's portal half sits right after its books half). */
async function seqAfter(trx: Knex.Transaction, runId: string, seq: number): Promise<number> {
  const next = await trx('reconciliation_results').min({ s: 'seq' }).where({ run_id: runId }).where('seq', '>', seq).first();
  const upper = next?.s === null || next?.s === undefined ? seq + 1 : Number(next.s);
  return (seq + upper) / 2;
}

export function reconciliationActionRoutes(): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/reconciliations/:runId/actions',
      action: 'reconciliations.decide',
      params: runParams,
      body: actionBody,
      async handler(ctx, { params, body }) {
        const state = ctx.state as AppState;
        const trx = state.trx!;
        const user = state.user!;
        const run = await lockRun(trx, params.runId);
        await assertPeriodOpen(run.clientId, run.period);
        const ids = body.action === 'link' ? [body.booksResultId, body.portalResultId] : [body.resultId];
        const rows = await rowsById(trx, run.id, ids);
        if (isRepeat(body, rows[0]!.row)) {
          // Already so (a second click, or auto-accepted): nothing to change or record.
          ctx.body = { items: [presentResult(rows[0]!.row)], removed: [] };
          return;
        }
        // The decision's audit event (written by the table's trigger) is named for the action.
        await setAuditAction(trx, `reconciliation.${body.action}`);
        const [decision] = await trx('reconciliation_decisions')
          .insert({
            firm_id: run.firmId, client_id: run.clientId, period: run.period, run_id: run.id, action: body.action,
            result_id: ids.join(' + '),
            // The documents the decision is about, by content (a link: the books row's and the portal row's).
            books_key: rowKeys(rows[0]!.row).booksKey,
            portal_key: rowKeys(rows[rows.length - 1]!.row).portalKey,
            note: body.note || null, created_by: user.id, created_by_email: user.email,
          })
          .returning(['id', 'created_at']);
        await setAuditAction(trx, null);
        const d: RowDecision = { id: decision.id, action: body.action, note: body.note || null, by: user.email, at: new Date(decision.created_at).toISOString() };

        let change: Change;
        try {
          change = plan(body, rows, d, run.options);
        } catch (error) {
          if (error instanceof ManualActionError && error.code === 'gstin_mismatch') {
            // The request is fine and the rows can be linked, but only with the person's say-so: 422, not 409.
            throw unprocessable(error.code, error.message, { booksSupplierGstin: rows[0]!.row.books?.supplierGstin ?? null, portalSupplierGstin: rows[1]!.row.portal?.supplierGstin ?? null });
          }
          if (error instanceof ManualActionError && error.code === 'document_type_mismatch') {
            // Two documents of different kinds are never one document: no confirmation makes the link (docs/api.md).
            throw unprocessable(error.code, error.message, { booksDocType: rows[0]!.row.books?.docType ?? null, portalDocType: rows[1]!.row.portal?.docType ?? null });
          }
          if (error instanceof ManualActionError) throw conflict(error.code, error.message);
          throw error;
        }
        const scope = { firm_id: run.firmId, client_id: run.clientId, run_id: run.id, period: run.period };
        for (const u of change.update) {
          await trx('reconciliation_results').where({ run_id: run.id, seq: u.seq })
            .update({ category: u.row.category, supplier_gstin: u.row.supplierGstin, row: JSON.stringify(u.row) });
        }
        for (const i of change.insertAfter) {
          await trx('reconciliation_results').insert({ ...scope, seq: await seqAfter(trx, run.id, i.after), category: i.row.category, supplier_gstin: i.row.supplierGstin, row: JSON.stringify(i.row) });
        }
        for (const r of change.remove) await trx('reconciliation_results').where({ run_id: run.id, seq: r.seq }).delete();

        const before = rows.map((r) => r.row);
        const after = [...change.update.map((u) => u.row), ...change.insertAfter.map((i) => i.row)];
        await moveSummary(trx, run, before, after);
        await restateSuppliers(trx, run, [...before, ...after].map((r) => r.supplierGstin));
        ctx.body = { items: after.map(presentResult), removed: change.remove.map((r) => r.row.id) };
      },
    }),
  ];
}

/** The stored run summary moved by the replaced rows; `decisions` counts the actions taken on the run. */
async function moveSummary(trx: Knex.Transaction, run: ReconciliationRun, before: ResultRow[], after: ResultRow[]): Promise<void> {
  const stored = run.summary as StoredSummary | null;
  if (!stored) return;
  const counts = { ...stored.resultCounts };
  for (const c of CATEGORIES) counts[c] = counts[c] ?? 0;
  for (const r of before) counts[r.category] -= 1;
  for (const r of after) counts[r.category] += 1;
  const summary: StoredSummary = {
    ...stored,
    run: adjustRunSummary(stored.run, before, after),
    resultCounts: counts,
    results: stored.results - before.length + after.length,
    decisions: (stored.decisions ?? 0) + 1,
  };
  await trx('reconciliation_runs').where({ id: run.id }).update({ summary: JSON.stringify(summary), updated_at: trx.fn.now() });
}

/** Recomputes the supplier lines of the suppliers whose rows changed, from all their rows in result order. */
async function restateSuppliers(trx: Knex.Transaction, run: ReconciliationRun, gstins: string[]): Promise<void> {
  const touched = [...new Set(gstins)];
  const rows: Array<{ row: ResultRow }> = await trx('reconciliation_results').select('row').where({ run_id: run.id }).whereIn('supplier_gstin', touched).orderBy('seq');
  // Runs carry no 2A supplier signals (as in the activity), so none are passed here either.
  const lines = summariseSuppliers(rows.map((r) => r.row));
  await trx('reconciliation_suppliers').where({ run_id: run.id }).whereIn('supplier_gstin', touched).delete();
  for (const s of lines) {
    await trx('reconciliation_suppliers').insert({ firm_id: run.firmId, client_id: run.clientId, run_id: run.id, period: run.period, supplier_gstin: s.supplierGstin, itc_at_risk: s.itcAtRisk, summary: JSON.stringify(s) });
  }
}
