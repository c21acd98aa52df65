/**
 * The compliance calendar as follow-ups see it (the FollowUpCalendar seam of domain/follow-ups): a
 * deadline's target date, with extensions and the firm's buffer, from the rows current in the
 * caller's transaction; and the working days of the client's state (national holidays, the firm's
 * own, its Saturday setting) for the dates a follow-up can span.
 */
import type { Knex } from 'knex';
import type { FollowUpCalendar } from '../domain/follow-ups';
import { clientDeadline, loadFirmCalendar } from './calendar';

/** Holidays further than this from today cannot move a follow-up's messages. */
const HORIZON_DAYS = 400;

export function followUpCalendarFor(trx: Knex.Transaction, firmId: string, client: { id: string; stateCode: string }): FollowUpCalendar {
  return {
    async targetDate(deadline) {
      return (await clientDeadline(trx, firmId, client.id, deadline.returnType, deadline.period))?.targetDate ?? null;
    },
    async workingDays() {
      const calendar = (await loadFirmCalendar(trx, firmId)).policyFor(client.stateCode).calendar;
      const from = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
      const to = new Date(Date.now() + HORIZON_DAYS * 86_400_000).toISOString().slice(0, 10);
      return { saturdaysWorking: calendar.saturdaysWorking, holidays: [...calendar.holidays].filter((d) => d >= from && d <= to).sort() };
    },
  };
}
