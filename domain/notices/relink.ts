/**
 * Re-linking a reply to another notice of the same case (docs/notices.md "Re-linking a reply"). The
 * portal sometimes files a reply against an older notice of the case; staff put it on the notice it
 * answers. A reply is everything a notice holds of its answer: the draft versions, the reviews, the
 * four-eyes trail (drafter, submitter, approver) and the filing (ARN, date, evidence). Its content
 * never changes here; only the notice it answers does.
 *
 * One pure rule, used by the api before it asks the workflow (a clear refusal) and by the activity
 * under both notices' row locks (another request may have moved things in between).
 */
import type { NoticeState } from './plan';

/** The states in which a notice carries a reply: drafted at least once, or filed. */
export const REPLY_STATES: readonly NoticeState[] = ['drafting', 'in_review', 'approved', 'filed'];
/** The states in which a notice may take a reply from another notice: open and not yet answered. */
export const RELINK_TARGET_STATES: readonly NoticeState[] = ['received', 'assigned'];

export type RelinkSide = {
  id: string;
  state: NoticeState;
  clientId: string;
  caseId: string | null;
  /** A due or target date is known (a reply still being drafted needs one on its new notice). */
  hasWorkingDate: boolean;
};

export const RELINK_REFUSAL = {
  closed: 'notice_closed',
  noReply: 'no_reply',
  differentCase: 'different_case',
  targetHasReply: 'notice_has_reply',
  dueDateRequired: 'due_date_required',
} as const;
export type RelinkRefusalType = (typeof RELINK_REFUSAL)[keyof typeof RELINK_REFUSAL];

/** Why the reply of `from` may not move to `to`, or null when it may. */
export function relinkRefusal(from: RelinkSide, to: RelinkSide): { type: RelinkRefusalType; message: string } | null {
  if (from.state === 'closed' || to.state === 'closed') return { type: RELINK_REFUSAL.closed, message: 'A closed notice takes no change: neither its reply nor a new one.' };
  if (!REPLY_STATES.includes(from.state)) return { type: RELINK_REFUSAL.noReply, message: 'This notice has no reply to move: nothing was drafted or filed for it.' };
  // A case id is the portal's: the same id on two clients' notices is not one case.
  if (from.caseId === null || from.clientId !== to.clientId || from.caseId !== to.caseId) {
    return { type: RELINK_REFUSAL.differentCase, message: 'A reply moves only to another notice of the same case (the same client and case id).' };
  }
  if (!RELINK_TARGET_STATES.includes(to.state)) return { type: RELINK_REFUSAL.targetHasReply, message: `The other notice is ${to.state.replace('_', ' ')}: it has a reply of its own.` };
  if (from.state !== 'filed' && !to.hasWorkingDate) {
    return { type: RELINK_REFUSAL.dueDateRequired, message: 'The other notice has no due or target date: set one before a reply still in progress moves to it.' };
  }
  return null;
}

/** The state a notice returns to once its reply has left it. */
export function stateWithoutReply(assigneeId: string | null): NoticeState {
  return assigneeId ? 'assigned' : 'received';
}
