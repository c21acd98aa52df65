/**
 * POST /api/calendar/extensions: a notified extension of one return and period, for every state or
 * some. It is a row, not a copy of dates: every deadline is computed from the rules and the latest
 * matching extension whenever it is read (lists, the sweep, follow-ups and notices through
 * clientDeadline), so all of them see the new date at once and nothing is ever keyed to the old one.
 * The same extension again (a double click) answers 200 with the first.
 */
import { deadlineFor, periodFitsReturn, ruleDueDate } from '../../domain/calendar';
import { loadCalendarClients, loadFirmCalendar } from '../../db/calendar';
import { invalidInput, unprocessable } from '../errors';
import { route, type RouteSpec } from '../routes';
import { calendarScope } from './client-lookup';
import { moveFollowUpsOfDeadline } from '../follow-ups/deadline-moves';
import type { TemporalHandle } from '../temporal-client';
import { extensionBody } from './schema';

type ExtensionRow = { id: string; return_type: string; period: string; state_codes: string[] | null; due_date: string; reference: string; created_at: Date };

function presentExtension(row: ExtensionRow, affectedClients: number) {
  return { id: row.id, returnType: row.return_type, period: row.period, stateCodes: row.state_codes, dueDate: row.due_date, reference: row.reference, createdAt: row.created_at, affectedClients };
}

const sameStates = (a: string[] | null, b: string[] | null) => (a === null || b === null ? a === b : [...a].sort().join() === [...b].sort().join());

export function extensionRoutes(deps: { temporal: TemporalHandle }): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/calendar/extensions',
      action: 'calendar.extend',
      body: extensionBody,
      async handler(ctx, { body }) {
        const { trx, firmId, userId } = calendarScope(ctx);
        const calendar = await loadFirmCalendar(trx, firmId);
        if (!periodFitsReturn(calendar.rules, body.returnType, body.period)) {
          throw invalidInput({ fields: { period: `${body.returnType} has no period ${body.period} (quarterly returns end in 03/06/09/12, annual ones in 03)` } });
        }
        // An extension gives more time: never a date before the earliest statutory due date of the return and period.
        const statutory = calendar.rules.filter((r) => r.returnType === body.returnType && periodFitsReturn([r], body.returnType, body.period)).map((r) => ruleDueDate(r, body.period));
        const earliest = statutory.sort()[0];
        if (earliest && body.dueDate < earliest) {
          throw unprocessable('extension_before_due_date', `An extension cannot end before the statutory due date (${earliest}).`, { dueDate: earliest });
        }
        const sorted = body.stateCodes ? [...body.stateCodes].sort() : null;
        const affected = (await loadCalendarClients(trx, firmId)).filter(
          (c) => c.active && (sorted === null || sorted.includes(c.profile.stateCode)) && deadlineFor(c.profile, body.returnType, body.period, calendar.policyFor(c.profile.stateCode)),
        ).length;

        const columns = ['id', 'return_type', 'period', 'state_codes', trx.raw('due_date::text as due_date'), 'reference', 'created_at'];
        // One extension per firm, return and period at a time: a double click waits here, then finds the first.
        await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`taalmel.extension:${firmId}:${body.returnType}:${body.period}`]);
        const same = (await trx('calendar_extensions').where({ firm_id: firmId, return_type: body.returnType, period: body.period }).select(columns)).find(
          (r: ExtensionRow) => r.due_date === body.dueDate && r.reference === body.reference && sameStates(r.state_codes, sorted),
        ) as ExtensionRow | undefined;
        if (same) {
          ctx.status = 200;
          ctx.body = presentExtension(same, affected);
          return;
        }
        const [row] = await trx('calendar_extensions')
          .insert({ firm_id: firmId, return_type: body.returnType, period: body.period, state_codes: sorted, due_date: body.dueDate, reference: body.reference, created_by: userId })
          .returning(columns);
        // The follow-ups keyed to this deadline move with it (their workflows replan in this transaction).
        const user = ctx.state.user!;
        await moveFollowUpsOfDeadline(trx, deps.temporal, { firmId, returnType: body.returnType, period: body.period, stateCodes: sorted, actor: { userId: user.id, email: user.email, role: user.role } });
        ctx.status = 201;
        ctx.body = presentExtension(row as ExtensionRow, affected);
      },
    }),
  ];
}
