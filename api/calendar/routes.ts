/**
 * The compliance calendar (docs/calendar.md): every client's deadlines in a window (GET /api/calendar), one
 * client's (GET /api/clients/:id/calendar), and the client facts the calendar rests on (owner,
 * scheme, turnover band, buffer, dated frequency changes). The return-pending view is the same list
 * filtered: `?returnType=GSTR-3B&status=overdue`.
 */
import { calendarEntries, dateOf, daysInMonth, dayNumber, entryOrder, istDate, qrmpTurnoverProblem, withFrequencyChange, type CalendarEntry, type EntryKey } from '../../domain/calendar';
import { loadCalendarClients, loadFilings, loadFirmCalendar, recordFrequencyChange, type CalendarClient } from '../../db/calendar';
import { invalidInput, invalidRules, unprocessable } from '../errors';
import { decodeCursor, encodeCursor } from '../pagination';
import { route, type AuthenticatedContext, type RouteSpec } from '../routes';
import { calendarScope, findCalendarClient } from './client-lookup';
import { presentEntry, presentProfile } from './present';
import { idParams } from '../schemas';
import { clientCalendarQuery, firmCalendarQuery, MAX_WINDOW_DAYS, profileBody, type ProfileBody, type WindowQuery } from './schema';

/** The window asked for: by default the current month (IST); at most MAX_WINDOW_DAYS long. */
function windowOf(query: WindowQuery, today: string): { from: string; to: string } {
  const anchor = query.from ?? query.to ?? today;
  const [year, month] = [Number(anchor.slice(0, 4)), Number(anchor.slice(5, 7))];
  const from = query.from ?? dateOf(year, month, 1);
  const to = query.to ?? dateOf(year, month, daysInMonth(year, month));
  if (from > to) throw invalidInput({ fields: { to: 'must not be before from' } });
  if (dayNumber(to) - dayNumber(from) > MAX_WINDOW_DAYS) throw invalidInput({ fields: { to: `a window covers at most ${MAX_WINDOW_DAYS} days` } });
  return { from, to };
}

async function listFor(ctx: AuthenticatedContext, clients: CalendarClient[], query: WindowQuery) {
  const { trx, firmId } = calendarScope(ctx);
  const today = istDate(new Date());
  const { from, to } = windowOf(query, today);
  const after = decodeCursor(query.cursor, 5);
  const calendar = await loadFirmCalendar(trx, firmId);
  const filings = await loadFilings(trx, firmId, clients.map((c) => c.id));
  let entries: CalendarEntry[] = calendarEntries({ clients, policyFor: calendar.policyFor, filings, from, to, today, warningDays: calendar.settings.warningDays });
  if (query.returnType) entries = entries.filter((e) => e.returnType === query.returnType);
  if (query.status) entries = entries.filter((e) => e.status === query.status);
  if (after) {
    const [effectiveDueDate, clientName, clientId, returnType, period] = after.map(String) as [string, string, string, EntryKey['returnType'], string];
    const key: EntryKey = { effectiveDueDate, clientName, clientId, returnType, period };
    entries = entries.filter((e) => entryOrder(e, key) > 0);
  }
  const items = entries.slice(0, query.limit);
  const last = items.at(-1);
  const nextCursor = entries.length > query.limit && last ? encodeCursor([last.effectiveDueDate, last.clientName, last.clientId, last.returnType, last.period]) : null;
  return { from, to, today, items: items.map(presentEntry), nextCursor };
}

/**
 * The QRMP turnover rule (domain/calendar/rules.ts) on the profile a change would leave: 422 naming
 * the fields of the request it rests on. A request that touches none of them (an owner, a buffer)
 * is not refused for a profile recorded before the rule.
 */
function refuseQrmpAboveTurnover(client: CalendarClient, body: ProfileBody): void {
  const fields = ['scheme', 'turnoverBand', 'frequencyChange'] as const;
  if (!fields.some((f) => body[f] !== undefined)) return;
  const patched = { ...client.profile, scheme: body.scheme ?? client.profile.scheme, turnoverBand: body.turnoverBand !== undefined ? body.turnoverBand : client.profile.turnoverBand };
  const problem = qrmpTurnoverProblem(body.frequencyChange ? withFrequencyChange(patched, body.frequencyChange) : patched);
  if (!problem) return;
  const named = fields.filter((f) => body[f] !== undefined).map((f) => [f === 'frequencyChange' ? 'frequencyChange.frequency' : f, problem]);
  throw unprocessable('qrmp_turnover_limit', `${problem}.`, { fields: Object.fromEntries(named) });
}

export function calendarRoutes(): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/calendar',
      action: 'calendar.read',
      query: firmCalendarQuery,
      async handler(ctx, { query }) {
        const { trx, firmId, portalClientId } = calendarScope(ctx);
        // A portal user sees its own client whatever it asks for (row-level security says the same):
        // another client's id is an empty list of the usual shape, with its window.
        const foreign = !!portalClientId && query.clientId !== undefined && query.clientId !== portalClientId;
        const clients = foreign ? [] : await loadCalendarClients(trx, firmId, portalClientId ?? query.clientId);
        const list = await listFor(ctx, clients.filter((c) => c.active), query);
        ctx.body = { items: list.items, nextCursor: list.nextCursor, from: list.from, to: list.to, today: list.today };
      },
    }),
    route({
      method: 'get',
      path: '/api/clients/:id/calendar',
      action: 'calendar.read',
      params: idParams,
      query: clientCalendarQuery,
      async handler(ctx, { params, query }) {
        const client = await findCalendarClient(ctx, params.id);
        const list = await listFor(ctx, [client], query);
        ctx.body = { items: list.items, nextCursor: list.nextCursor, from: list.from, to: list.to, today: list.today, client: presentProfile(client) };
      },
    }),
    route({
      method: 'patch',
      path: '/api/clients/:id/calendar-profile',
      action: 'clients.update',
      params: idParams,
      body: profileBody,
      async handler(ctx, { params, body }) {
        const { trx, firmId, userId } = calendarScope(ctx);
        const client = await findCalendarClient(ctx, params.id);
        const patch: Record<string, unknown> = {};
        if (body.ownerId !== undefined) {
          if (body.ownerId !== null) {
            const owner = await trx('users').where({ firm_id: firmId, id: body.ownerId, active: true }).whereIn('role', ['staff', 'manager', 'firm_admin']).first('id');
            if (!owner) throw invalidRules({ ownerId: 'not an active staff member, manager or firm admin of this firm' });
          }
          patch.owner_id = body.ownerId;
        }
        refuseQrmpAboveTurnover(client, body);
        if (body.scheme !== undefined) patch.scheme = body.scheme;
        if (body.turnoverBand !== undefined) patch.turnover_band = body.turnoverBand;
        if (body.targetBufferDays !== undefined) patch.target_buffer_days = body.targetBufferDays;
        if (Object.keys(patch).length > 0) await trx('clients').where({ firm_id: firmId, id: client.id }).update({ ...patch, updated_at: trx.fn.now() });
        if (body.frequencyChange && (await recordFrequencyChange(trx, firmId, client, body.frequencyChange, userId)) === 'unchanged') {
          const { frequency, fromPeriod } = body.frequencyChange;
          throw unprocessable('frequency_unchanged', `The client already files ${frequency} from ${fromPeriod}.`, { fromPeriod, frequency });
        }
        ctx.body = presentProfile(await findCalendarClient(ctx, client.id));
      },
    }),
  ];
}
