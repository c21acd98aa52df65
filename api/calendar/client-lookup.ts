/** What every calendar route needs first: the tenant transaction and firm, and a client in scope. */
import type { Knex } from 'knex';
import { loadCalendarClients, type CalendarClient } from '../../db/calendar';
import { notFound } from '../errors';
import type { AppState } from '../state';

export type Ctx = { state: AppState };

export function calendarScope(ctx: Ctx): { trx: Knex.Transaction; firmId: string; userId: string; portalClientId: string | null } {
  const { trx, user } = ctx.state;
  if (!trx || !user) throw new Error('calendar routes run inside the tenant transaction');
  return { trx, firmId: user.firmId, userId: user.id, portalClientId: user.clientId };
}

/** The client with its calendar profile; another firm's client, or another client of a portal user, is 404. */
export async function findCalendarClient(ctx: Ctx, id: string): Promise<CalendarClient> {
  const { trx, firmId, portalClientId } = calendarScope(ctx);
  if (portalClientId && portalClientId !== id) throw notFound('No such client.');
  const [client] = await loadCalendarClients(trx, firmId, id);
  if (!client) throw notFound('No such client.');
  return client;
}
