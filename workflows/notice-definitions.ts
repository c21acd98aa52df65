/**
 * The GST notice workflow's contract: its name, id, input, updates, query and the validators' rules.
 * Pure and I/O-free: the workflow, the api, the activities and the tests share it.
 *
 * One workflow per notice, its id derived from the firm, the GSTIN and the portal reference, so a
 * second intake of the same notice (a double click, two people at once, a portal sync) reaches the
 * same execution.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { RELINK_TARGET_STATES, reviewsReplies, wroteReply, type NoticeState, type PlanFacts, type PlanStep } from '../domain/notices';
import type { NotificationKind } from '../domain/notifications';

export const NOTICE_WORKFLOW = 'noticeWorkflow';
export const NOTICE_NOTIFICATION_KIND = 'notice.alert' satisfies NotificationKind;
export const NOTICE_DIGEST_WORKFLOW = 'noticeDigestWorkflow';

/** One digest run per IST date of the weekly tick: two schedulers or a retry send it once. */
export function noticeDigestWorkflowId(date: string): string {
  return `notice-digest-${date}`;
}

/**
 * One workflow per notice. Workflow ids are the one thing the payload codec cannot seal (Temporal
 * stores and shows them as they are), so the id carries the notice's row id, never its GSTIN or
 * portal reference. Notices taken in before this kept their older `notice:<firm>:<gstin>:<reference>`
 * ids, stored on their rows.
 */
export function noticeWorkflowId(firmId: string, noticeId: string): string {
  return `notice:${firmId}:${noticeId}`;
}

/**
 * What a notice's workflow ends with: the notice's last state, or `absent` when its notice was not
 * there after the commit grace (an intake whose transaction failed after the start, or an erased notice).
 */
export const NOTICE_ABSENT = 'absent';
export type NoticeWorkflowResult = { noticeId: string; state: NoticeState | typeof NOTICE_ABSENT };

export type NoticeActor = { userId: string; email: string; role: string };

/** What the workflow knows of its notice: a mirror of the database row, refreshed by every step. */
export type NoticeFacts = {
  noticeId: string;
  state: NoticeState;
  assigneeId: string | null;
  /** The author of the current draft (who may submit it) and who submitted it. */
  draftedBy: string | null;
  submittedBy: string | null;
  /**
   * Everyone who saved any version of the reply's draft: none of them may review it. Facts recorded
   * before this field existed lack it, and are judged on `draftedBy` as they were (replays stay as they ran).
   */
  drafters?: string[];
  /** A due or target date is known (drafting needs one). */
  hasWorkingDate: boolean;
  /** Adjournments per hearing id. */
  adjournments: Record<string, number>;
  plan: PlanFacts;
};

export type NoticeWorkflowInput = {
  firmId: string;
  facts: NoticeFacts;
  /** Tests compress the plan (a day lasts `timeScale` days); null in real time. */
  timeScale: number | null;
  /** Steps already fired, carried over a continue-as-new. */
  firedKeys?: string[];
  /** Continue as new once the history is this long (tests make it small); Temporal's suggestion otherwise. */
  historyLimit?: number;
};

/**
 * `file_outside`: a reply made outside Taalmel (on the portal or on paper) recorded with its evidence.
 * `relink_reply`: this notice takes the reply of another notice of its case (`payload.fromNoticeId`).
 */
export type StepKind = 'assign' | 'draft' | 'submit' | 'approve' | 'request_changes' | 'file' | 'file_outside' | 'change_dates' | 'hearing' | 'adjourn' | 'close' | 'relink_reply';

export type StepArgs = {
  actor: NoticeActor;
  /** The step's own fields (the api validated their shapes). */
  payload: Record<string, unknown>;
  requestId?: string;
  ip?: string | null;
};

export type StepResult = {
  facts: NoticeFacts;
  entityId?: string | null;
  /** Other notices' workflows whose notice the step changed (a re-linked reply's old notice): told to re-read it. */
  changedWorkflows?: string[];
};

export const stepUpdate = defineUpdate<StepResult, [StepKind, StepArgs]>('noticeStep');

/**
 * The firm's working-day calendar changed (holidays, Saturdays): a working-day window or the
 * assignment day may have moved, so the workflow re-reads its notice's dates and plans again.
 */
export const calendarChangedSignal = defineSignal('calendarChanged');

/**
 * Another notice's step changed this notice (its reply was re-linked to another notice of the case):
 * the workflow re-reads its notice and plans again. Sent by that notice's workflow, after the change
 * committed, so it is delivered even if the api went away.
 */
export const noticeChangedSignal = defineSignal('noticeChanged');

/**
 * `latePartner`: whether this run plans with the late partner escalation (domain/notices/plan.ts
 * `partnerWhenLate`). A run recorded before that rule plans without it until it next runs live (then
 * the patch takes effect and the step goes at once, after the step it waits for); the api shows such
 * a run's plan as it will run (api/notices/late-partner.ts). Absent from workers older than this.
 */
export type NoticeStatus = { state: NoticeState; firedKeys: string[]; next: PlanStep | null; facts: NoticeFacts; latePartner?: boolean };
export const noticeStatusQuery = defineQuery<NoticeStatus>('noticeStatus');

