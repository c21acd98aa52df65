/**
 * Four eyes on a notice's reply (docs/notices.md "Review and filing"): who may approve it or request
 * changes. The one source for the workflow's check, the approvals list's `canDecide` and the notice's
 * per-viewer `canReview`, so the three can never disagree.
 */
import type { NoticeState } from './plan';

/** The roles that review replies; the workflow refuses others with `forbidden`. */
export const REPLY_REVIEWER_ROLES: readonly string[] = ['manager', 'firm_admin'];

/**
 * Who wrote the reply. `drafters` is everyone who saved any version of its draft; facts a workflow
 * recorded before that field existed lack it and are judged on `draftedBy` alone, as they were then
 * (replays stay as they ran).
 */
export type ReplyAuthors = { draftedBy: string | null; submittedBy: string | null; drafters?: readonly string[] | undefined };

export type Reviewer = { userId: string; role: string };

export function reviewsReplies(role: string): boolean {
  return REPLY_REVIEWER_ROLES.includes(role);
}

/** Whether this person saved any version of the reply or submitted it: then someone else must review it. */
export function wroteReply(userId: string, reply: ReplyAuthors): boolean {
  return (reply.drafters ?? [reply.draftedBy]).includes(userId) || userId === reply.draftedBy || userId === reply.submittedBy;
}

/**
 * Why a person may not review a reply now: `own_reply` (they drafted a version or submitted it, named
 * first because it is what they most need told, whatever their role), `role` (not a manager or firm
 * admin), `not_in_review` (nothing waits for a review). Null: they may approve or request changes.
 */
export type ReviewBlock = 'own_reply' | 'role' | 'not_in_review';

export function replyReviewBlock(reviewer: Reviewer, reply: ReplyAuthors & { state: NoticeState }): ReviewBlock | null {
  if (wroteReply(reviewer.userId, reply)) return 'own_reply';
  if (!reviewsReplies(reviewer.role)) return 'role';
  if (reply.state !== 'in_review') return 'not_in_review';
  return null;
}
