/**
 * Reconciliation runs (docs/reconciliation.md, "Runs"): start one (a workflow; the same imports and options again give
 * the same run), follow its progress, read its results and suppliers, and export them.
 */
import { TypedSearchAttributes } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Knex } from 'knex';
import { z } from 'zod';
import { CATEGORIES, DEFAULT_MATCH_OPTIONS, type ResultRow, type SupplierSummary } from '../../domain/recon';
import { recordAuditEvent } from '../../db/audit';
import { Client } from '../../db/models/client';
import { Firm } from '../../db/models/firm';
import { Import } from '../../db/models/import';
import { ReconciliationRun } from '../../db/models/reconciliation-run';
import { purgedAt } from '../../db/retention';
import { istIso } from '../../domain/calendar/dates';
import type { TenantScope } from '../../db/tenant';
import { tenantSearchAttributes } from '../../workflows/search-attribute-definitions';
import { RECONCILIATION_WORKFLOW, reconciliationProgressQuery, type ReconciliationWorkflowInput } from '../../workflows/reconciliation-definitions';
import { ApiError, invalidInput, notFound, unprocessable } from '../errors';
import { decodeCursor, page, pageQuery } from '../pagination';
import { idParams, period } from '../schemas';
import { route, type AuthenticatedContext, type RouteSpec } from '../routes';
import type { TemporalHandle } from '../temporal-client';
import { csvExport, exportFileName, jsonExport, type ExportSource } from '../../db/reconciliation-export';
import { lockRowCommit } from '../../db/row-commit';
import { xlsxExport } from '../../db/reconciliation-workbook';
import { presentResult, presentSupplier, rupees } from '../../domain/recon/present';
import { importWarnings } from '../imports/plausibility-view';
import { periodLabeller } from '../periods/period-frequencies';
import { presentRun } from './present';
import { chaseableCount, reviewerSetAside, riskLess, riskLessBySupplier } from './supplier-risk';
import { assertSuppliersInRun } from './suppliers-in-run';
import { reconciliationRunId, reconciliationWorkflowId } from './workflow-id';


const startBody = z.object({
  period,
  registerImportId: z.uuid(),
  gstr2bImportId: z.uuid(),
  options: z
    .object({
      /** Rupees per tax field. */
      amountTolerance: z.number().min(0).max(10_000).optional(),
      dateWindowDays: z.number().int().min(0).max(366).optional(),
    })
    .strict()
    .optional(),
});
const runParams = z.object({ runId: z.uuid() });
const resultsQuery = z.object({ category: z.enum(CATEGORIES).optional(), supplierGstin: z.string().trim().toUpperCase().max(15).optional(), ...pageQuery });
const suppliersQuery = z.object(pageQuery);
const exportQuery = z.object({
  format: z.enum(['csv', 'xlsx', 'json']).default('csv'),
  /** Only this supplier's rows (and no other supplier's figures): the workbook for its follow-up. */
  supplierGstin: z.string().trim().toUpperCase().regex(/^[0-9A-Z]{15}$/, '15 characters').optional(),
});

async function findRun(runId: string): Promise<ReconciliationRun> {
  const run = await ReconciliationRun.query().findById(runId);
  if (!run) throw notFound('No such reconciliation.');
  return run;
}

export function requireCompleted(run: ReconciliationRun): void {
  // Results of a run in flight (or failed) are never shown as if they were the answer.
  if (run.status !== 'completed') throw new ApiError(409, 'reconciliation_not_completed', `This reconciliation is ${run.status}: results appear when it completes.`, { status: run.status });
}

async function checkImport(id: string, kind: 'gstr2b' | 'purchase_register', clientId: string, period: string, field: string): Promise<Import> {
  const row = await Import.query().findById(id);
  if (!row || row.clientId !== clientId) throw invalidInput({ fields: { [field]: 'no such import for this client' } });
  if (row.kind !== kind) throw invalidInput({ fields: { [field]: `is a ${row.kind} import, not ${kind}` } });
  if (row.period !== period) throw invalidInput({ fields: { [field]: `is for period ${row.period}, not ${period}` } });
  if (row.status !== 'validated') throw unprocessable('import_not_validated', `Import ${id} is ${row.status}: upload a valid file first.`, { [field]: row.status });
  return row;
}

function exportScope(ctx: AuthenticatedContext): TenantScope {
  const user = ctx.state.user;
  return { firmId: user.firmId, clientId: user.clientId, actor: { userId: user.id, email: user.email, role: user.role }, requestId: ctx.state.requestId };
}

