/**
 * The firm's working-day calendar changed (PUT /api/firm/holidays): everything timed by it replans
 * in the same transaction. A follow-up's skip-day reminders move with its client's working days
 * (and a follow-up keyed to a deadline follows that deadline's target date); a notice whose
 * working-day due date, target or assignment day moved has the change dated now and its workflow
 * re-reads its dates. Either way the old dates' steps are no longer planned, and what the new plan
 * puts before this moment is skipped: nothing fires for a replaced date.
 */
import type { Knex } from 'knex';
import { followUpCalendarFor } from '../../db/follow-up-calendar';
import { LIVE_STATUSES } from '../../db/follow-ups';
import { Client } from '../../db/models/client';
import { FollowUp } from '../../db/models/follow-up';
import { noticeView, type NoticeRow } from '../../db/notices';
import { setAuditAction } from '../../db/tenant';
import type { FollowUpActor } from '../../workflows/follow-up-definitions';
import { followDeadline } from '../follow-ups/deadline-moves';
import { signalWorkingDays } from '../follow-ups/workflow-client';
import { signalCalendarChanged } from '../notices/workflow-client';
import type { TemporalHandle } from '../temporal-client';

/** What the firm's calendar decides, per live follow-up and open notice, before a change. */
export type CalendarSnapshot = { workingDays: Map<string, string>; noticeDates: Map<string, string> };

async function liveFollowUps(): Promise<Array<{ row: FollowUp; client: Client }>> {
  const rows = await FollowUp.query().whereIn('status', LIVE_STATUSES).orderBy('id');
  const out = [];
  for (const row of rows) {
    const client = await Client.query().findById(row.clientId);
    if (client) out.push({ row, client });
  }
  return out;
}

/** FOR NO KEY UPDATE, in id order (as a notice's steps lock): rows referencing a notice can still be written (docs/architecture.md, "Locks"). */
async function openNotices(trx: Knex.Transaction): Promise<NoticeRow[]> {
  return trx('notices').whereNot({ state: 'closed' }).orderBy('id').forNoKeyUpdate();
}

async function noticeDatesKey(trx: Knex.Transaction, row: NoticeRow): Promise<string> {
  const { plan } = await noticeView(trx, row);
  return JSON.stringify([plan.effectiveDueDate, plan.targetDate, plan.assignBy]);
}

/** Taken before the change, in the same transaction (the notices stay locked until it commits). */
export async function calendarSnapshot(trx: Knex.Transaction, firmId: string): Promise<CalendarSnapshot> {
  const workingDays = new Map<string, string>();
  for (const { client } of await liveFollowUps()) {
    if (!workingDays.has(client.stateCode)) workingDays.set(client.stateCode, JSON.stringify(await followUpCalendarFor(trx, firmId, client).workingDays()));
  }
  const noticeDates = new Map<string, string>();
  for (const row of await openNotices(trx)) noticeDates.set(row.id, await noticeDatesKey(trx, row));
  return { workingDays, noticeDates };
}

/** After the change: replans what it moved; returns the follow-ups and notices told. */
export async function replanAfterCalendarChange(trx: Knex.Transaction, temporal: TemporalHandle, input: { firmId: string; actor: FollowUpActor; before: CalendarSnapshot }): Promise<{ followUps: string[]; notices: string[] }> {
  const followUps: string[] = [];
  for (const { row, client } of await liveFollowUps()) {
    const workingDays = await followUpCalendarFor(trx, input.firmId, client).workingDays();
    const moved = await followDeadline(trx, temporal, row, client, input.actor);
    if (JSON.stringify(workingDays) !== input.before.workingDays.get(client.stateCode)) {
      await signalWorkingDays(temporal, row.workflowId, workingDays);
      followUps.push(row.id);
    } else if (moved) followUps.push(row.id);
  }
  const notices: string[] = [];
  for (const row of await openNotices(trx)) {
    if ((await noticeDatesKey(trx, row)) === input.before.noticeDates.get(row.id)) continue;
    await setAuditAction(trx, 'notice.calendar_changed');
    await trx('notices').where({ id: row.id }).update({ dates_changed_at: new Date(), updated_at: new Date() });
    await setAuditAction(trx, null);
    await signalCalendarChanged(temporal, row.workflow_id);
    notices.push(row.id);
  }
  return { followUps, notices };
}
