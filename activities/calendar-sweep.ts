/**
 * The calendar sweep's activities. `sweepFirmCalendar` does one firm's day in one transaction: it
 * takes the firm-and-day lock, returns at once if the day was already swept, else records an alert
 * for every deadline that is now due soon or overdue and was not announced before (keyed by its
 * effective due date, so an extension re-arms it), writes one in-app notification per person (the
 * client's owner and the firm's managers, each once) listing their new deadlines, and marks the day
 * swept. A crash before the commit leaves nothing, so the retry does it all again, once.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { calendarEntries, periodLabel, plusDays, type CalendarEntry } from '../domain/calendar';
import { loadCalendarClients, loadFilings, loadFirmCalendar } from '../db/calendar';
import { lockKey } from '../db/advisory-lock';
import { allFirmIds } from '../db/firms';
import { inFirmJobTransaction } from '../db/tenant';
import { CALENDAR_NOTIFICATION_KIND, SWEEP_LOOKBACK_DAYS, type FirmSweepInput, type FirmSweepResult } from '../workflows/calendar-sweep-definitions';

type AlertKey = { client_id: string; return_type: string; period: string; kind: string; due_date: string };
const keyOf = (a: AlertKey) => `${a.client_id}|${a.return_type}|${a.period}|${a.kind}|${a.due_date}`;

export function createCalendarSweepActivities(deps: { knex: Knex; logger: Logger }) {
  return {
    async listCalendarSweepFirms(): Promise<string[]> {
      return allFirmIds(deps.knex);
    },

    async sweepFirmCalendar(input: FirmSweepInput): Promise<FirmSweepResult> {
      const { firmId, day } = input;
      const result = await inFirmJobTransaction(deps.knex, firmId, 'calendar-sweep', async (trx) => {
        await lockKey(trx, `taalmel.calendar-sweep:${firmId}:${day}`);
        const done = await trx('calendar_sweeps').where({ firm_id: firmId, day }).first('alerts', 'notifications');
        if (done) return { firmId, day, alreadySwept: true, alerts: done.alerts as number, notifications: done.notifications as number };

        const calendar = await loadFirmCalendar(trx, firmId);
        const clients = (await loadCalendarClients(trx, firmId)).filter((c) => c.active);
        const filings = await loadFilings(trx, firmId, clients.map((c) => c.id));
        const due = calendarEntries({
          clients,
          policyFor: calendar.policyFor,
          filings,
          from: plusDays(day, -SWEEP_LOOKBACK_DAYS),
          to: plusDays(day, calendar.settings.warningDays),
          today: day,
          warningDays: calendar.settings.warningDays,
        }).filter((e) => e.status === 'due_soon' || e.status === 'overdue');

        const candidates = due.map((e) => ({ entry: e, alert: { client_id: e.clientId, return_type: e.returnType, period: e.period, kind: e.status, due_date: e.effectiveDueDate } }));
        const fresh = new Set<string>();
        if (candidates.length) {
          const inserted: AlertKey[] = await trx('calendar_alerts')
            .insert(candidates.map((c) => ({ firm_id: firmId, ...c.alert, sweep_day: day })))
            .onConflict(['firm_id', 'client_id', 'return_type', 'period', 'kind', 'due_date'])
            .ignore()
            .returning(['client_id', 'return_type', 'period', 'kind', trx.raw('due_date::text as due_date')]);
          for (const row of inserted) fresh.add(keyOf(row));
        }
        const announced = candidates.filter((c) => fresh.has(keyOf(c.alert))).map((c) => c.entry);

        const recipients = await recipientsFor(trx, firmId, announced);
        for (const [userId, entries] of recipients) {
          await trx('notifications').insert({
            firm_id: firmId,
            user_id: userId,
            kind: CALENDAR_NOTIFICATION_KIND,
            payload: {
              day,
              // The period as the calendar names it (a month, a QRMP quarter, a financial year), beside its key.
              items: entries.map((e) => ({ clientId: e.clientId, clientName: e.clientName, returnType: e.returnType, period: e.period, periodLabel: periodLabel(e.period, e.cadence), dueDate: e.effectiveDueDate, status: e.status })),
            },
          });
        }
        await trx('calendar_sweeps').insert({ firm_id: firmId, day, alerts: announced.length, notifications: recipients.size, workflow_id: input.workflowId });
        return { firmId, day, alreadySwept: false, alerts: announced.length, notifications: recipients.size };
      });
      deps.logger.info(result, 'calendar sweep of a firm');
      return result;
    },
  };
}

/** Each person once: the client's owner (when an active staff member) and every active manager. */
async function recipientsFor(trx: Knex.Transaction, firmId: string, entries: CalendarEntry[]): Promise<Map<string, CalendarEntry[]>> {
  const byUser = new Map<string, CalendarEntry[]>();
  if (entries.length === 0) return byUser;
  const staff: Array<{ id: string; role: string }> = await trx('users').where({ firm_id: firmId, active: true }).whereIn('role', ['firm_admin', 'manager', 'staff']).select('id', 'role');
  const activeStaff = new Set(staff.map((u) => u.id));
  const managers = staff.filter((u) => u.role === 'manager').map((u) => u.id);
  const owners = new Map<string, string | null>(
    (await trx('clients').where({ firm_id: firmId }).whereIn('id', [...new Set(entries.map((e) => e.clientId))]).select('id', 'owner_id')).map((c: { id: string; owner_id: string | null }) => [c.id, c.owner_id]),
  );
  for (const entry of entries) {
    const owner = owners.get(entry.clientId);
    const people = new Set([...managers, ...(owner && activeStaff.has(owner) ? [owner] : [])]);
    for (const userId of people) byUser.set(userId, [...(byUser.get(userId) ?? []), entry]);
  }
  return byUser;
}