export const NOTICE_REFUSAL = {
  forbidden: 'forbidden',
  selfApproval: 'self_approval_forbidden',
  dueDateRequired: 'due_date_required',
  notApproved: 'reply_not_approved',
  alreadyFiled: 'already_filed',
  adjournmentLimit: 'adjournment_limit',
  wrongState: 'notice_state_conflict',
  commentRequired: 'comment_required',
  closed: 'notice_closed',
  // Re-linking a reply (domain/notices/relink.ts), refused by the activity under both notices' locks.
  noReply: 'no_reply',
  differentCase: 'different_case',
  targetHasReply: 'notice_has_reply',
  // A change of dates checked again by the activity under the notice's row lock (two sent at once).
  factsInconsistent: 'facts_inconsistent',
} as const;
export type NoticeRefusalType = (typeof NOTICE_REFUSAL)[keyof typeof NOTICE_REFUSAL];

const MANAGERS = ['manager', 'firm_admin'];
const PREPARERS = ['staff', 'manager', 'firm_admin'];
export const MAX_ADJOURNMENTS = 3;
const BEFORE_APPROVAL: NoticeState[] = ['received', 'assigned', 'drafting', 'in_review'];

export const ALLOWED_FROM: Partial<Record<StepKind, NoticeState[]>> = {
  assign: ['received', 'assigned', 'drafting', 'in_review', 'approved'],
  draft: ['received', 'assigned', 'drafting'],
  submit: ['drafting'],
  approve: ['in_review'],
  request_changes: ['in_review'],
  file: ['approved'],
  // A reply made outside Taalmel skips the draft and review here: it was filed all the same.
  file_outside: ['received', 'assigned', 'drafting', 'in_review', 'approved'],
  // The notice taking a reply from another notice of its case must have none of its own.
  relink_reply: [...RELINK_TARGET_STATES],
};

/** What a refusal's failure carries besides its type and message: the state it was judged on. */
export type NoticeRefusalDetails = { state: NoticeState };

/**
 * The rules of a step, checked by the update's validator (a refusal never enters history) and again
 * by the handler once it holds the notice (another step may have run in between). Null: may proceed.
 */
export function noticeRefusal(kind: StepKind, facts: NoticeFacts, args: StepArgs): { type: NoticeRefusalType; message: string } | null {
  const { actor, payload } = args;
  if (facts.state === 'closed') return { type: NOTICE_REFUSAL.closed, message: 'The notice is closed.' };
  const managerial = MANAGERS.includes(actor.role);
  switch (kind) {
    case 'assign':
    case 'close':
      if (!managerial) return { type: NOTICE_REFUSAL.forbidden, message: 'Only managers and firm admins may do this.' };
      break;
    case 'draft':
      if (!managerial && actor.userId !== facts.assigneeId) return { type: NOTICE_REFUSAL.forbidden, message: 'Only the assignee, a manager or a firm admin may draft the reply.' };
      if (!facts.hasWorkingDate) return { type: NOTICE_REFUSAL.dueDateRequired, message: 'Set a due or target date before drafting: the notice has none.' };
      break;
    case 'submit':
      if (facts.state === 'drafting' && actor.userId !== facts.draftedBy) return { type: NOTICE_REFUSAL.forbidden, message: 'Only the drafter submits the draft for review.' };
      break;
    case 'approve':
    case 'request_changes':
      // Four eyes, one rule with the approvals list and the notice's `canReview` (domain/notices/review.ts).
      if (!reviewsReplies(actor.role)) return { type: NOTICE_REFUSAL.forbidden, message: 'Only managers and firm admins review replies.' };
      if (wroteReply(actor.userId, facts)) {
        return { type: NOTICE_REFUSAL.selfApproval, message: 'Someone who drafted or submitted the reply may not review it: another manager or firm admin must.' };
      }
      if (kind === 'request_changes' && !String(payload.comment ?? '').trim()) return { type: NOTICE_REFUSAL.commentRequired, message: 'Requesting changes needs a comment.' };
      break;
    case 'file':
      if (!PREPARERS.includes(actor.role)) return { type: NOTICE_REFUSAL.forbidden, message: 'Only staff, managers and firm admins record filings.' };
      // A filed reply is not "unapproved": a second filing is the api's to answer (the same one again is
      // the first's answer, another is a conflict); states past approval fall to the state check below.
      if (facts.state === 'filed') return { type: NOTICE_REFUSAL.alreadyFiled, message: 'The reply is already filed.' };
      if (BEFORE_APPROVAL.includes(facts.state)) return { type: NOTICE_REFUSAL.notApproved, message: 'The reply must be approved by a manager before it is filed.' };
      break;
    case 'file_outside':
      if (!PREPARERS.includes(actor.role)) return { type: NOTICE_REFUSAL.forbidden, message: 'Only staff, managers and firm admins record filings.' };
      break;
    case 'adjourn': {
      const count = facts.adjournments[String(payload.hearingId)] ?? 0;
      if (count >= MAX_ADJOURNMENTS && !(payload.override === true && managerial)) {
        return { type: NOTICE_REFUSAL.adjournmentLimit, message: `A hearing may be adjourned at most ${MAX_ADJOURNMENTS} times; a manager may override.` };
      }
      break;
    }
    default:
      if (!PREPARERS.includes(actor.role)) return { type: NOTICE_REFUSAL.forbidden, message: 'Only staff, managers and firm admins may do this.' };
  }
  const from = ALLOWED_FROM[kind];
  if (from && !from.includes(facts.state)) return { type: NOTICE_REFUSAL.wrongState, message: `The notice is ${facts.state}: this step is not possible now.` };
  return null;
}
