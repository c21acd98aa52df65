/**
 * How follow-ups name the periods they speak of (docs/follow-ups.md, "Periods"): the return period a
 * follow-up feeds by the cadence of the calendar rule in force for the client and period
 * (returnPeriodLabel), and an item's own period by the client's filing frequency in force for that
 * month (frequencyAt; domain/follow-ups `itemPeriodLabel`), read from the rows current in the caller's
 * transaction, so a follow-up, the calendar and the periods list always agree. One read of the rules
 * and one of the clients' profiles serve a whole page of follow-ups; the frequency is answered from
 * those profiles by db/client-frequency.ts, the one source every period list uses too.
 */
import type { Knex } from 'knex';
import { returnPeriodLabel, type ReturnType } from '../domain/calendar';
import { loadCalendarClients, loadRules } from './calendar';
import { frequencyLookup, type FrequencyOf } from './client-frequency';

export type LabelledFollowUp = { id: string; clientId: string; deadline: { returnType: string; period: string } | null };

export type FollowUpPeriodNames = {
  /** Each follow-up's deadline label by id (as deadlineLabels). */
  deadlineLabels: Map<string, string | null>;
  /** The client's filing frequency in force for a month (db/client-frequency.ts). */
  frequencyOf: FrequencyOf;
};

/**
 * Each follow-up's deadline label by id; null for one without a deadline, or whose return no
 * longer applies to the client (its profile changed since): the key then stands on its own.
 */
export async function deadlineLabels(trx: Knex.Transaction, firmId: string, rows: readonly LabelledFollowUp[]): Promise<Map<string, string | null>> {
  return (await followUpPeriodNames(trx, firmId, rows, false)).deadlineLabels;
}

/** The deadline labels and the clients' frequencies in force, for naming the follow-ups' items. */
export async function followUpPeriodNames(trx: Knex.Transaction, firmId: string, rows: readonly LabelledFollowUp[], forItems = true): Promise<FollowUpPeriodNames> {
  const labels = new Map<string, string | null>(rows.map((r) => [r.id, null]));
  const withDeadline = rows.filter((r) => r.deadline);
  const needed = forItems ? rows : withDeadline;
  const clients = new Map(needed.length === 0 ? [] : (await loadCalendarClients(trx, firmId, [...new Set(needed.map((r) => r.clientId))])).map((c) => [c.id, c]));
  const frequencyOf = frequencyLookup(clients.values());
  if (withDeadline.length === 0) return { deadlineLabels: labels, frequencyOf };
  const rules = await loadRules(trx);
  for (const row of withDeadline) {
    const client = clients.get(row.clientId);
    const { returnType, period } = row.deadline!;
    labels.set(row.id, client ? returnPeriodLabel(client.profile, returnType as ReturnType, period, rules) : null);
  }
  return { deadlineLabels: labels, frequencyOf };
}
