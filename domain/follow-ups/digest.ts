/**
 * The daily digest each staff member gets about the follow-ups they own: overdue, due today, due in
 * the next days, and newly assigned to them. Pure: the activity hands in the rows and today's date.
 */
import { dateOf, dayOf } from './clock';
import type { RenderedEmail } from './messages';

/** `assignedAt`: when the present owner got it (its creation, or the change of owner that gave it to them). */
export type DigestRow = { id: string; title: string; clientName: string; dueDate: string; status: string; ownerId: string; assignedAt: number; outstanding: number };
export type Digest = { overdue: DigestRow[]; dueToday: DigestRow[]; upcoming: DigestRow[]; newlyAssigned: DigestRow[] };

export const DIGEST_UPCOMING_DAYS = 7;

/** `since`: the instant the person's previous digest covered up to (newly assigned = given to them from then on). */
export function digestFor(rows: DigestRow[], ownerId: string, today: string, since: number): Digest {
  const own = rows.filter((r) => r.ownerId === ownerId && ['open', 'snoozed', 'exhausted'].includes(r.status)).sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.title.localeCompare(b.title));
  const horizon = dateOf(dayOf(today) + DIGEST_UPCOMING_DAYS);
  return {
    overdue: own.filter((r) => r.dueDate < today),
    dueToday: own.filter((r) => r.dueDate === today),
    upcoming: own.filter((r) => r.dueDate > today && r.dueDate <= horizon),
    newlyAssigned: own.filter((r) => r.assignedAt >= since),
  };
}

export function isEmptyDigest(digest: Digest): boolean {
  return Object.values(digest).every((rows) => rows.length === 0);
}

export function renderDigest(input: { firmName: string; recipientName: string; date: string; digest: Digest }): RenderedEmail {
  const sections: Array<[string, DigestRow[]]> = [
    ['Overdue', input.digest.overdue],
    ['Due today', input.digest.dueToday],
    [`Due in the next ${DIGEST_UPCOMING_DAYS} days`, input.digest.upcoming],
    ['Newly assigned to you', input.digest.newlyAssigned],
  ];
  const line = (r: DigestRow) => `${r.clientName} — ${r.title} (due ${r.dueDate}, ${r.outstanding} outstanding)`;
  const text = [`${input.recipientName}, your client follow-ups on ${input.date}:`, '', ...sections.filter(([, rows]) => rows.length).flatMap(([name, rows]) => [`${name}:`, ...rows.map((r) => `  - ${line(r)}`), '']), `${input.firmName} · Taalmel`].join('\n');
  const escape = (v: string) => v.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
  const html = sections
    .filter(([, rows]) => rows.length)
    .map(([name, rows]) => `<h3>${escape(name)}</h3><ul>${rows.map((r) => `<li>${escape(line(r))}</li>`).join('')}</ul>`)
    .join('\n');
  const counts = `${input.digest.overdue.length} overdue, ${input.digest.dueToday.length} due today`;
  return { subject: `Your follow-ups for ${input.date}: ${counts}`, text, html: `<p>${escape(input.recipientName)}, your client follow-ups on ${escape(input.date)}:</p>\n${html}` };
}
