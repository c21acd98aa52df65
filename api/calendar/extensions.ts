/**
 * POST /api/calendar/extensions: a notified extension of one return and period, for every state or
 * some, for filers of either frequency or one (docs/calendar.md, "Extensions"). It is a row, not a copy of dates: every deadline is computed from the rules and the latest
 * matching extension whenever it is read (lists, the sweep, follow-ups and notices through
 * clientDeadline), so all of them see the new date at once and nothing is ever keyed to the old one.
 * The same extension again (a double click) answers 200 with the first.
 */
import { extensionDateProblem, extensionReach, MAX_EXTENSION_YEARS, periodFitsReturn, qrmpGroup, ruleDueDate, rulesForPeriod, type FilingFrequency, type ReturnRule } from '../../domain/calendar';
import { loadCalendarClients, loadFirmCalendar } from '../../db/calendar';
import { lockKey } from '../../db/advisory-lock';
import { invalidInput, unprocessable } from '../errors';
import { route, type RouteSpec } from '../routes';
import { calendarScope } from './client-lookup';
import { moveFollowUpsOfDeadline } from '../follow-ups/deadline-moves';
import type { TemporalHandle } from '../temporal-client';
import { extensionBody } from './schema';

type ExtensionRow = { id: string; return_type: string; period: string; state_codes: string[] | null; filing_frequency: FilingFrequency | null; due_date: string; reference: string; created_at: Date };

/** affectedClients: the active clients whose deadline it moves; notAppliedClients: those it names whose statutory due date is already later, so it does not apply to them. */
function presentExtension(row: ExtensionRow, reach: { affected: number; notApplied: number }) {
  return {
    id: row.id, returnType: row.return_type, period: row.period, stateCodes: row.state_codes, filingFrequency: row.filing_frequency, dueDate: row.due_date,
    reference: row.reference, createdAt: row.created_at, affectedClients: reach.affected, notAppliedClients: reach.notApplied,
  };
}

/** The rules an extension can reach: the return's rules for the period, of the named frequency and of the named states' QRMP groups. */
function scopedRules(rules: readonly ReturnRule[], body: { returnType: ReturnRule['returnType']; period: string; filingFrequency: FilingFrequency | null; stateCodes: string[] | null }): ReturnRule[] {
  const groups = body.stateCodes ? new Set(body.stateCodes.map(qrmpGroup)) : null;
  return rulesForPeriod(rules, body.returnType, body.period).filter(
    (r) => (body.filingFrequency === null || r.filingFrequency === body.filingFrequency) && (r.qrmpGroup === null || groups === null || groups.has(r.qrmpGroup)),
  );
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
        const scoped = scopedRules(calendar.rules, body);
        // A frequency only where the return has filers of that frequency for the period (GSTR-3B for a quarter's last month has both).
        if (body.filingFrequency !== null && scoped.length === 0) {
          throw invalidInput({ fields: { filingFrequency: `${body.returnType} for ${body.period} has no ${body.filingFrequency} filers${body.stateCodes ? ' in the named states' : ''}` } });
        }
        // One rule bounds the date (domain/calendar/extension-bounds.ts): not before the earliest statutory due date the
        // extension can reach (filers with a later date keep theirs), not more than two years past the latest.
        const problem = extensionDateProblem(body.dueDate, scoped.map((r) => ruleDueDate(r, body.period)));
        if (problem?.code === 'before_due_date') {
          throw unprocessable('extension_before_due_date', `An extension cannot end before the statutory due date (${problem.statutoryDueDate}).`, { dueDate: problem.statutoryDueDate });
        }
        if (problem?.code === 'too_far') {
          throw unprocessable('extension_too_far', `An extension cannot end more than ${MAX_EXTENSION_YEARS} years after the statutory due date (${problem.statutoryDueDate}): the latest is ${problem.latestDueDate}. Check the year.`, {
            statutoryDueDate: problem.statutoryDueDate,
            latestDueDate: problem.latestDueDate,
            fields: { dueDate: `at most ${MAX_EXTENSION_YEARS} years after the statutory due date ${problem.statutoryDueDate}: ${problem.latestDueDate} at the latest` },
          });
        }
        const sorted = body.stateCodes ? [...body.stateCodes].sort() : null;
        const active = (await loadCalendarClients(trx, firmId)).filter((c) => c.active).map((c) => c.profile);
        const reach = extensionReach({ ...body, stateCodes: sorted }, active, calendar.rules);

        const columns = ['id', 'return_type', 'period', 'state_codes', 'filing_frequency', trx.raw('due_date::text as due_date'), 'reference', 'created_at'];
        // One extension per firm, return and period at a time: a double click waits here, then finds the first.
        await lockKey(trx, `taalmel.extension:${firmId}:${body.returnType}:${body.period}`);
        const same = (await trx('calendar_extensions').where({ firm_id: firmId, return_type: body.returnType, period: body.period }).select(columns)).find(
          (r: ExtensionRow) => r.due_date === body.dueDate && r.reference === body.reference && sameStates(r.state_codes, sorted) && r.filing_frequency === body.filingFrequency,
        ) as ExtensionRow | undefined;
        if (same) {
          ctx.status = 200;
          ctx.body = presentExtension(same, reach);
          return;
        }
        const [row] = await trx('calendar_extensions')
          .insert({ firm_id: firmId, return_type: body.returnType, period: body.period, state_codes: sorted, filing_frequency: body.filingFrequency, due_date: body.dueDate, reference: body.reference, created_by: userId })
          .returning(columns);
        // The follow-ups keyed to this deadline move with it (their workflows replan in this transaction).
        const user = ctx.state.user!;
        await moveFollowUpsOfDeadline(trx, deps.temporal, { firmId, returnType: body.returnType, period: body.period, stateCodes: sorted, actor: { userId: user.id, email: user.email, role: user.role } });
        ctx.status = 201;
        ctx.body = presentExtension(row as ExtensionRow, reach);
      },
    }),
  ];
}
