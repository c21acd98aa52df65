/**
 * The one function that decides when a notice reminds and escalates, and to whom. The API shows its
 * result as `reminders` and `escalations`; the notice's workflow recomputes it after every change
 * and sleeps until its next step, so the two never disagree. Every step's key names the date it is
 * about: when a date is replaced, the old date's steps are no longer in the plan and never fire.
 * Pure (dates in, instants out); a time scale lets tests run the same plan seconds apart.
 */
import { dayNumber, dueInstant, istDate, plusDays } from '../calendar';
import { DEFAULT_PLAN_POLICY, type PlanPolicy } from './policy';

export { DEFAULT_PLAN_POLICY, type PlanPolicy } from './policy';

export const NOTICE_STATES = ['received', 'assigned', 'drafting', 'in_review', 'approved', 'filed', 'closed'] as const;
export type NoticeState = (typeof NOTICE_STATES)[number];

export type Audience = 'assignee' | 'manager' | 'firm_admin';
export type PlanStep = {
  /** Unique per notice and the date it is about: fired at most once. */
  key: string;
  at: string;
  kind: 'reminder' | 'escalation';
  audience: Audience;
  reason: 'due_soon' | 'review_gate' | 'target_date' | 'hearing' | 'unassigned' | 'overdue' | 'partner_escalation';
  /** The date the step is about (due, target or hearing date). */
  forDate: string;
};

export type PlanFacts = {
  state: NoticeState;
  /** When the notice was taken in. */
  intakeAt: string;
  /** When its dates last changed (intake, a new due or target date, an extension). */
  datesChangedAt: string;
  /** The working day by whose end someone must own the notice. */
  assignBy: string | null;
  effectiveDueDate: string | null;
  targetDate: string | null;
  hearings: Array<{ id: string; on: string; recordedAt: string }>;
};

/** Real time is `null`; tests compress the plan around an origin (factor 1/86400: a day lasts a second). */
export type TimeScale = { originMs: number; factor: number } | null;

export function scaleInstant(ms: number, scale: TimeScale): number {
  return scale ? Math.round(scale.originMs + (ms - scale.originMs) * scale.factor) : ms;
}

const DAY_MS = 86_400_000;
const OPEN: NoticeState[] = ['received', 'assigned', 'drafting', 'in_review', 'approved'];
const BEFORE_REVIEW: NoticeState[] = ['received', 'assigned', 'drafting'];

/** The instant of an IST wall time on a date. */
function atIst(date: string, minute: number): number {
  return dayNumber(date) * DAY_MS - 330 * 60_000 + minute * 60_000;
}

export type NoticePlan = { reminders: PlanStep[]; escalations: PlanStep[] };

export function planNotice(facts: PlanFacts, policy: PlanPolicy = DEFAULT_PLAN_POLICY, scale: TimeScale = null): NoticePlan {
  const steps: Array<Omit<PlanStep, 'at'> & { atMs: number }> = [];
  const intakeMs = Date.parse(facts.intakeAt);
  const changedMs = Date.parse(facts.datesChangedAt);
  const open = OPEN.includes(facts.state);
  const due = facts.effectiveDueDate;
  // Offsets that fall on or before the day the dates were set are skipped (nobody needs a T-7 on day one).
  const changedDay = istDate(new Date(changedMs));
  const ahead = (date: string) => date > changedDay;

  if (facts.state === 'received' && facts.assignBy) {
    steps.push({ key: `unassigned:${facts.assignBy}`, atMs: dueInstant(facts.assignBy).getTime(), kind: 'escalation', audience: 'manager', reason: 'unassigned', forDate: facts.assignBy });
  }
  if (open && due) {
    for (const offset of policy.reminderOffsets) {
      const day = plusDays(due, -offset);
      if (!ahead(day)) continue;
      const atMs = atIst(day, policy.reminderMinute);
      steps.push({ key: `t-${offset}:${due}`, atMs, kind: 'reminder', audience: 'assignee', reason: 'due_soon', forDate: due });
      if (offset === policy.reviewGateOffset && BEFORE_REVIEW.includes(facts.state)) {
        steps.push({ key: `review-gate:${due}`, atMs, kind: 'reminder', audience: 'manager', reason: 'review_gate', forDate: due });
      }
    }
    const dueMs = dueInstant(due).getTime();
    // Overdue: the manager at once, then daily the manager and the assignee, the firm admin from T+3.
    steps.push({ key: `overdue:${due}:0`, atMs: Math.max(dueMs, changedMs), kind: 'escalation', audience: 'manager', reason: 'overdue', forDate: due });
    for (let d = 1; d <= policy.overdueDays; d += 1) {
      const atMs = dueMs + d * DAY_MS;
      if (atMs < changedMs) continue;
      steps.push({ key: `overdue:${due}:${d}:manager`, atMs, kind: 'escalation', audience: 'manager', reason: 'overdue', forDate: due });
      steps.push({ key: `overdue:${due}:${d}:assignee`, atMs, kind: 'escalation', audience: 'assignee', reason: 'overdue', forDate: due });
      if (d === policy.partnerAfterDays) steps.push({ key: `partner:${due}`, atMs, kind: 'escalation', audience: 'firm_admin', reason: 'partner_escalation', forDate: due });
    }
    // Planned after the partner day: the firm admins at once, under the same key, so a plan made
    // again later finds it fired and tells nobody twice.
    const partnerMs = dueMs + policy.partnerAfterDays * DAY_MS;
    if (policy.partnerWhenLate && partnerMs < changedMs) {
      steps.push({ key: `partner:${due}`, atMs: changedMs, kind: 'escalation', audience: 'firm_admin', reason: 'partner_escalation', forDate: due });
    }
  }
  const target = facts.targetDate;
  if (open && target && ahead(target) && !(due && policy.reminderOffsets.some((o) => plusDays(due, -o) === target))) {
    steps.push({ key: `target:${target}`, atMs: atIst(target, policy.reminderMinute), kind: 'reminder', audience: 'assignee', reason: 'target_date', forDate: target });
  }
  if (facts.state !== 'closed') {
    for (const hearing of facts.hearings) {
      const recordedDay = istDate(new Date(Date.parse(hearing.recordedAt)));
      for (const offset of policy.hearingOffsets) {
        const day = plusDays(hearing.on, -offset);
        if (day <= recordedDay) continue;
        steps.push({ key: `hearing:${hearing.id}:${hearing.on}:${offset}`, atMs: atIst(day, policy.reminderMinute), kind: 'reminder', audience: 'assignee', reason: 'hearing', forDate: hearing.on });
      }
    }
  }
  const planned = steps
    .filter((s) => s.atMs >= Math.min(intakeMs, changedMs) || s.reason === 'overdue')
    .map(({ atMs, ...rest }) => ({ ...rest, at: new Date(scaleInstant(atMs, scale)).toISOString() }))
    .sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
  return { reminders: planned.filter((s) => s.kind === 'reminder'), escalations: planned.filter((s) => s.kind === 'escalation') };
}

/** Every step in time order: what the workflow walks through. */
export function planSteps(plan: NoticePlan): PlanStep[] {
  return [...plan.reminders, ...plan.escalations].sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
}
