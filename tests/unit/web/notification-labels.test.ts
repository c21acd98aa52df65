/**
 * Every notification kind the server can write has words in the web app (web/src/lib/notifications.ts),
 * never its raw code: the kinds come from the server's list (domain/notifications.ts), and the
 * files that write notifications name no kind outside that list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NOTIFICATION_KINDS } from '../../../domain/notifications';
import { describeNotification, NOTIFICATION_LABEL } from '../../../web/src/lib/notifications';

const ROOT = path.join(__dirname, '../../..');
const note = (kind: string, payload: Record<string, unknown> = {}) => ({ id: 'n1', kind, payload, createdAt: '2026-12-01T10:00:00+05:30', readAt: null });

function serverFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'migrations' ? [] : serverFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

describe('notification kinds in the web app', () => {
  it('labels every kind the server writes, in words rather than its code', () => {
    const unlabelled = NOTIFICATION_KINDS.filter((kind) => {
      const label = (NOTIFICATION_LABEL as Record<string, string | undefined>)[kind];
      return !label || label.includes(kind) || /[._]/.test(label.split(' ')[0] ?? '');
    });
    expect(unlabelled).toEqual([]);
    // Each reads as its label on the Notifications page, never as the raw kind.
    const shown = NOTIFICATION_KINDS.map((kind) => ({ kind, text: describeNotification(note(kind)) }));
    expect(shown.filter((s) => s.text.includes(s.kind) || s.text.includes(s.kind.replace(/[._]/g, ' ')))).toEqual([]);
  });

  it('names what a follow-up notification is about', () => {
    expect(describeNotification(note('follow_up.delivery_unconfirmed', { title: 'Purchase bills' }))).toBe('A follow-up email may not have been delivered: Purchase bills');
  });

  it("lists the sweep's deadlines with each period as the calendar names it", () => {
    const item = (clientName: string, returnType: string, period: string, periodLabel: string | undefined, dueDate: string, status: string) => ({ clientName, returnType, period, ...(periodLabel ? { periodLabel } : {}), dueDate, status });
    const text = describeNotification(
      note('calendar.deadlines', {
        day: '2026-01-15',
        items: [
          item('Alpha Traders', 'GSTR-3B', '2025-12', 'Dec 2025', '2026-01-20', 'due_soon'),
          item('Beta Industries', 'GSTR-3B', '2025-12', 'Q3 FY 2025-26 (Oct–Dec 2025)', '2026-01-24', 'due_soon'),
          item('Alpha Traders', 'GSTR-9', '2025-03', 'FY 2024-25', '2025-12-31', 'overdue'),
        ],
      }),
    );
    expect(text).toBe(
      'Filing deadlines coming up or overdue: Alpha Traders GSTR-3B Dec 2025 due 20-01-2026 (due soon); ' +
        'Beta Industries GSTR-3B Q3 FY 2025-26 (Oct–Dec 2025) due 24-01-2026 (due soon); Alpha Traders GSTR-9 FY 2024-25 due 31-12-2025 (overdue)',
    );
    // A notification written before the sweep sent labels names the period by its key, never a month it is not.
    expect(describeNotification(note('calendar.deadlines', { items: [item('Beta Industries', 'GSTR-3B', '2025-12', undefined, '2026-01-24', 'overdue')] }))).toBe(
      'Filing deadlines coming up or overdue: Beta Industries GSTR-3B 2025-12 due 24-01-2026 (overdue)',
    );
  });

  it('finds no notification kind written by the server outside the list', () => {
    // The files that write notifications, and every kind literal they hold (a literal kind, a kind
    // constant, or the kind argument of notifyFirm).
    const writers = ['activities', 'api', 'db', 'ops', 'workflows'].flatMap(serverFiles).filter((f) => {
      const source = fs.readFileSync(path.join(ROOT, f), 'utf8');
      return /Notification\.query\(\)\.insert|\('notifications'\)\.insert|notifyFirm\(|_NOTIFICATION_KIND =/.test(source);
    });
    expect(writers.length).toBeGreaterThanOrEqual(6);
    const named = new Set<string>();
    for (const file of writers) {
      const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of source.matchAll(/_NOTIFICATION_KIND = '([^']+)'/g)) named.add(m[1]!);
      for (const m of source.matchAll(/kind: '([a-z_]+(?:\.[a-z_]+)*)' satisfies NotificationKind/g)) named.add(m[1]!);
      for (const m of source.matchAll(/notifyFirm\([^)]*?'([a-z_]+\.[a-z_]+)'/g)) named.add(m[1]!);
      for (const m of source.matchAll(/'(follow_up\.delivery_[a-z_]+)'/g)) named.add(m[1]!);
      for (const m of source.matchAll(/`(period_close)\.\$\{kind\}`/g)) for (const k of ['reminder', 'escalation']) named.add(`${m[1]}.${k}`);
    }
    expect([...named].filter((k) => !(NOTIFICATION_KINDS as readonly string[]).includes(k))).toEqual([]);
    // The scan sees what it should: a kind it cannot find would make the check above say nothing.
    expect([...named].sort()).toEqual([...NOTIFICATION_KINDS].sort());
  });
});
