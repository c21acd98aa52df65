/**
 * GST notices' query layer: loads a notice with its form, the firm's holiday calendar for the
 * client's state, its hearings and fired alerts inside the caller's tenant transaction (row-level
 * security scopes every read), and derives through domain/notices everything the api shows and the
 * workflow follows: the three dates, flags, clocks and the reminder plan. Dates are stored as text.
 */
import type { Knex } from 'knex';
import { addDays, calendarForState, istDate, type HolidayCalendar } from '../domain/calendar';
import {
  hasWorkingDate,
  noticeClocks,
  noticeDates,
  outsideLimitation,
  replyReviewBlock,
  type Clock,
  type NoticeDateFacts,
  type NoticeDates,
  type NoticeForm,
  type NoticeState,
  type PlanFacts,
  type Reviewer,
  type UrgencyFacts,
} from '../domain/notices';
import { loadCalendarSettings, loadFirmHolidays, loadNationalHolidays } from './calendar';

export type NoticeRow = {
  id: string; firm_id: string; client_id: string; gstin: string; form: string; reference: string; case_id: string | null; din: string | null;
  sections: string[]; periods: string[]; financial_years: string[]; issued_on: string | null; served_on: string;
  due_date_on_notice: string | null; manual_due_date: string | null; extended_due_date: string | null; extension_reference: string | null; manual_target_date: string | null;
  tax: string | null; interest: string | null; penalty: string | null; description: string | null; issuing_office: string | null;
  state: NoticeState; assignee_id: string | null; drafted_by: string | null; submitted_by: string | null; submitted_at: Date | null; approved_by: string | null; approved_at: Date | null;
  arn: string | null; filed_on: string | null; filed_outside: boolean; filing_evidence_ids: string[]; outcome: string | null; order_form: string | null; order_date: string | null; close_reason: string | null; filing_note: string | null; closed_at: Date | null;
  workflow_id: string; dates_changed_at: Date; time_scale: number | null; created_by: string | null; created_at: Date; updated_at: Date;
};

export type HearingRow = { id: string; notice_id: string; at: Date; place: string | null; adjournments: number; last_reason: string | null; override_used: boolean; created_at: Date; updated_at: Date };

type FormRow = { form: string; provision: string; title: string; answer: string; window_days: number | null; window_unit: 'calendar' | 'working'; owner: NoticeForm['owner']; blocks_return: boolean; registration_at_stake: boolean; clocks: NoticeForm['clocks'] };

export async function loadNoticeForms(trx: Knex.Transaction): Promise<NoticeForm[]> {
  const rows: FormRow[] = await trx('notice_forms').select('*').orderBy('form');
  return rows.map((r) => ({
    form: r.form, provision: r.provision, title: r.title, answer: r.answer, windowDays: r.window_days, windowUnit: r.window_unit, owner: r.owner,
    blocksReturn: r.blocks_return, registrationAtStake: r.registration_at_stake, clocks: r.clocks,
  }));
}

export async function loadNoticeForm(trx: Knex.Transaction, form: string): Promise<NoticeForm | undefined> {
  return (await loadNoticeForms(trx)).find((f) => f.form === form);
}

/** The holiday calendar a notice of this GSTIN counts working days by. */
export async function holidayCalendarFor(trx: Knex.Transaction, firmId: string, gstin: string) {
  const [settings, national, firmDays] = [await loadCalendarSettings(trx, firmId), await loadNationalHolidays(trx), await loadFirmHolidays(trx, firmId)];
  return calendarForState(settings.saturdaysWorking, national.map((h) => h.date), firmDays, gstin.slice(0, 2));
}

/** The facts a notice's three dates are derived from. */
export function dateFactsOf(row: NoticeRow): NoticeDateFacts {
  return { servedOn: row.served_on, dueDateOnNotice: row.due_date_on_notice, manualDueDate: row.manual_due_date, extendedDueDate: row.extended_due_date, manualTargetDate: row.manual_target_date };
}

