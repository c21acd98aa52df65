/**
 * What the client receives, as plain text and HTML from one source. A message carries the firm's
 * name and the staff contact, lists only the outstanding items of this client's own requests (with
 * each request's link), and never internal notes, amounts or other clients' data: its inputs are
 * exactly what may be shown. (A mismatch request's items name the client's own bills with their
 * amounts: that is what the client is asked about.)
 */
import { escalationWords } from './escalation-text';
import { statementNote } from './mismatch-items';
import { indianDate, periodName } from '../recon/report-format';

export type Contact = { name: string; email: string };
/** `attachments`: the files the message carries for this request (a mismatch follow-up's supplier statements). */
/** An item's `periodText`: its period in the client's words (itemPeriodText); without it, the period's month. */
export type ChecklistSection = { title: string; dueDate: string; link: string; items: Array<{ description: string; period: string | null; periodText?: string }>; attachments?: string[] };
export type RenderedEmail = { subject: string; text: string; html: string };

export type ClientMessageKind = 'initial' | 'interval' | 'anchored' | 'overdue' | 'nudge';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const OPENING: Record<ClientMessageKind, string> = {
  initial: 'we need a few documents from you',
  interval: 'a reminder: we are still waiting for some documents',
  anchored: 'the due date is close and we are still waiting for some documents',
  overdue: 'the due date has passed and we are still waiting for some documents',
  nudge: 'a quick reminder about the documents we need',
};

/**
 * An item as the client reads it: its period as a month (`November 2026`) or the quarter or year it
 * stands for, never `2026-11`. After a dash, not in parentheses: a quarter's text carries its own
 * months in parentheses (`Q3 FY 2026-27 (Oct–Dec 2026)`), and nested ones read badly. The link
 * page (api/follow-ups/checklist-page.ts) writes an item the same way.
 */
function itemLine(item: { description: string; period: string | null; periodText?: string }): string {
  return item.period ? `${item.description} — ${item.periodText ?? periodName(item.period)}` : item.description;
}

export function renderClientReminder(input: { firmName: string; clientName: string; contact: Contact; kind: ClientMessageKind; sections: ChecklistSection[]; unsubscribeUrl: string }): RenderedEmail {
  const count = input.sections.reduce((n, s) => n + s.items.length, 0);
  const subject = `${input.firmName}: ${count} item${count === 1 ? '' : 's'} needed${input.kind === 'overdue' ? ' (overdue)' : ''} — ${input.sections[0]?.title ?? ''}`.trim();
  const text = [
    `Dear ${input.clientName},`,
    '',
    `${input.firmName} here: ${OPENING[input.kind]} (${count} item${count === 1 ? '' : 's'} outstanding).`,
    '',
    ...input.sections.flatMap((s) => [
      `${s.title} — due ${indianDate(s.dueDate)}`,
      ...s.items.map((i) => `  - ${itemLine(i)}`),
      ...(s.attachments?.length ? [`  ${statementNote(s.attachments)}`] : []),
      `  Upload or answer here (no sign-in needed): ${s.link}`,
      '',
    ]),
    `Questions? ${input.contact.name} <${input.contact.email}>`,
    '',
    `To stop these emails: ${input.unsubscribeUrl}`,
  ].join('\n');
  const html = [
    `<p>Dear ${escapeHtml(input.clientName)},</p>`,
    `<p>${escapeHtml(input.firmName)} here: ${escapeHtml(OPENING[input.kind])} (${count} item${count === 1 ? '' : 's'} outstanding).</p>`,
    ...input.sections.map(
      (s) =>
        `<h3>${escapeHtml(s.title)} — due ${escapeHtml(indianDate(s.dueDate))}</h3><ul>${s.items.map((i) => `<li>${escapeHtml(itemLine(i))}</li>`).join('')}</ul>` +
        (s.attachments?.length ? `<p>${escapeHtml(statementNote(s.attachments))}</p>` : '') +
        `<p><a href="${escapeHtml(s.link)}">Upload or answer here</a> (no sign-in needed)</p>`,
    ),
    `<p>Questions? ${escapeHtml(input.contact.name)} &lt;<a href="mailto:${escapeHtml(input.contact.email)}">${escapeHtml(input.contact.email)}</a>&gt;</p>`,
    `<p style="font-size:small"><a href="${escapeHtml(input.unsubscribeUrl)}">Stop these emails</a></p>`,
  ].join('\n');
  return { subject, text, html };
}

export function renderAcknowledgement(input: { firmName: string; clientName: string; contact: Contact; title: string; received: string[]; stillOpen: string[] }): RenderedEmail {
  const subject = `${input.firmName}: received ${input.received.length} item${input.received.length === 1 ? '' : 's'} — ${input.title}`;
  const open = input.stillOpen.length ? ['Still needed:', ...input.stillOpen.map((d) => `  - ${d}`)] : ['Nothing else is needed for this request. Thank you.'];
  const text = [`Dear ${input.clientName},`, '', `${input.firmName} received:`, ...input.received.map((d) => `  - ${d}`), '', ...open, '', `Questions? ${input.contact.name} <${input.contact.email}>`].join('\n');
  const html = [
    `<p>Dear ${escapeHtml(input.clientName)},</p>`,
    `<p>${escapeHtml(input.firmName)} received:</p><ul>${input.received.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>`,
    input.stillOpen.length ? `<p>Still needed:</p><ul>${input.stillOpen.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>` : '<p>Nothing else is needed for this request. Thank you.</p>',
    `<p>Questions? ${escapeHtml(input.contact.name)} &lt;${escapeHtml(input.contact.email)}&gt;</p>`,
  ].join('\n');
  return { subject, text, html };
}

/** An internal escalation email to the firm's own people (never to the client). */
export function renderEscalation(input: { firmName: string; clientName: string; title: string; dueDate: string; reason: string; outstanding: string[]; recipientName: string }): RenderedEmail {
  const what = escalationWords(input.reason);
  const subject = `Follow-up: ${input.clientName} — ${input.title}: ${what}`;
  const lines = [`${input.recipientName},`, '', `${input.clientName}, "${input.title}" (due ${indianDate(input.dueDate)}): ${what}.`, '', 'Outstanding:', ...input.outstanding.map((d) => `  - ${d}`), '', `${input.firmName} · Taalmel`];
  const html = [`<p>${escapeHtml(input.recipientName)},</p>`, `<p>${escapeHtml(input.clientName)}, “${escapeHtml(input.title)}” (due ${escapeHtml(indianDate(input.dueDate))}): ${escapeHtml(what)}.</p>`, `<p>Outstanding:</p><ul>${input.outstanding.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>`].join('\n');
  return { subject, text: lines.join('\n'), html };
}
