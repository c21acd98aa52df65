/**
 * The GST notice forms Taalmel knows, as data: the usual reply window and whether it counts calendar
 * or working days, who normally owns the work, what answers it, and what is at stake (a blocked
 * return, the registration). Migration 012 seeds the `notice_forms` table from this list; a changed
 * window is a new migration, never an edit of running code. Pure.
 */
import type { DayUnit } from '../calendar';

export type NoticeClock = 'penalty_saving' | 'appeal' | 'limitation';
export type NoticeOwner = 'staff' | 'manager' | 'firm_admin';

export type NoticeForm = {
  form: string;
  provision: string;
  title: string;
  /** What the taxpayer files or does in answer. */
  answer: string;
  /** Days from the service date, or null when only the notice itself states the date. */
  windowDays: number | null;
  windowUnit: DayUnit;
  owner: NoticeOwner;
  /** Left unanswered, it stops the next return (DRC-01B/01C stop GSTR-1/IFF; REG-31 suspends). */
  blocksReturn: boolean;
  registrationAtStake: boolean;
  /** The other clocks it starts besides the reply date. */
  clocks: NoticeClock[];
};

const f = (form: string, provision: string, title: string, answer: string, windowDays: number | null, windowUnit: DayUnit, owner: NoticeOwner, extra: Partial<Pick<NoticeForm, 'blocksReturn' | 'registrationAtStake' | 'clocks'>> = {}): NoticeForm => ({
  form, provision, title, answer, windowDays, windowUnit, owner, blocksReturn: false, registrationAtStake: false, clocks: [], ...extra,
});

export const NOTICE_FORMS: readonly NoticeForm[] = [
  f('GSTR-3A', 's.46, r.68', 'Default notice: a return was not filed', 'File the pending return with late fee and interest', 15, 'calendar', 'staff'),
  f('ASMT-13', 's.62', 'Best-judgement assessment after an unanswered GSTR-3A', 'File a valid return (order deemed withdrawn within 60 days of service), else appeal', 60, 'calendar', 'manager', { clocks: ['appeal'] }),
  f('ASMT-10', 's.61, r.99', 'Scrutiny of returns: discrepancies found', 'ASMT-11 reply with explanation and/or DRC-03 payment', 30, 'calendar', 'staff', { clocks: ['limitation'] }),
  f('ASMT-02', 's.60, r.98', 'Provisional assessment: more information asked', 'Reply in ASMT-03', 15, 'calendar', 'staff'),
  f('ASMT-14', 's.63, r.100', 'Show cause to an unregistered or cancelled person', 'Written reply', 15, 'calendar', 'manager', { clocks: ['limitation'] }),
  f('DRC-01A', 's.73/74/74A, r.142(1A)', 'Pre-show-cause intimation of tax, interest and penalty', 'Part B: pay via DRC-03 or dispute with reasons', null, 'calendar', 'staff', { clocks: ['limitation'] }),
  f('DRC-01', 's.73/74/74A, r.142(1)', 'Show cause notice with demand summary', 'DRC-06 reply and/or DRC-03 payment; ask for a personal hearing', 30, 'calendar', 'staff', { clocks: ['penalty_saving', 'limitation'] }),
  f('DRC-07', 's.73/74/74A, r.142(5)', 'Summary of the adjudication order (demand)', 'Pay, apply for rectification, or appeal in APL-01', null, 'calendar', 'manager', { clocks: ['appeal'] }),
  f('DRC-01B', 's.75(12), r.88C', 'GSTR-1 liability exceeds tax paid in GSTR-3B', 'Part B: pay the difference via DRC-03 or explain', 7, 'calendar', 'staff', { blocksReturn: true }),
  f('DRC-01C', 'r.88D', 'ITC in GSTR-3B exceeds GSTR-2B', 'Part B: pay back via DRC-03 or explain', 7, 'calendar', 'staff', { blocksReturn: true }),
  f('DRC-01D', 's.79, r.142B', 'Recovery intimation for unpaid self-assessed tax or interest', 'Pay, else recovery follows', 7, 'calendar', 'manager'),
  f('REG-03', 'r.9', 'Clarification asked on a registration or amendment application', 'REG-04', 7, 'working', 'staff', { registrationAtStake: true }),
  f('REG-17', 's.29, r.22', 'Show cause for cancellation of registration', 'REG-18', 7, 'working', 'manager', { registrationAtStake: true }),
  f('REG-31', 'r.21A(2A)', 'Registration suspended for return anomalies or non-filing', 'Reply on the portal, often by filing pending returns', 30, 'calendar', 'manager', { registrationAtStake: true, blocksReturn: true }),
  f('REG-23', 'r.23', 'Show cause against a revocation-of-cancellation application', 'REG-24', 7, 'working', 'staff', { registrationAtStake: true }),
  f('CMP-05', 's.10, r.6(4)', 'Composition eligibility in doubt', 'CMP-06', 15, 'calendar', 'staff'),
  f('RFD-03', 'r.90(3)', 'Deficiency memo on a refund application', 'A fresh, corrected RFD-01', null, 'calendar', 'staff'),
  f('RFD-08', 's.54, r.92(3)', 'Show cause proposing to reject a refund', 'RFD-09', 15, 'calendar', 'staff'),
  f('ADT-01', 's.65, r.101', 'Intimation of a departmental audit', 'Produce records; attend', null, 'working', 'manager'),
  f('ADT-02', 's.65(6), r.101(5)', 'Audit findings report', 'Pay agreed items via DRC-03; dispute the rest', null, 'calendar', 'manager'),
  f('MOV-07', 's.129', 'Goods or vehicle detained: notice of tax and penalty', 'Pay for release or reply', null, 'calendar', 'manager'),
];

export const NOTICE_FORM_NAMES = NOTICE_FORMS.map((x) => x.form);

export function noticeForm(form: string, forms: readonly NoticeForm[] = NOTICE_FORMS): NoticeForm | undefined {
  return forms.find((x) => x.form === form);
}

/**
 * The orders a notice can close with (`orderForm` of an `order` outcome): ASMT-12 drops scrutiny
 * proceedings, ASMT-13 is a best-judgement assessment, DRC-07 the adjudication order's summary,
 * REG-19 cancels a registration and REG-20 drops its cancellation, CMP-07 decides composition.
 */
export const ORDER_FORMS: readonly string[] = ['ASMT-12', 'ASMT-13', 'CMP-07', 'DRC-07', 'REG-19', 'REG-20'];