/**
 * What the list orders notices by (domain/notices/urgency.ts), for many rows at once without building
 * each one's whole view: the forms and each state's holiday calendar are read once. The list pages
 * this, then builds the views of the page's notices only.
 */
export async function urgencyFactsOf(trx: Knex.Transaction, rows: NoticeRow[]): Promise<Array<UrgencyFacts & { row: NoticeRow }>> {
  const forms = new Map((await loadNoticeForms(trx)).map((f) => [f.form, f]));
  const calendars = new Map<string, HolidayCalendar>();
  const out: Array<UrgencyFacts & { row: NoticeRow }> = [];
  for (const row of rows) {
    const form = forms.get(row.form);
    if (!form) throw new Error(`notice ${row.id} has an unknown form`);
    const state = row.gstin.slice(0, 2);
    let calendar = calendars.get(state);
    if (!calendar) calendars.set(state, (calendar = await holidayCalendarFor(trx, row.firm_id, row.gstin)));
    const flags = [...(form.blocksReturn ? ['blocks_return'] : []), ...(form.registrationAtStake ? ['registration_at_stake'] : [])];
    out.push({ id: row.id, row, flags, effectiveDueDate: noticeDates(form, dateFactsOf(row), calendar).effectiveDueDate, amounts: { total: noticeTotal(row) } });
  }
  return out;
}

/** The demand's total in rupees (null when no amount is known): the list's last ordering key and the notice's `amounts.total`. */
export function noticeTotal(row: Pick<NoticeRow, 'tax' | 'interest' | 'penalty'>): number | null {
  const parts = [row.tax, row.interest, row.penalty].map((v) => (v === null ? null : Number(v)));
  return parts.every((v) => v === null) ? null : Math.round(parts.reduce<number>((sum, v) => sum + (v ?? 0), 0) * 100) / 100;
}

/**
 * Whether this person may own a notice: an active staff member, manager or firm admin of the firm.
 * Assigning checks it; a reminder for an assignee who no longer is one goes to the managers.
 */
export async function mayOwnNotice(trx: Knex.Transaction, firmId: string, userId: string): Promise<boolean> {
  return Boolean(await trx('users').where({ id: userId, firm_id: firmId, active: true }).whereIn('role', ['staff', 'manager', 'firm_admin']).first('id'));
}

export async function findNotice(trx: Knex.Transaction, id: string): Promise<NoticeRow | undefined> {
  return trx('notices').where({ id }).first();
}

export type NoticeView = {
  row: NoticeRow;
  form: NoticeForm;
  dates: NoticeDates;
  assignBy: string;
  flags: string[];
  clocks: Clock[];
  hearings: HearingRow[];
  plan: PlanFacts;
  firedKeys: Set<string>;
  /** Everyone who saved a version of the reply's draft, in the order they first did. */
  drafters: string[];
};

/** Everything derived about one notice, from the rows current in this transaction. */
export async function noticeView(trx: Knex.Transaction, row: NoticeRow): Promise<NoticeView> {
  const form = await loadNoticeForm(trx, row.form);
  if (!form) throw new Error(`notice ${row.id} has an unknown form`);
  const calendar = await holidayCalendarFor(trx, row.firm_id, row.gstin);
  const dates = noticeDates(form, dateFactsOf(row), calendar);
  const clockFacts = { servedOn: row.served_on, issuedOn: row.issued_on, sections: row.sections, financialYears: row.financial_years, orderDate: row.order_date };
  const flags: string[] = [];
  if (!hasWorkingDate(dates)) flags.push('no_due_date');
  if (outsideLimitation(form, clockFacts)) flags.push('outside_limitation');
  if (form.blocksReturn) flags.push('blocks_return');
  if (form.registrationAtStake) flags.push('registration_at_stake');
  const hearings: HearingRow[] = await trx('notice_hearings').where({ notice_id: row.id }).orderBy([{ column: 'at' }, { column: 'id' }]);
  const fired: Array<{ step_key: string }> = await trx('notice_alerts').where({ notice_id: row.id }).select('step_key');
  const intakeDay = istDate(row.created_at);
  const assignBy = addDays(intakeDay, 1, 'working', calendar);
  const plan: PlanFacts = {
    state: row.state,
    intakeAt: row.created_at.toISOString(),
    datesChangedAt: row.dates_changed_at.toISOString(),
    assignBy,
    effectiveDueDate: dates.effectiveDueDate,
    targetDate: dates.targetDate,
    hearings: hearings.map((h) => ({ id: h.id, on: istDate(h.at), recordedAt: h.updated_at.toISOString() })),
  };
  const drafters = await replyDrafters(trx, row.id);
  return { row, form, dates, assignBy, flags, clocks: noticeClocks(form, clockFacts), hearings, plan, firedKeys: new Set(fired.map((f) => f.step_key)), drafters };
}

