/**
 * The filing frequency in force for each client's period (domain/calendar/rules.ts `frequencyAt`):
 * it decides how a period is named (domain/periods.ts `periodName`: a quarterly filer's quarter by
 * its quarter) and whether a month is a period of its own. One read of the clients' profiles serves
 * a whole page, so every list that names periods (the firm's periods, the reconciliation runs) names
 * them alike.
 */
import type { Knex } from 'knex';
import { loadCalendarClients } from '../../db/calendar';
import { frequencyAt, type FilingFrequency } from '../../domain/calendar/rules';
import { periodName } from '../../domain/periods';

export type FrequencyOf = (clientId: string, period: string) => FilingFrequency;

/** The frequencies of `clientIds` (read in the caller's transaction); a client not found files monthly. */
export async function periodFrequencies(trx: Knex.Transaction, firmId: string, clientIds: readonly string[]): Promise<FrequencyOf> {
  const unique = [...new Set(clientIds)];
  const profiles = new Map(unique.length === 0 ? [] : (await loadCalendarClients(trx, firmId, unique)).map((c) => [c.id, c.profile]));
  return (clientId, period) => {
    const profile = profiles.get(clientId);
    return profile ? frequencyAt(profile, period) : 'monthly';
  };
}

/** Each row's `periodLabel`, as the periods list names the same period. */
export async function periodLabeller(trx: Knex.Transaction, firmId: string, rows: ReadonlyArray<{ clientId: string }>): Promise<(row: { clientId: string; period: string }) => string> {
  const frequencyOf = await periodFrequencies(trx, firmId, rows.map((r) => r.clientId));
  return (row) => periodName(row.period, frequencyOf(row.clientId, row.period));
}
