/**
 * How follow-ups name the return period they feed (docs/follow-ups.md, "Periods"): by the cadence of
 * the calendar rule in force for the client and period (returnPeriodLabel), read from the rows
 * current in the caller's transaction, so a follow-up and the calendar always agree. One read of the
 * rules and one of the clients' profiles serve a whole page of follow-ups.
 */
import type { Knex } from 'knex';
import { returnPeriodLabel, type ReturnType } from '../domain/calendar';
import { loadCalendarClients, loadRules } from './calendar';

export type LabelledFollowUp = { id: string; clientId: string; deadline: { returnType: string; period: string } | null };

/**
 * Each follow-up's deadline label by id; null for one without a deadline, or whose return no
 * longer applies to the client (its profile changed since): the key then stands on its own.
 */
export async function deadlineLabels(trx: Knex.Transaction, firmId: string, rows: readonly LabelledFollowUp[]): Promise<Map<string, string | null>> {
  const labels = new Map<string, string | null>(rows.map((r) => [r.id, null]));
  const withDeadline = rows.filter((r) => r.deadline);
  if (withDeadline.length === 0) return labels;
  const rules = await loadRules(trx);
  const clients = new Map((await loadCalendarClients(trx, firmId, [...new Set(withDeadline.map((r) => r.clientId))])).map((c) => [c.id, c]));
  for (const row of withDeadline) {
    const client = clients.get(row.clientId);
    const { returnType, period } = row.deadline!;
    labels.set(row.id, client ? returnPeriodLabel(client.profile, returnType as ReturnType, period, rules) : null);
  }
  return labels;
}