/** Who saved any version of a notice's draft (four eyes: none of them reviews the reply). */
export async function replyDrafters(trx: Knex.Transaction, noticeId: string): Promise<string[]> {
  const rows: Array<{ drafted_by: string }> = await trx('notice_drafts').where({ notice_id: noticeId }).orderBy([{ column: 'version' }]).select('drafted_by');
  return [...new Set(rows.map((r) => r.drafted_by))];
}

/** The workflow's mirror of the notice. */
export function workflowFacts(view: NoticeView) {
  return {
    noticeId: view.row.id,
    state: view.row.state,
    assigneeId: view.row.assignee_id,
    draftedBy: view.row.drafted_by,
    submittedBy: view.row.submitted_by,
    drafters: view.drafters,
    hasWorkingDate: hasWorkingDate(view.dates),
    adjournments: Object.fromEntries(view.hearings.map((h) => [h.id, h.adjournments])),
    plan: view.plan,
  };
}

export type PendingReply = { id: string; clientId: string; clientName: string; requestedBy: { id: string; email: string; role: string }; requestedAt: Date; form: string; reference: string; drafterId: string | null; canDecide: boolean };

/**
 * Notice replies waiting for a manager, oldest submission first, after a (submittedAt, id) cursor.
 * The reviewer's own (any version drafted, or submitted, by them) are listed too, marked `canDecide: false`: they
 * wait for someone else, and their author should see that they do. `canDecide` is the four-eyes rule
 * of domain/notices/review.ts, the one the workflow applies.
 */
export async function pendingNoticeReplies(trx: Knex.Transaction, reviewer: Reviewer, after: Array<string | number> | null, limit: number): Promise<PendingReply[]> {
  const q = trx('notices')
    .join('clients', 'clients.id', 'notices.client_id')
    .join('users', 'users.id', 'notices.submitted_by')
    .where('notices.state', 'in_review')
    .orderBy([{ column: 'notices.submitted_at' }, { column: 'notices.id' }])
    .limit(limit)
    .select('notices.id', 'notices.client_id', 'clients.name as client_name', 'notices.submitted_by', 'users.email', 'users.role', 'notices.submitted_at', 'notices.form', 'notices.reference', 'notices.drafted_by', 'notices.state')
    // Whoever saved any version of the draft, not only the last saver.
    .select(trx.raw('array(select distinct d.drafted_by::text from notice_drafts d where d.notice_id = notices.id) as drafters'));
  if (after) q.whereRaw('(notices.submitted_at, notices.id) > (?::timestamptz, ?::uuid)', after);
  const rows: Array<{ id: string; client_id: string; client_name: string; submitted_by: string; email: string; role: string; submitted_at: Date; form: string; reference: string; drafted_by: string | null; state: NoticeState; drafters: string[] }> = await q;
  return rows.map((r) => ({
    id: r.id, clientId: r.client_id, clientName: r.client_name, requestedBy: { id: r.submitted_by, email: r.email, role: r.role }, requestedAt: r.submitted_at, form: r.form, reference: r.reference, drafterId: r.drafted_by,
    canDecide: replyReviewBlock(reviewer, { state: r.state, draftedBy: r.drafted_by, submittedBy: r.submitted_by, drafters: r.drafters }) === null,
  }));
}
