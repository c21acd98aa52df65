/**
 * Deleting a whole firm (docs/data-export-and-erasure.md, "Deleting a whole firm"): a firm admin,
 * re-authenticated and typing the firm's name, asks for the deletion; it waits out a cooling-off
 * period during which every client can still be exported and any firm admin can cancel it; then the
 * firm deletion workflow erases every client, deletes the firm's own rows and signs a certificate.
 * The request is recorded in the request's tenant transaction (audited) and the workflow started
 * with an id derived from it.
 */
import { randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import type { Knex } from 'knex';
import { z } from 'zod';
import { recordAuditEvent } from '../../db/audit';
import { lockKey } from '../../db/advisory-lock';
import { firmDeletionPlan } from '../../domain/firm-deletion';
import { FIRM_DELETION_WORKFLOW, firmDeletionCancelSignal, firmDeletionWorkflowId, type FirmDeletionInput } from '../../workflows/firm-deletion-definitions';
import { conflict, invalidInput, notFound, unprocessable } from '../errors';
import { route, type RouteSpec } from '../routes';
import type { TemporalHandle } from '../temporal-client';
import { presentFirmDeletion, type ExportOffer, type FirmDeletionRow } from './present';

export type FirmDeletionRouteDeps = {
  temporal: TemporalHandle;
  /** The cooling-off period (domain/firm-deletion.ts); tests shorten it. */
  graceMs: number;
  certificatePublicKey: JWK | null;
  /** Grace for each client's workflows to end after cancellation (tests shorten it). */
  cancelGraceSeconds?: number;
};

const idParams = z.object({ id: z.uuid() });
const requestBody = z.object({
  reason: z.string().trim().min(1, 'say why the firm is deleted').max(2000),
  confirmName: z.string().max(400),
});

const OPEN = ['scheduled', 'running'];

/** One request at a time per firm: a double click waits for the first and then finds it. */
async function lockFirm(trx: Knex.Transaction, firmId: string): Promise<void> {
  await lockKey(trx, `taalmel.firm-deletion:${firmId}`);
}

async function exportOffer(trx: Knex.Transaction): Promise<ExportOffer> {
  const clients = (await trx('clients').select('id').orderBy('id')) as Array<{ id: string }>;
  const exported = new Set(((await trx('client_exports').distinct('client_id').whereNotNull('downloaded_at')) as Array<{ client_id: string }>).map((r) => r.client_id));
  return { clients: clients.length, exported: clients.filter((c) => exported.has(c.id)).length, clientsWithoutExport: clients.filter((c) => !exported.has(c.id)).map((c) => c.id) };
}

export function firmDeletionRoutes(deps: FirmDeletionRouteDeps): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/firm/deletion',
      action: 'firm.delete',
      async handler(ctx) {
        const trx = ctx.state.trx!;
        const row = (await trx('firm_deletions').orderBy('requested_at', 'desc').first()) as FirmDeletionRow | undefined;
        if (!row) throw notFound('The firm has no deletion request.');
        ctx.body = presentFirmDeletion(row, deps.certificatePublicKey, await exportOffer(trx));
      },
    }),
    route<unknown, unknown, z.infer<typeof requestBody>>({
      method: 'post',
      path: '/api/firm/deletion',
      action: 'firm.delete',
      sensitive: true,
      body: requestBody,
      async handler(ctx, { body }) {
        const trx = ctx.state.trx!;
        const firmId = ctx.state.user!.firmId;
        const firm = (await trx('firms').where({ id: firmId }).first('name')) as { name: string } | undefined;
        if (!firm) throw notFound('No such firm.');
        if (body.confirmName !== firm.name) throw invalidInput({ fields: { confirmName: "must equal the firm's name exactly" } }, "Type the firm's name to confirm its deletion.");
        await lockFirm(trx, firmId);
        const open = (await trx('firm_deletions').whereIn('status', OPEN).first()) as FirmDeletionRow | undefined;
        if (open) {
          throw conflict('deletion_already_requested', open.status === 'running' ? 'The firm is being deleted.' : 'A deletion of the firm is already scheduled.', {
            deletionId: open.id,
            status: open.status,
            executeAfter: open.execute_after,
          });
        }
        const deletionId = randomUUID();
        const plan = firmDeletionPlan(new Date(), deps.graceMs);
        const workflowId = firmDeletionWorkflowId(firmId, deletionId);
        const [row] = (await trx('firm_deletions')
          .insert({ id: deletionId, firm_id: firmId, workflow_id: workflowId, requested_via: 'firm_admin', reason: body.reason, requested_by: ctx.state.user!.id, requested_at: plan.requestedAt, execute_after: plan.executeAfter, certificate_to: ctx.state.user!.email })
          .returning('*')) as FirmDeletionRow[];
        await recordAuditEvent(trx, { action: 'firm.deletion_requested', entityType: 'firm_deletion', entityId: deletionId, after: { deletionId, executeAfter: plan.executeAfter } });
        const input: FirmDeletionInput = { firmId, deletionId, executeAfter: plan.executeAfter, cancelGraceSeconds: deps.cancelGraceSeconds };
        await deps.temporal.client.workflow.start(FIRM_DELETION_WORKFLOW, { taskQueue: deps.temporal.taskQueue, workflowId, args: [input] });
        ctx.status = 202;
        ctx.body = presentFirmDeletion(row!, deps.certificatePublicKey, await exportOffer(trx));
      },
    }),
    route({
      method: 'delete',
      path: '/api/firm/deletion',
      action: 'firm.delete',
      async handler(ctx) {
        const trx = ctx.state.trx!;
        await lockFirm(trx, ctx.state.user!.firmId);
        const open = (await trx('firm_deletions').whereIn('status', OPEN).forUpdate().first()) as FirmDeletionRow | undefined;
        if (!open) throw notFound('The firm has no scheduled deletion.');
        // Once the workflow has begun (users signed out, clients being erased) there is no way back.
        if (open.status !== 'scheduled') throw unprocessable('deletion_in_progress', 'The deletion has started and cannot be cancelled.', { deletionId: open.id });
        const [row] = (await trx('firm_deletions')
          .where({ id: open.id, status: 'scheduled' })
          .update({ status: 'cancelled', cancelled_at: trx.fn.now(), cancelled_by: ctx.state.user!.id, updated_at: trx.fn.now() })
          .returning('*')) as FirmDeletionRow[];
        await recordAuditEvent(trx, { action: 'firm.deletion_cancelled', entityType: 'firm_deletion', entityId: open.id, after: { deletionId: open.id } });
        // Wakes the workflow's timer; if it has already woken, its first step reads the row and stops.
        await deps.temporal.client.workflow
          .getHandle(open.workflow_id)
          .signal(firmDeletionCancelSignal)
          .catch((error: unknown) => {
            if ((error as { name?: string }).name !== 'WorkflowNotFoundError') throw error;
          });
        ctx.body = presentFirmDeletion(row!, deps.certificatePublicKey);
      },
    }),
    route<z.infer<typeof idParams>>({
      method: 'get',
      path: '/api/firm-deletions/:id',
      action: 'firm.delete',
      params: idParams,
      async handler(ctx, { params }) {
        const row = (await ctx.state.trx!('firm_deletions').where({ id: params.id }).first()) as FirmDeletionRow | undefined;
        if (!row) throw notFound('No such firm deletion.');
        ctx.body = presentFirmDeletion(row, deps.certificatePublicKey);
      },
    }),
  ];
}

