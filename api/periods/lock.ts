/**
 * The api's side of the period lock: a route that writes a period's data calls this first, so the
 * refusal is a clear 422 before any work. The database refuses the same writes anyway (migration
 * 005), so a route that forgets still cannot change a closed period.
 */
import { findPeriod } from '../../db/period-close';
import { unprocessable } from '../errors';

export const periodClosed = (period: string) =>
  unprocessable('period_closed', `Period ${period} is closed: a firm admin must reopen it before its data changes.`, { period });

export async function assertPeriodOpen(clientId: string, period: string): Promise<void> {
  const row = await findPeriod(clientId, period);
  if (row?.state === 'closed') throw periodClosed(period);
}
