/**
 * Every notification kind the server writes (domain/notifications.ts) in words: the one place the app
 * names them. Keyed by the server's list, so a new kind without words fails the type check (and
 * tests/unit/web/notification-labels.test.ts).
 */
import type { NotificationKind } from '../../../domain/notifications';
import type { Notification } from '../http/types';
import { formatDate } from './format';

export const NOTIFICATION_LABEL: Record<NotificationKind, string> = {
  sign_in_new_ip: 'New sign-in from a new place',
  'notice.alert': 'GST notice: reminder or escalation',
  'calendar.deadlines': 'Filing deadlines coming up or overdue',
  'platform.incident': 'Service notice from Taalmel',
  'period_close.reminder': 'A period close waits for your decision',
  'period_close.escalation': 'A period close has waited too long for a decision',
  'follow_up.escalation': 'Follow-up escalated: documents still outstanding',
  'follow_up.call_client': 'Call the client: they unsubscribed from email',
  'follow_up.delivery_failed': 'A follow-up email could not be delivered',
  'follow_up.delivery_unconfirmed': 'A follow-up email may not have been delivered',
};

/** "some_new.kind" → "Some new kind": a kind this build does not know yet still reads as words. */
function kindAsWords(kind: string): string {
  const words = kind.replace(/[._]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : kind;
}

/** Notifications in words: the kind's label, with the follow-up or notice it is about when the payload names one. */
export function describeNotification(n: Notification): string {
  const p = n.payload as Record<string, string | undefined>;
  if (n.kind === 'sign_in_new_ip') {
    return `New sign-in from ${p.ip ?? 'an unknown address'}${p.deviceName ? ` on “${p.deviceName}”` : ''}. If this was not you, sign that device out under My account.`;
  }
  const label = (NOTIFICATION_LABEL as Record<string, string | undefined>)[n.kind] ?? kindAsWords(n.kind);
  if (n.kind === 'calendar.deadlines') return deadlinesText(label, n.payload.items);
  const about = p.title ?? p.subject;
  return typeof about === 'string' && about ? `${label}: ${about}` : label;
}

type SweptDeadline = { clientName?: string; returnType?: string; period?: string; periodLabel?: string; dueDate?: string; status?: string };
const DEADLINE_STATUS: Record<string, string> = { due_soon: 'due soon', overdue: 'overdue' };

/**
 * The daily sweep's deadlines, each with its period as the calendar names it (`periodLabel`: a month,
 * a QRMP quarter, a financial year); a notification written before the label was sent shows the key.
 */
function deadlinesText(label: string, items: unknown): string {
  if (!Array.isArray(items) || items.length === 0) return label;
  const lines = (items as SweptDeadline[]).map((i) => {
    const status = i.status ? (DEADLINE_STATUS[i.status] ?? i.status) : '';
    return [i.clientName, i.returnType, i.periodLabel ?? i.period, i.dueDate ? `due ${formatDate(i.dueDate)}` : '', status ? `(${status})` : ''].filter(Boolean).join(' ');
  });
  return `${label}: ${lines.join('; ')}`;
}
