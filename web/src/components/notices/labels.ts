/**
 * The words a notice's screens show for the API's codes: the reason and audience of a reminder or
 * escalation (the plan's `reason` and `audience`, docs/notices.md "Reminders and escalations"), the
 * actions of its history (the audit trail's `notice.*` actions) and roles. One map per code family;
 * a code this build does not know yet still reads as words, never as a raw code. The partner step's
 * words come from the plan's policy (domain/notices/step-text.ts), as its email's do.
 */
import { partnerStepLabel } from '../../../../domain/notices/step-text';

export const STEP_REASON: Record<string, string> = {
  due_soon: 'Due date approaching',
  review_gate: 'Reply not yet with a manager for review',
  target_date: 'Our target date',
  hearing: 'Hearing approaching',
  unassigned: 'Nobody owns the notice',
  overdue: 'Overdue: no ARN recorded',
  partner_escalation: partnerStepLabel(),
};

export const AUDIENCE: Record<string, string> = {
  assignee: 'the assignee',
  manager: 'the managers',
  firm_admin: 'the firm admins',
};

export const HISTORY_ACTION: Record<string, string> = {
  'notice.intake': 'Taken in',
  'notice.assign': 'Assigned',
  'notice.draft': 'Draft saved',
  'notice.submit': 'Submitted for review',
  'notice.approve': 'Reply approved',
  'notice.request_changes': 'Changes requested',
  'notice.file': 'Filing recorded',
  'notice.file_outside': 'Reply made outside Taalmel recorded',
  'notice.change_dates': 'Dates or amounts changed',
  'notice.hearing': 'Hearing added',
  'notice.adjourn': 'Hearing adjourned',
  'notice.close': 'Closed',
  'notice.relink_reply': 'Reply moved here from another notice',
  'notice.reply_relinked': 'Reply moved between notices of the case',
  'notice.relink_reply_refused': 'Moving the reply refused',
  'notice.calendar_changed': "Replanned for the firm's changed calendar",
  'notice.document_requested': 'Upload started',
  'notice.document_received': 'Document received',
  'notice.document_rejected': 'Upload refused',
  'notice.self_approval_refused': 'Approval by the drafter refused (four eyes)',
  'notice.file_refused': 'Filing refused',
  'notice.alert': 'Reminder or escalation sent',
};

export const ROLE: Record<string, string> = {
  firm_admin: 'firm admin',
  manager: 'manager',
  reviewer: 'reviewer',
  staff: 'staff',
  client: 'client',
  system: 'Taalmel',
};

/** "due_soon" → "Due soon": the fallback for a code no map knows. */
export function codeAsWords(code: string): string {
  const words = code.replace(/^notice\./, '').replace(/[._-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : code;
}

export const stepReasonLabel = (reason: string) => STEP_REASON[reason] ?? codeAsWords(reason);
export const audienceLabel = (audience: string) => AUDIENCE[audience] ?? codeAsWords(audience).toLowerCase();
/** A refused step the map does not list (`notice.hearing_refused`…) still reads as "Hearing refused". */
export const historyActionLabel = (action: string) => HISTORY_ACTION[action] ?? codeAsWords(action);
export const roleLabel = (role: string) => ROLE[role] ?? codeAsWords(role).toLowerCase();
