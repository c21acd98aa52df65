/**
 * The calendar list: every client's deadlines in a window with their status on a given day. Pure;
 * the API's lists and the daily sweep both build theirs with it, so they always agree.
 */
import { deadlineKey, deadlinesInWindow, deadlineStatus, type CalendarPolicy, type Deadline, type DeadlineStatus } from './deadlines';
import type { ClientProfile } from './rules';

export type EntryClient = { id: string; name: string; profile: ClientProfile };
export type EntryFiling = { filedOn: string; arn: string };

export type CalendarEntry = Deadline & { clientId: string; clientName: string; status: DeadlineStatus; filing: EntryFiling | null };

export type EntryInput = {
  clients: readonly EntryClient[];
  policyFor(stateCode: string): CalendarPolicy;
  /** Keyed by deadlineKey. */
  filings: ReadonlyMap<string, EntryFiling>;
  from: string;
  to: string;
  today: string;
  warningDays: number;
};

export function calendarEntries(input: EntryInput): CalendarEntry[] {
  const entries: CalendarEntry[] = [];
  for (const client of input.clients) {
    for (const deadline of deadlinesInWindow(client.profile, input.from, input.to, input.policyFor(client.profile.stateCode))) {
      const filing = input.filings.get(deadlineKey(client.id, deadline.returnType, deadline.period)) ?? null;
      entries.push({
        ...deadline,
        clientId: client.id,
        clientName: client.name,
        status: deadlineStatus(deadline.effectiveDueDate, filing !== null, input.today, input.warningDays),
        filing: filing ? { filedOn: filing.filedOn, arn: filing.arn } : null,
      });
    }
  }
  return entries.sort(entryOrder);
}

/** The list's order: effective due date, then client name and id, return type, period (also what a page cursor holds). */
export type EntryKey = Pick<CalendarEntry, 'effectiveDueDate' | 'clientName' | 'clientId' | 'returnType' | 'period'>;

export function entryOrder(a: EntryKey, b: EntryKey): number {
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    text(a.effectiveDueDate, b.effectiveDueDate) ||
    text(a.clientName, b.clientName) ||
    text(a.clientId, b.clientId) ||
    text(a.returnType, b.returnType) ||
    text(a.period, b.period)
  );
}
