/**
 * The firm's own people's emails about notices, as plain text and HTML from one source: a reminder
 * or escalation step of the plan, and the weekly digest of open notices. Internal only (never to
 * the client); they name the notice, its client and dates, never the reply's text.
 */
import { dayNumber } from '../calendar';
import { escapeHtml, type RenderedEmail } from '../follow-ups/messages';
import type { PlanStep } from './plan';
import { DEFAULT_PLAN_POLICY, type PlanPolicy } from './policy';
import { daysInWords } from './step-text';

export type NoticeMailFacts = { form: string; formTitle: string; reference: string; clientName: string; effectiveDueDate: string | null; state: string };

/**
 * How late the reply is on `plannedOn` (the IST date its step was planned for), in words. The partner
 * step is planned at the end of the policy's `partnerAfterDays`-th day after the due date, or at once
 * when the plan was made later than that (a notice taken in, or given a due date, long overdue): the
 * email says the real count, not the policy's day. The planned day, not the clock's: the step planned
 * for 23:59:59.999 runs a moment after midnight, a day later by the clock. Without the date (or with a
 * compressed test plan that puts it before the step's day) it says the policy's day.
 */
function daysOverdue(due: string, plannedOn: string | undefined, partnerAfterDays: number): string {
  const days = plannedOn ? dayNumber(plannedOn) - dayNumber(due) : 0;
  return `${days > partnerAfterDays ? `${days} days` : daysInWords(partnerAfterDays)} overdue`;
}

type Policy = Pick<PlanPolicy, 'partnerAfterDays'>;

const WHY: Record<PlanStep['reason'], (forDate: string, plannedOn: string | undefined, policy: Policy) => string> = {
  due_soon: (d) => `the reply is due on ${d}`,
  review_gate: (d) => `the reply is due on ${d} and the draft is not with a manager yet`,
  target_date: (d) => `today (${d}) is the firm's target date for the reply`,
  hearing: (d) => `a personal hearing is fixed for ${d}`,
  unassigned: (d) => `nobody owns the notice yet (it should have been assigned by ${d})`,
  overdue: (d) => `the reply was due on ${d} and no ARN is recorded`,
  partner_escalation: (d, plannedOn, policy) => `${daysOverdue(d, plannedOn, policy.partnerAfterDays)}: the reply was due on ${d} and no ARN is recorded`,
};

const noticeLine = (n: NoticeMailFacts) => `${n.form} ${n.reference} — ${n.clientName}`;

/**
 * One reminder or escalation of a notice to one person; `plannedOn`: the IST date its step was planned
 * for; `policy`: the plan's (the default, as the notice's workflow plans).
 */
export function renderNoticeAlert(input: { firmName: string; recipientName: string; notice: NoticeMailFacts; reason: PlanStep['reason']; forDate: string; plannedOn?: string; policy?: Policy }): RenderedEmail {
  const why = WHY[input.reason](input.forDate, input.plannedOn, input.policy ?? DEFAULT_PLAN_POLICY);
  const urgent = input.reason === 'overdue' || input.reason === 'partner_escalation';
  const subject = `${urgent ? 'Overdue notice' : 'Notice'}: ${noticeLine(input.notice)} — ${why}`;
  const facts = [`Form: ${input.notice.form} (${input.notice.formTitle})`, `Reference: ${input.notice.reference}`, `Client: ${input.notice.clientName}`, `Due: ${input.notice.effectiveDueDate ?? 'not known'}`, `State: ${input.notice.state}`];
  const text = [`${input.recipientName},`, '', `${why[0]!.toUpperCase()}${why.slice(1)}.`, '', ...facts, '', `${input.firmName} · Taalmel`].join('\n');
  const html = [`<p>${escapeHtml(input.recipientName)},</p>`, `<p>${escapeHtml(why[0]!.toUpperCase() + why.slice(1))}.</p>`, `<ul>${facts.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`, `<p>${escapeHtml(input.firmName)} · Taalmel</p>`].join('\n');
  return { subject, text, html };
}

export type NoticeDigestRow = NoticeMailFacts & { flags: string[]; total: number | null; assigneeName: string | null };

/**
 * The weekly digest: every open notice of the firm, most urgent first (the caller orders them).
 * `date` is the digest's own IST date: a notice is overdue when its effective due date (a due instant
 * is the end of that date in India) is before it, whatever day the email is actually written.
 */
export function renderNoticeDigest(input: { firmName: string; recipientName: string; date: string; notices: NoticeDigestRow[] }): RenderedEmail {
  const isOverdue = (n: NoticeDigestRow) => n.effectiveDueDate !== null && n.effectiveDueDate < input.date;
  const overdue = input.notices.filter(isOverdue).length;
  const line = (n: NoticeDigestRow) => {
    const due = n.effectiveDueDate ? `due ${n.effectiveDueDate}${isOverdue(n) ? ' (OVERDUE)' : ''}` : 'no due date';
    const stakes = n.flags.filter((f) => f !== 'outside_limitation').map((f) => f.replace(/_/g, ' '));
    const amount = n.total === null ? '' : `, ₹${n.total.toLocaleString('en-IN')}`;
    return `${noticeLine(n)}: ${due}, ${n.state}, ${n.assigneeName ?? 'unassigned'}${amount}${stakes.length ? ` [${stakes.join(', ')}]` : ''}`;
  };
  const subject = `Open GST notices, week of ${input.date}: ${input.notices.length} open, ${overdue} overdue`;
  const text = [`${input.recipientName}, the open notices of ${input.firmName}, most urgent first:`, '', ...input.notices.map((n) => `  - ${line(n)}`), '', `${input.firmName} · Taalmel`].join('\n');
  const html = [`<p>${escapeHtml(input.recipientName)}, the open notices of ${escapeHtml(input.firmName)}, most urgent first:</p>`, `<ol>${input.notices.map((n) => `<li>${escapeHtml(line(n))}</li>`).join('')}</ol>`].join('\n');
  return { subject, text, html };
}
