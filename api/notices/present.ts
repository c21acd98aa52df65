/** Notices as JSON: the three dates with the due date's source, flags, clocks, and the plan with what already fired. */
import { dueInstant, istIso } from '../../domain/calendar';
import { planNotice, type PlanStep } from '../../domain/notices';
import type { HearingRow, NoticeView } from '../../db/notices';

const money = (v: string | null) => (v === null ? null : Number(v));

function steps(list: PlanStep[], fired: Set<string>) {
  return list.map((s) => ({ key: s.key, at: istIso(new Date(s.at)), audience: s.audience, reason: s.reason, forDate: s.forDate, status: fired.has(s.key) ? 'sent' : 'planned' }));
}

export function presentHearing(h: HearingRow) {
  return { id: h.id, at: istIso(h.at), place: h.place, adjournments: h.adjournments, lastReason: h.last_reason, overrideUsed: h.override_used };
}

export function presentNotice(view: NoticeView) {
  const { row, dates } = view;
  const scale = row.time_scale ? { originMs: row.created_at.getTime(), factor: Number(row.time_scale) } : null;
  const plan = planNotice(view.plan, undefined, scale);
  const [tax, interest, penalty] = [money(row.tax), money(row.interest), money(row.penalty)];
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
    amounts: { tax, interest, penalty, total: tax === null && interest === null && penalty === null ? null : Math.round(((tax ?? 0) + (interest ?? 0) + (penalty ?? 0)) * 100) / 100 },
    description: row.description,
    issuingOffice: row.issuing_office,
    assigneeId: row.assignee_id,
    draftedBy: row.drafted_by,
    approvedBy: row.approved_by,
    flags: view.flags,
    reminders: steps(plan.reminders, view.firedKeys),
    escalations: steps(plan.escalations, view.firedKeys),
    clocks: view.clocks,
    reply: row.arn ? { arn: row.arn, filedOn: row.filed_on, filedOutside: row.filed_outside, evidenceIds: row.filing_evidence_ids } : null,
    outcome: row.outcome ? { outcome: row.outcome, orderForm: row.order_form, orderDate: row.order_date } : null,
    hearings: view.hearings.map(presentHearing),
    createdAt: istIso(row.created_at),
    closedAt: row.closed_at ? istIso(row.closed_at) : null,
  };
}
