/** Reading notices: one notice with its documents, drafts, reviews and history (and the list's urgency order, from domain/notices). */
import type { Knex } from 'knex';
import { istIso } from '../../domain/calendar';
import { noticeView, type NoticeRow } from '../../db/notices';
import { RELINK_TARGET_STATES, type NoticeState } from '../../domain/notices';
import { noticeDocuments } from './documents';
import { linkedFollowUps } from './linked-follow-ups';
import { presentNotice } from './present';

export { urgencyOrder } from '../../domain/notices';

/** The other notices of the same case (same client, same portal case id), oldest service first, and whether each may take this one's reply. */
async function caseNotices(trx: Knex.Transaction, row: NoticeRow) {
  if (!row.case_id) return [];
  const rows: Array<{ id: string; form: string; reference: string; state: NoticeState; served_on: string }> = await trx('notices')
    .where({ client_id: row.client_id, case_id: row.case_id })
    .whereNot({ id: row.id })
    .orderBy([{ column: 'served_on' }, { column: 'id' }])
    .select('id', 'form', 'reference', 'state', 'served_on');
  return rows.map((n) => ({ id: n.id, form: n.form, reference: n.reference, state: n.state, servedOn: n.served_on, acceptsReply: RELINK_TARGET_STATES.includes(n.state) }));
}

export async function noticeDetail(trx: Knex.Transaction, row: NoticeRow) {
  const drafts = await trx('notice_drafts').where({ notice_id: row.id }).orderBy('version').select('id', 'version', 'text', 'document_ids', 'drafted_by', 'created_at');
  const reviews = await trx('notice_reviews').where({ notice_id: row.id }).orderBy([{ column: 'created_at' }, { column: 'id' }]).select('id', 'decision', 'comment', 'reviewer_id', 'draft_version', 'created_at');
  const alerts = await trx('notice_alerts').where({ notice_id: row.id }).orderBy([{ column: 'created_at' }, { column: 'id' }]).select('step_key', 'audience', 'reason', 'planned_at', 'recipients', 'created_at');
  const history = await trx('audit_events')
    .where({ entity_type: 'notice', entity_id: row.id })
    .orderBy('seq')
    .select('action', 'actor_email', 'actor_role', 'at');
  return {
    ...presentNotice(await noticeView(trx, row)),
    documents: await noticeDocuments(trx, row.id),
    followUps: await linkedFollowUps(trx, row.id),
    caseNotices: await caseNotices(trx, row),
    drafts: drafts.map((d: { id: string; version: number; text: string; document_ids: string[]; drafted_by: string; created_at: Date }) => ({ id: d.id, version: d.version, text: d.text, documentIds: d.document_ids, draftedBy: d.drafted_by, createdAt: istIso(d.created_at) })),
    reviews: reviews.map((r: { id: string; decision: string; comment: string | null; reviewer_id: string; draft_version: number; created_at: Date }) => ({ id: r.id, decision: r.decision, comment: r.comment, reviewerId: r.reviewer_id, draftVersion: r.draft_version, createdAt: istIso(r.created_at) })),
    fired: alerts.map((a: { step_key: string; audience: string; reason: string; planned_at: Date; recipients: number; created_at: Date }) => ({ key: a.step_key, audience: a.audience, reason: a.reason, plannedAt: istIso(a.planned_at), recipients: a.recipients, firedAt: istIso(a.created_at) })),
    history: history.map((h: { action: string; actor_email: string; actor_role: string; at: Date }) => ({ action: h.action, by: h.actor_email, role: h.actor_role, at: istIso(h.at) })),
  };
}
