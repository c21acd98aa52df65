/**
 * Follow-ups keyed to a deadline follow it. A deadline moved (a notified extension recorded in the
 * compliance calendar): every live follow-up keyed to that return and period gets its due date
 * recomputed from the calendar (two days before the new target date), in the same transaction as
 * the extension, and its workflow replans, so no reminder fires for the old date. A return filed:
 * its follow-ups end.
 */
import type { Knex } from 'knex';
import { followUpCalendarFor } from '../../db/follow-up-calendar';
import { endFollowUp, LIVE_STATUSES } from '../../db/follow-ups';
import { Client } from '../../db/models/client';
import { FollowUp } from '../../db/models/follow-up';
import { lockFilingKey } from '../../db/period-lock';
import { setAuditAction } from '../../db/tenant';
import { followUpDueDateFor, type ReturnType } from '../../domain/follow-ups';
import { changeDueDateUpdate, completeUpdate, FOLLOW_UP_REFUSAL, type FollowUpActor } from '../../workflows/follow-up-definitions';
import { ApiError } from '../errors';
import type { TemporalHandle } from '../temporal-client';
import { updateFollowUp } from './workflow-client';

/** Recomputes one deadline-keyed follow-up's due date from the calendar as it is in `trx`; true when it moved (its workflow replans). */
export async function followDeadline(trx: Knex.Transaction, temporal: TemporalHandle, row: FollowUp, client: Client, actor: FollowUpActor): Promise<boolean> {
  const deadline = row.deadline as { returnType: ReturnType; period: string } | null;
  if (!deadline) return false;
  const target = await followUpCalendarFor(trx, row.firmId, client).targetDate(deadline);
  if (!target) return false;
  const dueDate = followUpDueDateFor(target);
  if (dueDate === row.dueDate) return false;
  await setAuditAction(trx, 'follow_up.deadline_moved');
  await FollowUp.query().findById(row.id).patch({ dueDate } as Partial<FollowUp>);
  await setAuditAction(trx, null);
  await updateFollowUp(temporal, row.workflowId, changeDueDateUpdate, { actor, dueDate });
  return true;
}

export async function moveFollowUpsOfDeadline(
  trx: Knex.Transaction,
  temporal: TemporalHandle,
  input: { firmId: string; returnType: ReturnType; period: string; stateCodes: string[] | null; actor: FollowUpActor },
): Promise<string[]> {
  const rows = await FollowUp.query()
    .whereIn('status', LIVE_STATUSES)
    .whereRaw(`deadline->>'returnType' = ? and deadline->>'period' = ?`, [input.returnType, input.period])
    .forNoKeyUpdate();
  const moved: string[] = [];
  for (const row of rows) {
    const client = await Client.query().findById(row.clientId);
    if (!client || (input.stateCodes && !input.stateCodes.includes(client.stateCode))) continue;
    if (await followDeadline(trx, temporal, row, client, input.actor)) moved.push(row.id);
  }
  return moved;
}

/**
 * A return was filed: the live follow-ups keyed to that return and period of the client end
 * (`completed`, the filing named in the note), in the same transaction as the filing, and each
 * workflow is told through the complete update, as a person completing it would, so nothing more
 * is sent or escalated. Returns the ids ended.
 */
export async function endFollowUpsOfFiledDeadline(
  trx: Knex.Transaction,
  temporal: TemporalHandle,
  input: { clientId: string; returnType: ReturnType; period: string; filedOn: string; arn: string; actor: FollowUpActor },
): Promise<string[]> {
  // Held to commit, as a create keyed to this return holds it (db/period-lock.ts): taken before the
  // follow-ups are read (the filing route takes it already before it writes the filing row, whose
  // audit would otherwise deadlock with a create's), so a create that got the lock first has
  // committed its request (read here and ended), and one that waits sees the filing (422).
  await lockFilingKey(trx, input.clientId, input.returnType, input.period);
  const rows = await FollowUp.query()
    .where({ client_id: input.clientId })
    .whereIn('status', LIVE_STATUSES)
    .whereRaw(`deadline->>'returnType' = ? and deadline->>'period' = ?`, [input.returnType, input.period])
    .forNoKeyUpdate();
  const note = `${input.returnType} for ${input.period} filed on ${input.filedOn} (ARN ${input.arn})`;
  for (const row of rows) {
    await endFollowUp(trx, row.id, 'completed', note, 'follow_up.completed_return_filed');
    await updateFollowUp(temporal, row.workflowId, completeUpdate, { actor: input.actor, note }).catch((error: unknown) => {
      // A workflow that already ended (its last item answered a moment ago) has nothing to stop.
      if (!(error instanceof ApiError && error.code === FOLLOW_UP_REFUSAL.ended)) throw error;
    });
  }
  return rows.map((row) => row.id);
}
