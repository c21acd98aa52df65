/**
 * A deadline moved (a notified extension recorded in the compliance calendar): every live follow-up
 * keyed to that return and period gets its due date recomputed from the calendar (two days before
 * the new target date), in the same transaction as the extension, and its workflow replans, so no
 * reminder fires for the old date.
 */
import type { Knex } from 'knex';
import { followUpCalendarFor } from '../../db/follow-up-calendar';
import { LIVE_STATUSES } from '../../db/follow-ups';
import { Client } from '../../db/models/client';
import { FollowUp } from '../../db/models/follow-up';
import { setAuditAction } from '../../db/tenant';
import { followUpDueDateFor, type ReturnType } from '../../domain/follow-ups';
import { changeDueDateUpdate, type FollowUpActor } from '../../workflows/follow-up-definitions';
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
    .forUpdate();
  const moved: string[] = [];
  for (const row of rows) {
    const client = await Client.query().findById(row.clientId);
    if (!client || (input.stateCodes && !input.stateCodes.includes(client.stateCode))) continue;
    if (await followDeadline(trx, temporal, row, client, input.actor)) moved.push(row.id);
  }
  return moved;
}
