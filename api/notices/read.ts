/** Reading notices: one notice with its documents, drafts, reviews and history (and the list's urgency order, from domain/notices). */
import type { Knex } from 'knex';
import { istIso } from '../../domain/calendar';
import type { FollowUpStatus } from '../../db/models/follow-up';
import { noticeView, type NoticeRow } from '../../db/notices';
import { RELINK_TARGET_STATES, type NoticeState, type Reviewer } from '../../domain/notices';
import { clientStatus } from '../follow-ups/present';
import { clientVisibleKinds, noticeDocuments } from './documents';
import type { TemporalHandle } from '../temporal-client';
import { presentAsRun } from './late-partner';
import { linkedFollowUps } from './linked-follow-ups';
import { presentNotice, presentNoticeToClient, presentReview } from './present';

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

/**
 * A notice as the firm sees it; its plan as the notice's run will walk it (api/notices/late-partner.ts),
 * and whether the viewer may review its reply (`canReview`).
 */
export async function noticeDetail(trx: Knex.Transaction, row: NoticeRow, temporal: TemporalHandle, viewer: Reviewer) {
  const drafts = await trx('notice_drafts').where({ notice_id: row.id }).orderBy('version').select('id', 'version', 'text', 'document_ids', 'drafted_by', 'created_at');
  const reviews = await trx('notice_reviews').where({ notice_id: row.id }).orderBy([{ column: 'created_at' }, { column: 'id' }]).select('id', 'decision', 'comment', 'reviewer_id', 'draft_version', 'created_at');
  const alerts = await trx('notice_alerts').where({ notice_id: row.id }).orderBy([{ column: 'created_at' }, { column: 'id' }]).select('step_key', 'audience', 'reason', 'planned_at', 'recipients', 'created_at');
  // The notice's own rows and those of its papers and hearings: an upload or an adjournment is part of its history.
  // Each names its person from the firm's own users, so every staff member reads names (the people list is the managers').
  const history = await trx('audit_events as e')
    .leftJoin('users as u', (j) => j.on('u.id', 'e.actor_id').andOn('u.firm_id', trx.raw('?', [row.firm_id])))
    .where((q) => {
      q.where({ 'e.entity_type': 'notice', 'e.entity_id': row.id })
        .orWhere((d) => d.where({ 'e.entity_type': 'notice_document' }).whereIn('e.entity_id', trx('notice_documents').where({ notice_id: row.id }).select('id')))
        .orWhere((h) => h.where({ 'e.entity_type': 'notice_hearing' }).whereIn('e.entity_id', trx('notice_hearings').where({ notice_id: row.id }).select('id')));
    })
    .orderBy('e.seq')
    .select('e.action', 'e.entity_type', 'e.entity_id', 'e.actor_email', 'e.actor_role', 'e.at', 'u.name as actor_name');
  const view = await noticeView(trx, row);
  return {
    ...(await presentAsRun(temporal, view)),
    ...presentReview(view, viewer),
    documents: await noticeDocuments(trx, row.id),
    followUps: await linkedFollowUps(trx, row.id),
    caseNotices: await caseNotices(trx, row),
    drafts: drafts.map((d: { id: string; version: number; text: string; document_ids: string[]; drafted_by: string; created_at: Date }) => ({ id: d.id, version: d.version, text: d.text, documentIds: d.document_ids, draftedBy: d.drafted_by, createdAt: istIso(d.created_at) })),
    reviews: reviews.map((r: { id: string; decision: string; comment: string | null; reviewer_id: string; draft_version: number; created_at: Date }) => ({ id: r.id, decision: r.decision, comment: r.comment, reviewerId: r.reviewer_id, draftVersion: r.draft_version, createdAt: istIso(r.created_at) })),
    fired: alerts.map((a: { step_key: string; audience: string; reason: string; planned_at: Date; recipients: number; created_at: Date }) => ({ key: a.step_key, audience: a.audience, reason: a.reason, plannedAt: istIso(a.planned_at), recipients: a.recipients, firedAt: istIso(a.created_at) })),
    history: history.map((h: { action: string; entity_type: string; entity_id: string; actor_email: string; actor_role: string; actor_name: string | null; at: Date }) => ({
      action: h.action, entity: h.entity_type, entityId: h.entity_id, by: h.actor_email, byName: h.actor_name, role: h.actor_role, at: istIso(h.at),
    })),
  };
}

/**
 * A notice as a client's own users see it (presentNoticeToClient): the department's papers and, once
 * filed, the reply as filed (its text when it was drafted here, and its papers), and the documents
 * the firm asks them for (the notice's follow-ups). Nothing of the firm's working.
 */
export async function clientNoticeDetail(trx: Knex.Transaction, row: NoticeRow, viewer: Reviewer) {
  const view = await noticeView(trx, row);
  const notice = presentNoticeToClient(presentNotice(view));
  const documents = (await noticeDocuments(trx, row.id)).filter((d) => clientVisibleKinds(row).includes(d.kind)).map(({ id, kind, filename, contentType, size, receivedAt }) => ({ id, kind, filename, contentType, size, receivedAt }));
  const filedText = row.arn && !row.filed_outside ? ((await trx('notice_drafts').where({ notice_id: row.id }).orderBy('version', 'desc').first('text')) as { text: string } | undefined)?.text ?? null : null;
  // A follow-up the firm snoozed is open to the client (docs/follow-ups.md "What a client's own user sees").
  const followUps = (await linkedFollowUps(trx, row.id)).map(({ id, title, status, dueDate }) => ({ id, title, status: clientStatus(status as FollowUpStatus), dueDate }));
  return { ...notice, reply: notice.reply ? { ...notice.reply, text: filedText } : null, documents, followUps, caseNotices: [], drafts: [], reviews: [], fired: [], history: [], ...presentReview(view, viewer) };
}
