/**
 * Follow-ups asking a client for the documents a notice's reply needs (created with `noticeId`):
 * listed on the notice, and ended with it. Closing the notice cancels them in the database in the
 * close's own transaction (activities/notices.ts); the api then ends their workflows at once.
 */
import type { Knex } from 'knex';
import { LIVE_STATUSES } from '../../db/follow-ups';
import { istIso } from '../../domain/calendar';
import { cancelUpdate, type FollowUpActor } from '../../workflows/follow-up-definitions';
import { ApiError } from '../errors';
import { updateFollowUp } from '../follow-ups/workflow-client';
import type { TemporalHandle } from '../temporal-client';

type LinkedRow = { id: string; title: string; status: string; due_date: string; owner_id: string; workflow_id: string; created_at: Date };

export async function linkedFollowUps(trx: Knex.Transaction, noticeId: string) {
  const rows: LinkedRow[] = await trx('follow_ups').where({ notice_id: noticeId }).orderBy([{ column: 'created_at' }, { column: 'id' }]).select('id', 'title', 'status', trx.raw('due_date::text as due_date'), 'owner_id', 'workflow_id', 'created_at');
  return rows.map((r) => ({ id: r.id, title: r.title, status: r.status, dueDate: r.due_date, ownerId: r.owner_id, createdAt: istIso(r.created_at) }));
}

export async function liveFollowUpsOf(trx: Knex.Transaction, noticeId: string): Promise<string[]> {
  return trx('follow_ups').where({ notice_id: noticeId }).whereIn('status', LIVE_STATUSES).pluck('workflow_id');
}

/** Ends a follow-up's workflow as cancelled; one that already ended is left as it is. */
export async function endFollowUpWorkflow(temporal: TemporalHandle, workflowId: string, input: { actor: FollowUpActor; note: string }): Promise<void> {
  try {
    await updateFollowUp(temporal, workflowId, cancelUpdate, input);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 422)) throw error;
  }
}
