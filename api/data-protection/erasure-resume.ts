/**
 * Resuming an erasure whose deletion already committed (docs/data-export-and-erasure.md, "Client
 * erasure"). The client row is gone, so the request cannot be checked against the client's name;
 * the erasure record is what remains, and it proves the name was confirmed when the deletion was
 * asked for. Only a record whose deletion committed is resumed this way: what is left to do is to
 * delete the files, recount and sign, never to delete rows again. The record keeps the reason it was
 * first asked with: the erasure is the same one, so a resume's reason is not recorded over it.
 */
import type { Knex } from 'knex';
import { recordAuditEvent } from '../../db/audit';
import { lockClientErasure } from '../../db/client-erasure';
import { setAuditAction } from '../../db/tenant';

export type ResumableErasure = { id: string; firm_id: string; workflow_id: string; status: 'running' | 'failed' | 'completed' };


/**
 * The erasure of a client that is gone, ready to (re)start its workflow, under the same per-client
 * lock as a first request: a running one is answered as it is; a failed one is moved back to
 * `running` (audited as a new request, `reopened`) when `reopenFailed` (its last run has closed:
 * erasure-start.ts), else answered as it is. Null when there is nothing to resume (no such erasure in
 * this firm, its deletion never committed, or it is completed): the caller answers 404 as for any
 * client that does not exist. The firm is in the query as well as in RLS.
 */
export async function resumeCommittedErasure(
  trx: Knex.Transaction,
  firmId: string,
  clientId: string,
  options: { reopenFailed: boolean },
): Promise<(ResumableErasure & { reopened: boolean }) | null> {
  await lockClientErasure(trx, clientId);
  const row = (await trx('client_erasures')
    .where({ firm_id: firmId, client_id: clientId })
    .whereNotNull('data_deleted_at')
    .first('id', 'firm_id', 'workflow_id', 'status')) as ResumableErasure | undefined;
  if (!row || row.status === 'completed') return null;
  if (row.status === 'running' || !options.reopenFailed) return { ...row, reopened: false };
  await setAuditAction(trx, 'client.erasure_requested');
  await trx('client_erasures').where({ id: row.id, firm_id: firmId, status: 'failed' }).update({ status: 'running', failure_reason: null, updated_at: trx.fn.now() });
  await setAuditAction(trx, null);
  return { ...row, status: 'running', reopened: true };
}

/**
 * A `running` record whose workflow had ended (a worker lost, a run closed without its last write)
 * or never started (its start failed after the record committed) was started by a later request:
 * audited as a new request, as the restart of a failed one is.
 */
export async function auditRestartedErasure(trx: Knex.Transaction, erasureId: string): Promise<void> {
  await recordAuditEvent(trx, { action: 'client.erasure_requested', entityType: 'client_erasure', entityId: erasureId, after: { erasureId, restarted: true } });
}
