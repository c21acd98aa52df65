/**
 * Asking for a client export (docs/data-export-and-erasure.md, "Export"): the request is recorded in
 * a transaction of its own, and the workflow is started only after that transaction committed. The
 * record is an audited write, and every audited write holds the firm's audit lock to its commit: a
 * start inside the transaction would make every audited write of the firm wait for Temporal.
 *
 * A start that fails after the commit leaves the export `queued` with no workflow. The request then
 * answers 503 `unavailable` (naming the export), and asking again finds that queued export and starts
 * its workflow (the id is the export's: a start that did happen is found, not doubled).
 *
 * An export in flight that can no longer become ready is replaced rather than answered: a `queued`
 * one past its expiry (it would be built and deleted at once), and a `running` one whose workflow
 * has closed (terminated, or failed without its last write: nothing will ever build it). It is
 * recorded `failed` with why, its files are removed, and a new export is recorded in the same
 * transaction, with a new expiry (what the admin asked for is a fresh copy of the client's data).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Knex } from 'knex';
import { lockClientErasure } from '../../db/client-erasure';
import { Client } from '../../db/models/client';
import { setAuditAction } from '../../db/tenant';
import { clientExportFileName, exportPlan } from '../../domain/data-protection';
import { CLIENT_EXPORT_WORKFLOW, clientExportWorkflowId, type ClientExportInput } from '../../workflows/client-export-definitions';
import { ApiError, notFound } from '../errors';
import type { TemporalHandle } from '../temporal-client';

export type RecordedExport = {
  exportId: string;
  workflowId: string;
  input: ClientExportInput;
  status: 'queued' | 'running';
  /** The export this request replaced (recorded failed), whose files are the caller's to remove. */
  replaced: string | null;
};

/** Why an export in flight is replaced: a queued one past its expiry, or one whose workflow has closed (its id and Temporal's status). */
export type DeadExport = { exportId: string; runStatus: string };

/**
 * The client's export in flight, or a new one recorded (audited as `client.export_requested`).
 * `queued`: its workflow may not have started yet (the caller starts it; a second start finds it).
 * `dead`: a running export the caller saw closed in Temporal; replaced if it is still running.
 */
export async function recordExport(trx: Knex.Transaction, input: { clientId: string; requestedBy: string; ttlMs: number; dead?: DeadExport }): Promise<RecordedExport> {
  const client = await Client.query().findById(input.clientId);
  if (!client) throw notFound('No such client.');
  // The erasure's own lock: an export and an erasure request of one client never interleave. An
  // export asked while the erasure runs would start after the erasure read which workflows to
  // stop, and could write a ZIP of the client after its files were deleted: it is refused. (The
  // build checks again under the same lock: an erasure may be asked between this commit and the start.)
  await lockClientErasure(trx, client.id);
  const erasing = await trx('client_erasures').where({ client_id: client.id, status: 'running' }).first('id');
  if (erasing) throw new ApiError(409, 'erasure_in_progress', 'The client is being erased: it can no longer be exported.', { erasureId: erasing.id });
  const inFlight = (await trx('client_exports').where({ client_id: client.id }).whereIn('status', ['queued', 'running']).first('id', 'workflow_id', 'status', 'expires_at')) as
    | { id: string; workflow_id: string; status: 'queued' | 'running'; expires_at: Date }
    | undefined;
  let replaced: string | null = null;
  if (inFlight) {
    const why =
      inFlight.status === 'queued' && new Date(inFlight.expires_at) <= new Date()
        ? 'it expired before it was built: a new export was requested'
        : inFlight.status === 'running' && input.dead?.exportId === inFlight.id
          ? `its work ended (${input.dead.runStatus.toLowerCase()}) before it was ready: a new export was requested`
          : null;
    if (!why) {
      const started: ClientExportInput = { firmId: client.firmId, clientId: client.id, exportId: inFlight.id, expiresAt: new Date(inFlight.expires_at).toISOString() };
      return { exportId: inFlight.id, workflowId: inFlight.workflow_id, input: started, status: inFlight.status, replaced: null };
    }
    // Under the row's lock: a build that starts meanwhile finds it failed and builds nothing (client-export.ts).
    await trx('client_exports').where({ id: inFlight.id, status: inFlight.status }).update({ status: 'failed', failure_reason: why, updated_at: trx.fn.now() });
    replaced = inFlight.id;
  }
  const exportId = randomUUID();
  const plan = exportPlan(new Date(), input.ttlMs);
  const workflowId = clientExportWorkflowId(client.firmId, client.id, exportId);
  await setAuditAction(trx, 'client.export_requested');
  await trx('client_exports').insert({ id: exportId, firm_id: client.firmId, client_id: client.id, workflow_id: workflowId, requested_by: input.requestedBy, expires_at: plan.expiresAt });
  await setAuditAction(trx, null);
  return { exportId, workflowId, input: { firmId: client.firmId, clientId: client.id, exportId, expiresAt: plan.expiresAt }, status: 'queued', replaced };
}

/**
 * A `running` export whose workflow has closed (or never existed), as Temporal describes it; null
 * while it is open, or when Temporal does not answer (the export is then answered as it is).
 */
export async function deadExport(temporal: TemporalHandle, recorded: RecordedExport): Promise<DeadExport | null> {
  try {
    const description = await temporal.client.workflow.getHandle(recorded.workflowId).describe();
    return description.status.name === 'RUNNING' ? null : { exportId: recorded.exportId, runStatus: description.status.name };
  } catch (error) {
    return (error as { name?: string }).name === 'WorkflowNotFoundError' ? { exportId: recorded.exportId, runStatus: 'NOT_FOUND' } : null;
  }
}

/** A replaced export's files (a ZIP renamed before its run died, or a partial one): its workflow that would delete them has closed. */
export function removeExportFiles(exportDir: string, exportId: string): void {
  const name = path.join(exportDir, clientExportFileName(exportId));
  for (const file of [name, `${name}.partial`]) fs.rmSync(file, { force: true });
}

/** Starts the export's workflow (after the commit of its record); one already started is left as it is. */
export async function startExportWorkflow(temporal: TemporalHandle, recorded: RecordedExport): Promise<void> {
  try {
    await temporal.client.workflow.start(CLIENT_EXPORT_WORKFLOW, { taskQueue: temporal.taskQueue, workflowId: recorded.workflowId, args: [recorded.input] });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    throw new ApiError(503, 'unavailable', 'The export is recorded but its work could not be started: ask again to start it.', { exportId: recorded.exportId });
  }
}
