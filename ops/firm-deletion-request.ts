/**
 * A platform operator's firm deletion, on the firm's written instruction at account closure
 * (`npm run ops:delete-firm`): no cooling-off period. The same workflow as a firm admin's request.
 * A deletion the firm's admin already scheduled starts now; one that is running is joined; one that
 * failed is resumed (its steps are idempotent).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { recordAuditEvent } from '../db/audit';
import { lockKey } from '../db/advisory-lock';
import { inTenantTransaction } from '../db/tenant';
import { firmDeletionPlan } from '../domain/firm-deletion';
import type { TemporalHandle } from '../api/temporal-client';
import { FIRM_DELETION_WORKFLOW, firmDeletionRunNowSignal, firmDeletionWorkflowId, type FirmDeletionInput } from '../workflows/firm-deletion-definitions';

export type OperatorDeletion = { deletionId: string; workflowId: string; outcome: 'started' | 'started_scheduled' | 'joined' | 'resumed' };

export class FirmDeletionRefused extends Error {}

export async function startOperatorFirmDeletion(
  knex: Knex,
  temporal: TemporalHandle,
  input: { firmId: string; reason: string; operator: string; sendTo?: string; cancelGraceSeconds?: number },
): Promise<OperatorDeletion> {
  const scope = { firmId: input.firmId, actor: { userId: null, email: `operator:${input.operator}`, role: 'system' } };
  const decided = await inTenantTransaction(knex, scope, async (trx) => {
    await lockKey(trx, `taalmel.firm-deletion:${input.firmId}`);
    const firm = (await trx('firms').where({ id: input.firmId }).first('id', 'deleted_at')) as { id: string; deleted_at: Date | null } | undefined;
    if (!firm) throw new FirmDeletionRefused(`no firm ${input.firmId}`);
    const latest = (await trx('firm_deletions').orderBy('requested_at', 'desc').first()) as
      | { id: string; workflow_id: string; status: string; execute_after: Date }
      | undefined;
    if (firm.deleted_at && latest?.status === 'completed') throw new FirmDeletionRefused(`firm ${input.firmId} was deleted already (deletion ${latest.id})`);
    if (latest?.status === 'scheduled') return { row: latest, outcome: 'started_scheduled' as const };
    if (latest?.status === 'running') return { row: latest, outcome: 'joined' as const };
    if (latest?.status === 'failed') return { row: latest, outcome: 'resumed' as const };
    const deletionId = randomUUID();
    const plan = firmDeletionPlan(new Date(), 0);
    const row = { id: deletionId, workflow_id: firmDeletionWorkflowId(input.firmId, deletionId), status: 'scheduled', execute_after: new Date(plan.executeAfter) };
    await trx('firm_deletions').insert({ ...row, firm_id: input.firmId, requested_via: 'operator', reason: input.reason, requested_at: plan.requestedAt, certificate_to: input.sendTo ?? null });
    await recordAuditEvent(trx, { action: 'firm.deletion_requested', entityType: 'firm_deletion', entityId: deletionId, after: { deletionId, executeAfter: plan.executeAfter, requestedVia: 'operator' } });
    return { row, outcome: 'started' as const };
  });
  const { row, outcome } = decided;
  const args: FirmDeletionInput[] = [{ firmId: input.firmId, deletionId: row.id, executeAfter: new Date(row.execute_after).toISOString(), cancelGraceSeconds: input.cancelGraceSeconds }];
  if (outcome === 'started' || outcome === 'resumed') {
    await temporal.client.workflow.start(FIRM_DELETION_WORKFLOW, { taskQueue: temporal.taskQueue, workflowId: row.workflow_id, args, workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' });
  } else if (outcome === 'started_scheduled') {
    await temporal.client.workflow.getHandle(row.workflow_id).signal(firmDeletionRunNowSignal);
  }
  return { deletionId: row.id, workflowId: row.workflow_id, outcome };
}
