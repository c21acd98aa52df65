/**
 * Moving a notice's reply to another notice of its case (docs/notices.md "Re-linking a reply"), in
 * the caller's tenant transaction, both notices' rows already locked. What moves: every draft
 * version and review (their content stays as written: the database lets the application change only
 * their notice), the four-eyes trail and the filing (ARN, date, evidence, made outside Taalmel or
 * not), the state the reply had reached, and the reply's papers. The notice it leaves is open and
 * unanswered again, its plan restarting now (past reminders are not replayed; an overdue notice
 * escalates at once). Both changes and the person's reason are in the audit trail.
 */
import type { Knex } from 'knex';
import { recordAuditEvent } from './audit';
import { hasWorkingDate, stateWithoutReply, type RelinkSide } from '../domain/notices';
import type { NoticeRow, NoticeView } from './notices';
import { setAuditAction } from './tenant';

export const RELINK_ACTION = 'notice.reply_relinked';

/** The reply's papers: what the department sent (the notice, an order) stays with the notice it came with. */
const REPLY_PAPER_KINDS = ['reply', 'evidence'];
const CITABLE_KINDS = ['working_paper', 'reply', 'evidence'];

export function relinkSide(view: NoticeView): RelinkSide {
  return { id: view.row.id, state: view.row.state, clientId: view.row.client_id, caseId: view.row.case_id, hasWorkingDate: hasWorkingDate(view.dates) };
}

/** The documents that travel with the reply: its own papers, and the working papers it cites. */
async function replyDocuments(trx: Knex.Transaction, from: NoticeRow): Promise<string[]> {
  const drafts: Array<{ document_ids: string[] }> = await trx('notice_drafts').where({ notice_id: from.id }).select('document_ids');
  const cited = new Set([...drafts.flatMap((d) => d.document_ids), ...from.filing_evidence_ids]);
  const rows: Array<{ id: string; kind: string }> = await trx('notice_documents').where({ notice_id: from.id }).whereIn('kind', CITABLE_KINDS).select('id', 'kind');
  return rows.filter((d) => REPLY_PAPER_KINDS.includes(d.kind) || cited.has(d.id)).map((d) => d.id).sort();
}

export type MovedReply = { state: NoticeRow['state']; drafts: number; reviews: number; documentIds: string[] };

/** Moves the reply of `from` to `to` (the rule of domain/notices/relink.ts was checked by the caller). */
export async function moveReply(trx: Knex.Transaction, from: NoticeRow, to: NoticeRow, reason: string): Promise<MovedReply> {
  const now = new Date();
  const documentIds = await replyDocuments(trx, from);
  await setAuditAction(trx, RELINK_ACTION);
  const drafts = await trx('notice_drafts').where({ notice_id: from.id }).update({ notice_id: to.id, updated_at: now });
  const reviews = await trx('notice_reviews').where({ notice_id: from.id }).update({ notice_id: to.id, updated_at: now });
  if (documentIds.length) await trx('notice_documents').whereIn('id', documentIds).update({ notice_id: to.id, updated_at: now });
  const reply = {
    drafted_by: from.drafted_by, submitted_by: from.submitted_by, submitted_at: from.submitted_at, approved_by: from.approved_by, approved_at: from.approved_at,
    arn: from.arn, filed_on: from.filed_on, filed_outside: from.filed_outside, filing_evidence_ids: from.filing_evidence_ids,
  };
  await trx('notices').where({ id: to.id }).update({ ...reply, state: from.state, updated_at: now });
  // The notice left behind is unanswered again: its plan restarts now, so no missed reminder is replayed.
  await trx('notices')
    .where({ id: from.id })
    .update({
      drafted_by: null, submitted_by: null, submitted_at: null, approved_by: null, approved_at: null, arn: null, filed_on: null, filed_outside: false, filing_evidence_ids: [],
      state: stateWithoutReply(from.assignee_id), dates_changed_at: now, updated_at: now,
    });
  await setAuditAction(trx, null);
  const moved: MovedReply = { state: from.state, drafts, reviews, documentIds };
  // The reason is no column of either row: each notice's trail says where the reply went, and why.
  await recordAuditEvent(trx, { action: RELINK_ACTION, entityType: 'notice', entityId: to.id, after: { from: from.id, reason, ...moved } });
  await recordAuditEvent(trx, { action: RELINK_ACTION, entityType: 'notice', entityId: from.id, after: { to: to.id, reason, ...moved } });
  return moved;
}
