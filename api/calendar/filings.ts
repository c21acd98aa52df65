/**
 * POST /api/clients/:id/filings: a return filed for a period (ARN and date). Its deadline turns
 * `filed`, so the daily sweep stops chasing it, and the follow-ups keyed to it end in the same
 * transaction (their workflows told, so no reminder or escalation follows). The same filing
 * again (a retry or a double click) answers 200 with the first; another ARN for a filed return is
 * a conflict, because a return is filed once per period. A new filing dated in the future, or
 * before the period ended, is refused (docs/calendar.md); that check comes after the return's
 * applicability (422) and the stored filing (200/409), so neither answer depends on the date.
 */
import { deadlineFor, filedOnProblem, istDate, type CalendarPolicy, type ReturnType } from '../../domain/calendar';
import { loadFirmCalendar, type CalendarClient } from '../../db/calendar';
import { isUniqueViolation, conflict, invalidInput, unprocessable } from '../errors';
import { route, type RouteSpec } from '../routes';
import { calendarScope, findCalendarClient } from './client-lookup';
import { idParams } from '../schemas';
import { filingBody } from './schema';
import { endFollowUpsOfFiledDeadline } from '../follow-ups/deadline-moves';
import { lockFilingKey } from '../../db/period-lock';
import type { TemporalHandle } from '../temporal-client';
import { frequencyLookup } from '../../db/client-frequency';
import { periodProblem, quarterEnd } from '../../domain/periods';

type FilingRow = { id: string; client_id: string; return_type: string; period: string; filed_on: string; arn: string; created_at: Date };

function presentFiling(row: FilingRow) {
  return { id: row.id, clientId: row.client_id, returnType: row.return_type, period: row.period, filedOn: row.filed_on, arn: row.arn, createdAt: row.created_at };
}

/**
 * 422 `return_not_applicable` for a return the client does not file for the period. When the client
 * files quarterly for that month (the frequency in force, db/client-frequency.ts) and the
 * month does not end its quarter, while the same return is filed for the quarter, the answer names the
 * quarter's last month in `details.quarterEnd` (with `filingFrequency`), as imports and closes do for
 * the same mistake (`period_not_quarter_end`): the code stays, so callers keyed to it are unchanged.
 */
function notApplicable(client: CalendarClient, body: { returnType: ReturnType; period: string }, policy: CalendarPolicy) {
  const details: Record<string, string> = { returnType: body.returnType, period: body.period };
  const filingFrequency = frequencyLookup([client])(client.id, body.period);
  const end = quarterEnd(body.period);
  if (periodProblem(body.period, filingFrequency) === 'not_quarter_end' && deadlineFor(client.profile, body.returnType, end, policy)) {
    return unprocessable('return_not_applicable', `${client.name} files ${body.returnType} quarterly for ${body.period}: its period is the quarter, named by its last month (${end}).`, {
      ...details,
      filingFrequency,
      quarterEnd: end,
    });
  }
  return unprocessable('return_not_applicable', `${body.returnType} for ${body.period} is not a return this client files (its scheme, frequency or turnover band).`, details);
}

const COLUMNS = ['id', 'client_id', 'return_type', 'period', 'arn', 'created_at'];

export function filingRoutes(deps: { temporal: TemporalHandle }): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/clients/:id/filings',
      action: 'filings.create',
      params: idParams,
      body: filingBody,
      async handler(ctx, { params, body }) {
        const { trx, firmId, userId } = calendarScope(ctx);
        const client = await findCalendarClient(ctx, params.id);
        const calendar = await loadFirmCalendar(trx, firmId);
        const policy = calendar.policyFor(client.profile.stateCode);
        if (!deadlineFor(client.profile, body.returnType, body.period, policy)) throw notApplicable(client, body, policy);
        const key = { firm_id: firmId, client_id: client.id, return_type: body.returnType, period: body.period };
        const existing = async (): Promise<FilingRow | undefined> => trx('filings').where(key).first([...COLUMNS, trx.raw('filed_on::text as filed_on')]);
        const answerExisting = (row: FilingRow) => {
          if (row.arn !== body.arn || row.filed_on !== body.filedOn) {
            throw conflict('already_filed', `${body.returnType} for ${body.period} is already recorded as filed with another ARN or date.`, { filing: presentFiling(row) });
          }
          ctx.status = 200;
          ctx.body = presentFiling(row);
        };
        // The stored filing answers first: a retry of one recorded before the date rule below (or on
        // another day) must still get 200, and another ARN 409.
        const before = await existing();
        if (before) return answerExisting(before);
        // A return is filed after its period ends, never before (domain/calendar/filings.ts). Checked
        // after applicability, so a return the client does not file is 422 whatever the date.
        const problem = filedOnProblem(body.period, body.filedOn, istDate(new Date()));
        if (problem) throw invalidInput({ fields: { filedOn: problem } });
        // The return's lock (db/period-lock.ts) before the filing row is written: the row's audit
        // takes the firm's audit-chain lock, and a create holding the return's lock that then writes
        // its own audited rows would wait for it while this waited for the return's lock (deadlock).
        await lockFilingKey(trx, client.id, body.returnType, body.period);
        try {
          // A savepoint, so a concurrent double click's unique violation leaves the request's transaction usable.
          const rows: FilingRow[] = await trx.transaction(
            async (sp): Promise<FilingRow[]> =>
              sp('filings').insert({ ...key, filed_on: body.filedOn, arn: body.arn, created_by: userId }).returning([...COLUMNS, sp.raw('filed_on::text as filed_on')]),
          );
          const user = ctx.state.user!;
          const actor = { userId: user.id, email: user.email, role: user.role };
          await endFollowUpsOfFiledDeadline(trx, deps.temporal, { clientId: client.id, returnType: body.returnType, period: body.period, filedOn: body.filedOn, arn: body.arn, actor });
          ctx.status = 201;
          ctx.body = presentFiling(rows[0]!);
        } catch (error) {
          const now = isUniqueViolation(error) ? await existing() : undefined;
          if (now) return answerExisting(now);
          throw error;
        }
      },
    }),
  ];
}
