/**
 * A quarterly (QRMP) filer's purchase register and GSTR-2B are imported for a quarter, named by its
 * last month (docs/reconciliation.md, "Quarterly filers"): its period is the quarter, and its 2B is
 * generated for the quarter. An import at another month would be reconciled and closed as a period
 * the client does not have. GSTR-2A imports are not refused: 2A is a running statement of each
 * month, and runs do not use it.
 */
import type { Knex } from 'knex';
import { loadCalendarClients } from '../../db/calendar';
import type { Client } from '../../db/models/client';
import type { ImportKind } from '../../db/models/import';
import { frequencyAt } from '../../domain/calendar/rules';
import { periodProblem, quarterEnd } from '../../domain/periods';
import { unprocessable } from '../errors';

/** The import kinds whose period is the client's filing period. */
const FILING_PERIOD_KINDS: readonly ImportKind[] = ['purchase_register', 'gstr2b'];

/**
 * 422 `period_not_quarter_end` when the client files quarterly for that period (the frequency in
 * force then: a change applies from a quarter on, domain/calendar/rules.ts) and the month does not end a quarter.
 */
export async function assertImportPeriod(trx: Knex.Transaction, client: Client, kind: ImportKind, period: string): Promise<void> {
  if (!FILING_PERIOD_KINDS.includes(kind)) return;
  const [profiled] = await loadCalendarClients(trx, client.firmId, client.id);
  const frequency = profiled ? frequencyAt(profiled.profile, period) : client.filingFrequency;
  if (periodProblem(period, frequency) !== 'not_quarter_end') return;
  const end = quarterEnd(period);
  throw unprocessable('period_not_quarter_end', `${client.name} files quarterly for ${period}: its ${kind === 'gstr2b' ? 'GSTR-2B' : 'purchase register'} is imported for the quarter, named by its last month (${end}).`, {
    period, filingFrequency: frequency, quarterEnd: end, fields: { period: `a quarterly filer's period is the quarter's last month: ${end}` },
  });
}
