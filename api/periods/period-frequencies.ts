/**
 * How a list names each row's period: by the client's filing frequency in force for it
 * (db/client-frequency.ts, the one source of that rule; domain/periods.ts `periodName` names a
 * quarterly filer's quarter by its quarter). One read of the clients' frequencies serves a whole
 * page, so every list that names periods (the firm's periods, the reconciliation runs) names them
 * alike.
 */
import type { Knex } from 'knex';
import { clientFrequencies } from '../../db/client-frequency';
import { periodName } from '../../domain/periods';

/** Each row's `periodLabel`, as the periods list names the same period. */
export async function periodLabeller(trx: Knex.Transaction, firmId: string, rows: ReadonlyArray<{ clientId: string }>): Promise<(row: { clientId: string; period: string }) => string> {
  const frequencyOf = await clientFrequencies(trx, firmId, rows.map((r) => r.clientId));
  return (row) => periodName(row.period, frequencyOf(row.clientId, row.period));
}
