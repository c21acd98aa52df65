/**
 * The period a new import is for. It must be one GST data can exist for: not before July 2017, not
 * a period that has not begun (docs/reconciliation.md, "Which periods take imports").
 *
 * A quarterly (QRMP) filer's purchase register and GSTR-2B are imported for a quarter, named by its
 * last month (docs/reconciliation.md, "Quarterly filers"): its period is the quarter, and its 2B is
 * generated for the quarter. An import at another month would be reconciled and closed as a period
 * the client does not have. GSTR-2A imports are not refused: 2A is a running statement of each
 * month, and runs do not use it.
 */
import type { Knex } from 'knex';
import { clientFrequencyAt } from '../../db/client-frequency';
import type { Client } from '../../db/models/client';
import type { ImportKind } from '../../db/models/import';
import type { FilingFrequency } from '../../domain/calendar/rules';
import { importableFrom, importPeriodProblem, monthOf, periodProblem, quarterEnd } from '../../domain/periods';
import { beforeGstPeriod, unprocessable } from '../errors';

/**
 * The import window on `today` (an IST date), domain/periods.ts `importPeriodProblem`: a month
 * before GST is no GST period at all (400 `invalid_input` on `period`); a period not begun yet (for
 * a quarterly filer: its quarter) is a valid period its time refuses, the same shape as a close
 * asked too early (422 `period_not_begun`, with the first day it takes imports). The period is the
 * request's: a portal file's own period must then equal it (parse-portal.ts).
 */
function assertImportPeriodInRange(period: string, today: string, filingFrequency: FilingFrequency): void {
  const problem = importPeriodProblem(period, today, filingFrequency);
  if (problem === 'before_gst') throw beforeGstPeriod(period, 'GST return or register for it');
  if (problem === 'future') {
    const current = monthOf(today);
    const from = importableFrom(period, filingFrequency);
    throw unprocessable(
      'period_not_begun',
      `${period} has not begun yet: imports take the period that is running (${current}${filingFrequency === 'quarterly' ? ', or its quarter' : ''}) or an earlier one, and this one from ${from}. Check the year and month.`,
      { period, importableFrom: from, fields: { period: `not begun yet: it takes imports from ${from}` } },
    );
  }
}

/** The import kinds whose period is the client's filing period. */
const FILING_PERIOD_KINDS: readonly ImportKind[] = ['purchase_register', 'gstr2b'];

/**
 * The period of a new import, checked: 400 before GST, 422 when not begun (above), then 422
 * `period_not_quarter_end` when the client files quarterly for that period (the frequency in force
 * then: a change applies from a quarter on, domain/calendar/rules.ts) and the month does not end a
 * quarter. A 2A is a statement of one month, whatever the client's frequency.
 */
export async function assertImportPeriod(trx: Knex.Transaction, client: Client, kind: ImportKind, period: string, today: string): Promise<void> {
  const filingKind = FILING_PERIOD_KINDS.includes(kind);
  // A 2A is monthly whatever the client files at; the others take the frequency in force (db/client-frequency.ts).
  const frequency: FilingFrequency = filingKind ? await clientFrequencyAt(trx, client.firmId, client.id, period) : 'monthly';
  assertImportPeriodInRange(period, today, frequency);
  if (!filingKind || periodProblem(period, frequency) !== 'not_quarter_end') return;
  const end = quarterEnd(period);
  throw unprocessable('period_not_quarter_end', `${client.name} files quarterly for ${period}: its ${kind === 'gstr2b' ? 'GSTR-2B' : 'purchase register'} is imported for the quarter, named by its last month (${end}).`, {
    period, filingFrequency: frequency, quarterEnd: end, fields: { period: `a quarterly filer's period is the quarter's last month: ${end}` },
  });
}
