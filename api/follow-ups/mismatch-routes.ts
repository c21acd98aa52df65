/**
 * Mismatch follow-ups (docs/follow-ups.md, "Mismatch follow-ups"): from a completed reconciliation,
 * a follow-up to the client naming suppliers. Its items are those suppliers' documents the client
 * must act on (in the supplier's GSTR-1 but not in the books; reported with different details), one
 * per document, and each message attaches each supplier's statement (built by the sending activity).
 *
 * With `recipient: "supplier"` it is a supplier chase instead (docs/follow-ups.md, "Supplier
 * chases"): one supplier, its address, and items for its documents missing in GSTR-2B or reported
 * differently; the letters go to the supplier on the client's behalf and stop when a later 2B shows
 * the documents.
 *
 * The run is read in the request's transaction (another firm's run is not found); the suppliers
 * must be in its results and have something to chase; a supplier already being chased from this run
 * by a live follow-up to the same recipient is refused, so one mistake does not send two letters a day.
 */
import { z } from 'zod';
import { LIVE_STATUSES } from '../../db/follow-ups';
import { lockKey } from '../../db/advisory-lock';
import { shownInLaterImports } from '../../db/supplier-chases';
import { Client } from '../../db/models/client';
import { ReconciliationRun } from '../../db/models/reconciliation-run';
import { CHASED_CATEGORIES, chasedDocumentOf, isChased, isSupplierChased, mismatchItemDescription, mismatchTitle, SUPPLIER_CHASED_CATEGORIES, supplierChaseTitle, supplierItemDescription, type FollowUpPolicy, type SupplierChasedCategory } from '../../domain/follow-ups';
import type { ResultRow } from '../../domain/recon';
import { conflict, notFound, unprocessable } from '../errors';
import { route, type RouteSpec } from '../routes';
import { requireCompleted } from '../reconciliations/routes';
import { assertSuppliersInRun } from '../reconciliations/suppliers-in-run';
import { actorOf, createFollowUp, followUpForKey, idempotencyKeyOf, type FollowUpCreationDeps } from './create';
import { presentFollowUp } from './present';
import { mismatchBody } from './schema';

/** The most documents one request lists: a longer checklist is not read (chase fewer suppliers at once). */
export const MISMATCH_ITEMS_MAX = 100;

const runParams = z.object({ runId: z.uuid() });

export function mismatchFollowUpRoutes(deps: FollowUpCreationDeps): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/reconciliations/:runId/follow-ups',
      action: 'followups.manage',
      params: runParams,
      body: mismatchBody,
      async handler(ctx, { params, body }) {
        const trx = ctx.state.trx;
        const firmId = ctx.state.user.firmId;
        const idempotencyKey = idempotencyKeyOf(ctx);
        const first = await followUpForKey(trx, firmId, idempotencyKey);
        if (first) {
          if (first.reconciliationRunId !== params.runId) throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was used for another request.');
          ctx.status = 201;
          ctx.body = await presentFollowUp(first);
          return;
        }
        const run = await ReconciliationRun.query().findById(params.runId);
        if (!run) throw notFound('No such reconciliation.');
        requireCompleted(run);
        // Two requests for one run at once: the second sees what the first wrote.
        await lockKey(trx, `mismatch-follow-up:${firmId}:${run.id}`, 'text32');

        const wanted = body.supplierGstins;
        await assertSuppliersInRun(trx, run.id, wanted);

        const toSupplier = body.recipient === 'supplier';
        const categories: readonly string[] = toSupplier ? SUPPLIER_CHASED_CATEGORIES : CHASED_CATEGORIES;
        const rows: Array<{ row: ResultRow }> = await trx('reconciliation_results').select('row').where({ run_id: run.id }).whereIn('supplier_gstin', wanted).whereIn('category', categories).orderBy('seq');
        let chased = rows.map((r) => r.row).filter(toSupplier ? isSupplierChased : isChased);
        if (toSupplier) {
          // A document a later GSTR-2B already shows needs no letter.
          const shown = await shownInLaterImports(trx, run.clientId, run.period, chased.map((r) => chasedDocumentOf(r as ResultRow & { category: SupplierChasedCategory })));
          chased = chased.filter((_, i) => !shown[i]);
        }
        const idle = wanted.filter((g) => !chased.some((r) => r.supplierGstin === g));
        if (idle.length > 0) {
          const what = toSupplier ? 'Nothing to ask the supplier' : 'Nothing to ask the client';
          const why = toSupplier ? 'no document missing in GSTR-2B or reported differently that a later GSTR-2B does not already show' : 'no document missing in the books or reported differently';
          throw unprocessable('nothing_to_chase', `${what} about for ${idle.join(', ')}: ${why}.`, { supplierGstins: idle });
        }
        if (chased.length > MISMATCH_ITEMS_MAX) throw unprocessable('too_many_items', `These suppliers have ${chased.length} documents to chase; one request lists at most ${MISMATCH_ITEMS_MAX}: name fewer suppliers.`, { count: chased.length, max: MISMATCH_ITEMS_MAX });

        const busy: Array<{ supplier_gstin: string; follow_up_id: string }> = await trx('follow_up_items as i')
          .join('follow_ups as f', 'f.id', 'i.follow_up_id')
          .distinct('i.supplier_gstin', 'i.follow_up_id')
          .where({ 'f.reconciliation_run_id': run.id, 'i.status': 'outstanding', 'f.recipient': body.recipient })
          .whereIn('f.status', LIVE_STATUSES)
          .whereIn('i.supplier_gstin', wanted);
        if (busy.length > 0) {
          const gstins = [...new Set(busy.map((b) => b.supplier_gstin))];
          throw conflict('supplier_already_chased', `Already being chased from this reconciliation: ${gstins.join(', ')}.`, { supplierGstins: gstins, followUpIds: [...new Set(busy.map((b) => b.follow_up_id))] });
        }

        const client = await Client.query().findById(run.clientId);
        if (!client) throw notFound('No such reconciliation.');
        const suppliers = wanted.map((g) => ({ gstin: g, name: chased.find((r) => r.supplierGstin === g)?.supplierName ?? '' }));
        const { row, plan } = await createFollowUp(
          deps,
          { trx, firmId, actor: actorOf(ctx) },
          {
            client,
            title: body.title ?? (toSupplier ? supplierChaseTitle(suppliers[0]!, run.period) : mismatchTitle(suppliers, run.period)),
            // Grouped by supplier in the order named, each supplier's documents in the run's order.
            items: wanted.flatMap((g) =>
              chased
                .filter((r) => r.supplierGstin === g)
                .map((r) => ({
                  description: toSupplier && isSupplierChased(r) ? supplierItemDescription(r) : mismatchItemDescription(r as Parameters<typeof mismatchItemDescription>[0]),
                  period: run.period,
                  supplierGstin: g,
                  resultId: r.id,
                  category: r.category as 'missing_in_books' | 'mismatch' | 'missing_in_2b',
                })),
            ),
            ...(toSupplier ? { supplierEmail: body.supplierEmail } : {}),
            dueDate: body.dueDate,
            deadline: body.deadline,
            ownerId: body.ownerId,
            policy: body.policy as Partial<FollowUpPolicy> | undefined,
            period: run.period,
            reconciliationRunId: run.id,
            idempotencyKey,
          },
        );
        ctx.status = 201;
        ctx.body = await presentFollowUp(row, plan);
      },
    }),
  ];
}