export function reconciliationRoutes(deps: { knex: Knex; temporal: TemporalHandle }): RouteSpec[] {
  const { knex, temporal } = deps;

  async function liveProgress(run: ReconciliationRun): Promise<{ done: number; total: number }> {
    const stored = { done: run.progressDone, total: run.progressTotal };
    if (run.status === 'completed' || run.status === 'failed') return stored;
    try {
      const handle = temporal.client.workflow.getHandle(run.workflowId);
      const live = await Promise.race([
        handle.query(reconciliationProgressQuery),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000).unref()),
      ]);
      return live ? { done: live.done, total: live.total || stored.total } : stored;
    } catch {
      // Temporal unreachable or the workflow not started yet: what the database knows.
      return stored;
    }
  }

  return [
    route({
      method: 'post',
      path: '/api/clients/:id/reconciliations',
      action: 'reconciliations.run',
      params: idParams,
      body: startBody,
      async handler(ctx, { params, body }) {
        const client = await Client.query().findById(params.id);
        if (!client) throw notFound('No such client.');
        const register = await checkImport(body.registerImportId, 'purchase_register', client.id, body.period, 'registerImportId');
        const gstr2b = await checkImport(body.gstr2bImportId, 'gstr2b', client.id, body.period, 'gstr2bImportId');
        // Retention deleted the imports' rows (docs/data-export-and-erasure.md, "Retention"): a run over them would find nothing.
        const purged = await purgedAt(ctx.state.trx, client.id, body.period, 'source_files');
        if (purged) throw unprocessable('source_files_purged', `The period's uploaded files were deleted under the firm's retention setting on ${istIso(purged)}: upload them again to reconcile.`, { purgedAt: istIso(purged) });
        // Engine units, defaults filled in (the run's options, else the firm's defaults, else ours):
        // leaving an option out and giving its default are one run.
        const firmDefaults = (await Firm.query().findById(client.firmId))?.settings.reconciliationDefaults ?? {};
        const tolerance = body.options?.amountTolerance ?? firmDefaults.amountTolerance;
        const options = {
          amountTolerance: tolerance === undefined ? DEFAULT_MATCH_OPTIONS.amountTolerance : Math.round(tolerance * 100),
          dateWindowDays: body.options?.dateWindowDays ?? firmDefaults.dateWindowDays ?? DEFAULT_MATCH_OPTIONS.dateWindowDays,
        };
        const firmId = client.firmId;
        const workflowId = reconciliationWorkflowId({ firmId, clientId: client.id, period: body.period, registerImportId: register.id, gstr2bImportId: gstr2b.id, options });
        const trx = ctx.state.trx;
        // ON CONFLICT DO NOTHING: two identical requests at once both end up with the one row.
        // The id comes from the workflow id, not the database: if this transaction fails after the
        // workflow started, a retried request writes the run that workflow is still waiting for.
        await trx.raw(
          `insert into reconciliation_runs (id, firm_id, client_id, period, register_import_id, gstr2b_import_id, options, workflow_id, created_by)
           values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?) on conflict (firm_id, workflow_id) do nothing`,
          [reconciliationRunId(workflowId), firmId, client.id, body.period, register.id, gstr2b.id, JSON.stringify(options), workflowId, ctx.state.user.id],
        );
        let run = await ReconciliationRun.query().findOne({ workflow_id: workflowId });
        if (!run) throw new Error('reconciliation run vanished after insert');
        if (run.status === 'failed') {
          // Asking again for a failed run retries it (its workflow failed, so the id may be reused).
          run = await ReconciliationRun.query().patchAndFetchById(run.id, { status: 'queued', failureReason: null, progressDone: 0 } as Partial<ReconciliationRun>);
        }
        if (run.status === 'queued') {
          const input: ReconciliationWorkflowInput = { firmId, runId: run.id };
          // Held to the end of this transaction: the first step waits for it before it reads (db/row-commit.ts).
          await lockRowCommit(trx, run.id);
          try {
            await temporal.client.workflow.start(RECONCILIATION_WORKFLOW, {
              taskQueue: temporal.taskQueue,
              workflowId,
              args: [input],
              workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
              typedSearchAttributes: new TypedSearchAttributes(tenantSearchAttributes({ firmId, clientId: client.id, period: body.period })),
            });
            await recordAuditEvent(trx, { action: 'reconciliation.started', entityType: 'reconciliation', entityId: run.id, after: { workflowId, registerImportId: register.id, gstr2bImportId: gstr2b.id, options } });
          } catch (error) {
            // Already running or finished under this id: the same request again, the same run.
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          }
        }
        ctx.status = 202;
        // The imports' plausibility warnings (dates outside the period…), so a run on the wrong file is noticed now.
        ctx.body = { runId: run.id, workflowId, status: run.status, warnings: importWarnings([register, gstr2b]) };
      },
    }),
    route({
      method: 'get',
      path: '/api/reconciliations/:runId',
      action: 'reconciliations.read',
      params: runParams,
      async handler(ctx, { params }) {
        const run = await findRun(params.runId);
        // A completed run's figures leave out what a reviewer set aside, as every view of it does (db/reconciliation-set-aside.ts).
        const aside = run.status === 'completed' && run.summary ? await reviewerSetAside(ctx.state.trx, run) : undefined;
        // The period as the runs lists and the periods list name it (a quarterly filer's by its quarter).
        const periodLabel = (await periodLabeller(ctx.state.trx, ctx.state.user.firmId, [run]))(run);
        ctx.body = { ...presentRun(run, await liveProgress(run), aside), periodLabel };
      },
    }),
    route({
      method: 'get',
      path: '/api/reconciliations/:runId/results',
      action: 'reconciliations.read',
      params: runParams,
      query: resultsQuery,
      async handler(ctx, { params, query }) {
        const run = await findRun(params.runId);
        requireCompleted(run);
        const after = decodeCursor(query.cursor, 1);
        const q = ctx.state.trx('reconciliation_results').select('seq', 'row').where({ run_id: run.id }).orderBy('seq').limit(query.limit + 1);
        if (query.category) q.where({ category: query.category });
        if (query.supplierGstin) q.where({ supplier_gstin: query.supplierGstin });
        if (after) q.where('seq', '>', Number(after[0]));
        const rows: Array<{ seq: number; row: ResultRow }> = await q;
        const result = page(rows, query.limit, (r) => [r.seq]);
        ctx.body = { items: result.items.map((r) => presentResult(r.row)), nextCursor: result.nextCursor };
      },
    }),
    route({
      method: 'get',
      path: '/api/reconciliations/:runId/suppliers',
      action: 'reconciliations.read',
      params: runParams,
      query: suppliersQuery,
      async handler(ctx, { params, query }) {
        const run = await findRun(params.runId);
        requireCompleted(run);
        const after = decodeCursor(query.cursor, 2);
        const trx = ctx.state.trx;
        // Each line's ITC at risk less its documents set aside by a reviewer (db/reconciliation-set-aside.ts),
        // sorted and paged by that figure, largest first: the cursor carries (risk, gstin) of the last line.
        // Credit notes not in 2B are left out of it too (domain/recon/risk-shown.ts), and shown on their own.
        const aside = await reviewerSetAside(trx, run);
        const less = riskLessBySupplier(aside);
        const q = trx('reconciliation_suppliers as s').select('s.supplier_gstin', 's.summary').where('s.run_id', run.id).limit(query.limit + 1);
        let risk = 's.itc_at_risk';
        if (less.size > 0) {
          q.joinRaw('left join jsonb_to_recordset(?::jsonb) as aside(gstin text, paise bigint) on aside.gstin = s.supplier_gstin', [JSON.stringify([...less].map(([gstin, paise]) => ({ gstin, paise })))]);
          risk = '(s.itc_at_risk - coalesce(aside.paise, 0))';
        }
        q.select(trx.raw(`${risk} as risk`)).orderByRaw(`${risk} desc, s.supplier_gstin`);
        if (after) q.whereRaw(`(${risk} < ?::bigint or (${risk} = ?::bigint and s.supplier_gstin > ?))`, [after[0]!, after[0]!, after[1]!]);
        const rows: Array<{ supplier_gstin: string; risk: string; summary: SupplierSummary }> = await q;
        const result = page(rows, query.limit, (r) => [String(r.risk), r.supplier_gstin]);
        ctx.body = {
          items: result.items.map((r) => {
            const setAside = aside.risk.get(r.supplier_gstin) ?? 0;
            const creditNotes = aside.creditNotes.risk.get(r.supplier_gstin) ?? 0;
            return {
              ...presentSupplier({ ...r.summary, itcAtRisk: r.summary.itcAtRisk - riskLess(aside, r.supplier_gstin) }),
              itcSetAside: rupees(setAside),
              creditNotesNotIn2b: rupees(creditNotes),
              chaseableCount: chaseableCount(r.summary, aside),
            };
          }),
          nextCursor: result.nextCursor,
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/reconciliations/:runId/export',
      action: 'reconciliations.export',
      params: runParams,
      query: exportQuery,
      async handler(ctx, { params, query }) {
        const run = await findRun(params.runId);
        requireCompleted(run);
        // A statement to a supplier the run does not know would be a blank letter asking for corrections.
        if (query.supplierGstin) await assertSuppliersInRun(ctx.state.trx, run.id, [query.supplierGstin]);
        const client = await Client.query().findById(run.clientId);
        await recordAuditEvent(ctx.state.trx, { action: 'reconciliation.exported', entityType: 'reconciliation', entityId: run.id, after: { format: query.format, supplierGstin: query.supplierGstin ?? null } });
        const src: ExportSource = { knex, scope: exportScope(ctx), runId: run.id, supplierGstin: query.supplierGstin };
        const name = exportFileName({ clientGstin: client?.gstin ?? null, period: run.period, supplierGstin: query.supplierGstin });
        ctx.set('content-disposition', `attachment; filename="${name}.${query.format}"`);
        if (query.format === 'csv') {
          ctx.type = 'text/csv; charset=utf-8';
          ctx.body = csvExport(src);
        } else if (query.format === 'json') {
          ctx.type = 'application/json; charset=utf-8';
          // A supplier's export carries no figures of the whole run (other suppliers' totals).
          const header = query.supplierGstin ? { runId: run.id, period: run.period, supplierGstin: query.supplierGstin } : presentRun(run, { done: run.progressDone, total: run.progressTotal }, await reviewerSetAside(ctx.state.trx, run));
          ctx.body = jsonExport(src, header);
        } else {
          ctx.type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
          ctx.body = xlsxExport(src);
        }
      },
    }),
  ];
}
