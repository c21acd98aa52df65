/** Notices as JSON: the three dates with the due date's source, flags, clocks, and the plan with what already fired. */
import { dueInstant, istIso } from '../../domain/calendar';
import { planNotice, replyReviewBlock, type PlanStep, type Reviewer, type ReviewBlock, type TimeScale } from '../../domain/notices';
import { noticeTotal, type HearingRow, type NoticeView } from '../../db/notices';

const money = (v: string | null) => (v === null ? null : Number(v));

function steps(list: PlanStep[], fired: Set<string>) {
  return list.map((s) => ({ key: s.key, at: istIso(new Date(s.at)), audience: s.audience, reason: s.reason, forDate: s.forDate, status: fired.has(s.key) ? 'sent' : 'planned' }));
}

export function presentHearing(h: HearingRow) {
  return { id: h.id, at: istIso(h.at), place: h.place, adjournments: h.adjournments, lastReason: h.last_reason, overrideUsed: h.override_used };
}

/** Tests compress a notice's plan around its intake (`time_scale`); null in real time. */
export function timeScaleOf(row: NoticeView['row']): TimeScale {
  return row.time_scale ? { originMs: row.created_at.getTime(), factor: Number(row.time_scale) } : null;
}

export function presentNotice(view: NoticeView) {
  const { row, dates } = view;
  const plan = planNotice(view.plan, undefined, timeScaleOf(row));
  return {
    id: row.id,
    workflowId: row.workflow_id,
    clientId: row.client_id,
    gstin: row.gstin,
    form: row.form,
    formTitle: view.form.title,
    reference: row.reference,
    caseId: row.case_id,
    din: row.din,
    sections: row.sections,
    periods: row.periods,
    financialYears: row.financial_years,
    issuedOn: row.issued_on,
    servedOn: row.served_on,
    state: row.state,
    statutoryDueDate: dates.statutoryDueDate,
    extendedDueDate: dates.extendedDueDate,
    extensionReference: row.extension_reference,
    effectiveDueDate: dates.effectiveDueDate,
    dueAt: dates.effectiveDueDate ? istIso(dueInstant(dates.effectiveDueDate)) : null,
    targetDate: dates.targetDate,
    targetDateSource: dates.targetDateSource,
    dueDateSource: dates.dueDateSource,
    amounts: { tax: money(row.tax), interest: money(row.interest), penalty: money(row.penalty), total: noticeTotal(row) },
    description: row.description,
    issuingOffice: row.issuing_office,
    assigneeId: row.assignee_id,
    draftedBy: row.drafted_by,
    approvedBy: row.approved_by,
    flags: view.flags,
    reminders: steps(plan.reminders, view.firedKeys),
    escalations: steps(plan.escalations, view.firedKeys),
    clocks: view.clocks,
    reply: row.arn ? { arn: row.arn, filedOn: row.filed_on, filedOutside: row.filed_outside, evidenceIds: row.filing_evidence_ids, note: row.filing_note } : null,
    outcome: row.outcome ? { outcome: row.outcome, orderForm: row.order_form, orderDate: row.order_date, reason: row.close_reason } : null,
    hearings: view.hearings.map(presentHearing),
    createdAt: istIso(row.created_at),
    closedAt: row.closed_at ? istIso(row.closed_at) : null,
  };
}

export type PresentedNotice = ReturnType<typeof presentNotice>;

/**
 * Whether this viewer may approve the reply or request changes now, and why not (docs/api.md "GET
 * /api/notices/:id"): the four-eyes rule the workflow applies (domain/notices/review.ts), so the web
 * offers the review exactly to those the workflow would let review.
 */
export function presentReview(view: Pick<NoticeView, 'row' | 'drafters'>, viewer: Reviewer): { canReview: boolean; canReviewReason: ReviewBlock | null } {
  const reason = replyReviewBlock(viewer, { state: view.row.state, draftedBy: view.row.drafted_by, submittedBy: view.row.submitted_by, drafters: view.drafters });
  return { canReview: reason === null, canReviewReason: reason };
}

/** The clocks that bind the taxpayer (paying early, appealing); the department's limitation is the firm's argument. */
const CLIENT_CLOCKS = ['penalty_saving', 'appeal_due', 'condonation_end'];
const CLIENT_FLAGS = ['blocks_return', 'registration_at_stake'];

/**
 * What a client's own users see of a notice (docs/api.md "A client's view of a notice"): the notice as
 * the department sent it, the dates that bind them, its state, hearings and outcome, and the reply's
 * ARN once filed. Never the firm's working: who drafts or approves, the internal target date, the
 * reminder plan, the workflow, the description, the close reason, the outside-filing note. The view
 * keeps the staff view's shape (one screen renders both): the firm's fields are there, empty.
 */
export function presentNoticeToClient(n: PresentedNotice) {
  return {
    workflowId: null, extensionReference: null, targetDate: null, targetDateSource: null, description: null, assigneeId: null, draftedBy: null, approvedBy: null,
    reminders: [], escalations: [],
    dueDateSource: n.dueDateSource,
    id: n.id, clientId: n.clientId, gstin: n.gstin, form: n.form, formTitle: n.formTitle, reference: n.reference, caseId: n.caseId, din: n.din,
    sections: n.sections, periods: n.periods, financialYears: n.financialYears, issuedOn: n.issuedOn, servedOn: n.servedOn, state: n.state,
    statutoryDueDate: n.statutoryDueDate, extendedDueDate: n.extendedDueDate, effectiveDueDate: n.effectiveDueDate, dueAt: n.dueAt,
    amounts: n.amounts, issuingOffice: n.issuingOffice,
    flags: n.flags.filter((f) => CLIENT_FLAGS.includes(f)),
    clocks: n.clocks.filter((c) => CLIENT_CLOCKS.includes(c.kind)).map((c) => ({ kind: c.kind, date: c.date, note: c.note })),
    hearings: n.hearings.map((h) => ({ id: h.id, at: h.at, place: h.place })),
    reply: n.reply ? { arn: n.reply.arn, filedOn: n.reply.filedOn } : null,
    outcome: n.outcome ? { outcome: n.outcome.outcome, orderForm: n.outcome.orderForm, orderDate: n.outcome.orderDate } : null,
    createdAt: n.createdAt, closedAt: n.closedAt,
  };
}
