/** Notices: the record, its documents, case and review trail (docs/notices.md). */
import type { ReviewBlock } from '../../../../domain/notices/review';

export type NoticeState = 'received' | 'assigned' | 'drafting' | 'in_review' | 'approved' | 'filed' | 'closed';
export type NoticeForm = {
  form: string;
  provision: string;
  title: string;
  answer: string;
  windowDays: number | null;
  windowUnit: 'calendar' | 'working';
  owner: string;
  blocksReturn: boolean;
  registrationAtStake: boolean;
  clocks: string[];
};
export type NoticeStep = { key: string; at: string; audience: string; reason: string; forDate: string | null; status: 'planned' | 'sent' };
export type Hearing = { id: string; at: string; place: string | null; adjournments: number; lastReason: string | null; overrideUsed: boolean };
export type Notice = {
  id: string;
  workflowId: string;
  clientId: string;
  gstin: string;
  form: string;
  formTitle: string;
  reference: string;
  caseId: string | null;
  din: string | null;
  periods: string[];
  financialYears: string[];
  /** Not in every view of a notice (a client's users see less). */
  sections?: string[];
  issuedOn?: string | null;
  issuingOffice?: string | null;
  servedOn: string;
  state: NoticeState;
  statutoryDueDate: string | null;
  extendedDueDate: string | null;
  effectiveDueDate: string | null;
  dueAt: string | null;
  targetDate: string | null;
  targetDateSource: string | null;
  dueDateSource: 'notice' | 'computed' | 'manual' | null;
  amounts: { tax: number | null; interest: number | null; penalty: number | null; total: number | null };
  description: string | null;
  assigneeId: string | null;
  draftedBy: string | null;
  approvedBy: string | null;
  flags: string[];
  reminders: NoticeStep[];
  escalations: NoticeStep[];
  clocks: Array<{ kind: 'penalty_saving' | 'appeal_due' | 'condonation_end' | 'limitation_end'; date: string; note: string; section?: string; financialYears?: string[] }>;
  /** A client's own users get the reply as filed: its `text` when it was drafted in Taalmel (null otherwise), without the firm's evidence ids. */
  reply: null | { arn: string; filedOn: string; filedOutside?: boolean; evidenceIds?: string[]; text?: string | null };
  outcome: null | { outcome: string; orderForm: string | null; orderDate: string | null };
  hearings: Hearing[];
  createdAt: string;
  closedAt: string | null;
};
export const NOTICE_DOCUMENT_KINDS = ['notice', 'working_paper', 'reply', 'order', 'evidence'] as const;
export type NoticeDocumentKind = (typeof NOTICE_DOCUMENT_KINDS)[number];
export type NoticeDocument = { id: string; kind: NoticeDocumentKind; filename: string; status: string; contentType: string | null; size: number | null; sha256: string | null; uploadedBy: string; receivedAt: string | null; createdAt: string };
/** Another notice of the same case; `acceptsReply`: open with no reply of its own (a reply may be re-linked to it). */
export type CaseNotice = { id: string; form: string; reference: string; state: NoticeState; servedOn: string; acceptsReply: boolean };
export type NoticeDetail = Notice & {
  documents: NoticeDocument[];
  caseNotices: CaseNotice[];
  drafts: Array<{ id: string; version: number; text: string; draftedBy: string; createdAt: string }>;
  reviews: Array<{ id: string; decision: string; comment: string | null; reviewerId: string; draftVersion: number; createdAt: string }>;
  /** `byName`: the person's name from the firm's users (null for Taalmel's own entries and people no longer on record). */
  history: Array<{ action: string; by: string; byName: string | null; role: string; at: string }>;
  /** Whether the signed-in person may approve the reply or request changes now (the API's four-eyes rule), and why not. */
  canReview: boolean;
  canReviewReason: ReviewBlock | null;
};
