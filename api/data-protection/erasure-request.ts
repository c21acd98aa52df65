/**
 * Recording a client erasure request (docs/data-export-and-erasure.md, "Client erasure"), in a
 * transaction of its own: its workflow is started after the commit (erasure-start.ts), so no audited
 * write of the firm waits for Temporal. What is recorded or found here is what the request starts:
 * a new erasure, a failed one reopened, or a `running` one (whose workflow may never have started:
 * its start failed after the commit, and asking again starts it).
 */
import type { Knex } from 'knex';
import { lockClientErasure } from '../../db/client-erasure';
import { Client } from '../../db/models/client';
import { setAuditAction } from '../../db/tenant';
import { clientErasureWorkflowId } from '../../workflows/client-erasure-definitions';
import { invalidInput, notFound } from '../errors';
import { resumeCommittedErasure } from './erasure-resume';

export type RecordedErasure = {
  erasureId: string;
  firmId: string;
  clientId: string;
  workflowId: string;
  status: string;
  /** `created` or `reopened` (failed → running) by this request, both audited as `client.erasure_requested`; `none`: found as it was. */
  change: 'created' | 'reopened' | 'none';
};

export type ErasureRequest = { firmId: string; clientId: string; reason: string; confirmName: string; requestedBy: string; reopenFailed: boolean };

/**
 * The client's erasure, under the per-client lock. A failed one is reopened only with `reopenFailed`
 * (the caller first saw its last run closed); without it, it is answered `failed` with nothing written.
 */
export async function recordErasure(trx: Knex.Transaction, input: ErasureRequest): Promise<RecordedErasure> {
  const client = await Client.query().findById(input.clientId);
  if (!client) {
    // The client is gone: its deletion committed. A failure after it (files, certification) is
    // resumed by the same request; the workflow's deletion step sees the committed deletion and
    // deletes nothing again, and the certification recounts before it signs. The reason and the
    // confirmed name are the first request's (erasure-resume.ts).
    const resumed = await resumeCommittedErasure(trx, input.firmId, input.clientId, { reopenFailed: input.reopenFailed });
    if (!resumed) throw notFound('No such client.');
    return { erasureId: resumed.id, firmId: resumed.firm_id, clientId: input.clientId, workflowId: resumed.workflow_id, status: resumed.status, change: resumed.reopened ? 'reopened' : 'none' };
  }
  if (input.confirmName !== client.name) throw invalidInput({ fields: { confirmName: "must equal the client's name exactly" } }, "Type the client's name to confirm the erasure.");
  await lockClientErasure(trx, client.id);
  const workflowId = clientErasureWorkflowId(client.firmId, client.id);
  const found = { firmId: client.firmId, clientId: client.id, workflowId };
  const row = (await trx('client_erasures').where({ client_id: client.id }).first('id', 'status')) as { id: string; status: string } | undefined;
  if (row && (row.status !== 'failed' || !input.reopenFailed)) return { ...found, erasureId: row.id, status: row.status, change: 'none' };
  await setAuditAction(trx, 'client.erasure_requested');
  let erasureId: string;
  if (!row) {
    const [inserted] = (await trx('client_erasures')
      .insert({ firm_id: client.firmId, client_id: client.id, workflow_id: workflowId, reason: input.reason, requested_by: input.requestedBy })
      .returning('id')) as Array<{ id: string }>;
    erasureId = inserted!.id;
  } else {
    // Asking again after a failure resumes the same erasure (its steps are idempotent).
    await trx('client_erasures').where({ id: row.id, status: 'failed' }).update({ status: 'running', failure_reason: null, updated_at: trx.fn.now() });
    erasureId = row.id;
  }
  await setAuditAction(trx, null);
  return { ...found, erasureId, status: 'running', change: row ? 'reopened' : 'created' };
}
