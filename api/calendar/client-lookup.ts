/** What every calendar route needs first: the tenant transaction and firm, and a client in scope. */
import type { Knex } from 'knex';
import { loadCalendarClients, type CalendarClient } from '../../db/calendar';
import { notFound } from '../errors';
import type { AuthenticatedContext } from '../routes';

export function calendarScope(ctx: AuthenticatedContext): { trx: Knex.Transaction; firmId: string; userId: string; portalClientId: string | null } {
  const { trx, user } = ctx.state;
  return { trx, firmId: user.firmId, userId: user.id, portalClientId: user.clientId };
}

/** The client with its calendar profile; another firm's client, or another client of a portal user, is 404. */
export async function findCalendarClient(ctx: AuthenticatedContext, id: string): Promise<CalendarClient> {
  const { trx, firmId, portalClientId } = calendarScope(ctx);
  if (portalClientId && portalClientId !== id) throw notFound('No such client.');
  const [client] = await loadCalendarClients(trx, firmId, id);
  if (!client) throw notFound('No such client.');
  return client;
}
