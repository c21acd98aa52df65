/**
 * GET /api/periods: the firm's periods across its clients, for the web app's home page ("periods
 * open or waiting for a decision"). A period exists from its first import or run
 * (docs/period-close.md, "States"), exactly as in a client's own list; its state is `open` until a
 * close is first requested. Newest period first, then by client name. Each item carries the pending
 * close request (when one waits) and the period's latest run, so a person sees at a glance whether
 * the period needs a reconciliation, a close request or a decision, and `closable`: whether its close
 * can be asked today, by the api's date in India (the web app never decides it on the browser's
 * clock). `state` filters by one state or several (`open,reopened`). Portal users see their own
 * client's periods only (row-level security on every table read here).
 */
import { z } from 'zod';
import { closeWindow, PERIOD_STATES, periodName, type PeriodState } from '../../domain/periods';
import { decodeCursor, page, pageQuery } from '../pagination';
import { KNOWN_PERIODS_SQL } from './known-periods';
import { clientFrequencies } from '../../db/client-frequency';
import { route, type RouteSpec } from '../routes';

const listQuery = z.object({
  ...pageQuery,
  /** One state or several, comma-separated (`open,reopened`: the periods still being worked on). */
  state: z
    .string()
    .transform((value) => [...new Set(value.split(',').map((v) => v.trim()))])
    // Refined as a whole, so a refusal names the field `state` rather than one of its parts.
    .refine((states) => states.every((s) => (PERIOD_STATES as readonly string[]).includes(s)), `comma-separated states among ${PERIOD_STATES.join(', ')}`)
    .optional(),
  clientId: z.uuid().optional(),
});

type Row = {
  client_id: string;
  client_name: string;
  client_gstin: string;
  period: string;
  state: PeriodState;
  reopen_count: number | null;
  changed_at: Date | null;
  closed_at: Date | null;
  close_request_id: string | null;
  requested_at: Date | null;
  requested_by: string | null;
  requested_by_email: string | null;
  run_id: string | null;
  run_status: string | null;
  run_completed_at: Date | null;
};

const LIST_SQL = `
  with known as (${KNOWN_PERIODS_SQL})
  select known.client_id, known.period, clients.name as client_name, clients.gstin as client_gstin,
         coalesce(periods.state, 'open') as state, periods.reopen_count, periods.changed_at, periods.closed_at,
         close_requests.id as close_request_id, close_requests.created_at as requested_at,
         close_requests.requested_by, close_requests.requested_by_email,
         run.id as run_id, run.status as run_status, run.completed_at as run_completed_at
    from known
    join clients on clients.id = known.client_id
    left join periods on periods.client_id = known.client_id and periods.period = known.period
    left join close_requests on periods.state = 'close_requested' and close_requests.id = periods.close_request_id
    left join lateral (
      select id, status, completed_at from reconciliation_runs r
       where r.firm_id = app_current_firm() and r.client_id = known.client_id and r.period = known.period
       order by r.created_at desc, r.id desc limit 1) run on true
   where (?::text[] is null or coalesce(periods.state, 'open') = any(?::text[]))
     and (?::uuid is null or known.client_id = ?::uuid)
     and (?::text is null or known.period < ?::text or (known.period = ?::text and (clients.name, known.client_id) > (?::text, ?::uuid)))
   order by known.period desc, clients.name, known.client_id
   limit ?`;

/** `today`: the api's date in India (AppDeps.today), which decides each item's `closable`. */
export function firmPeriodRoutes(deps: { today: () => string }): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/periods',
      action: 'periods.read',
      query: listQuery,
      async handler(ctx, { query }) {
        const after = decodeCursor(query.cursor, 3) as [string, string, string] | null;
        const state = query.state ?? null;
        const clientId = query.clientId ?? null;
        const [afterPeriod, afterName, afterClient] = after ?? [null, null, null];
        const { rows } = await ctx.state.trx.raw<{ rows: Row[] }>(LIST_SQL, [
          state, state, clientId, clientId, afterPeriod, afterPeriod, afterPeriod, afterName, afterClient, query.limit + 1,
        ]);
        // A portal user sees that a close waits, not who in the firm asked for it.
        const firmUser = ctx.state.user.role !== 'client';
        const result = page(rows, query.limit, (r) => [r.period, r.client_name, r.client_id]);
        const today = deps.today(); // one date for the whole page
        // The filing frequency in force for each period decides whether a month is a period of its own (a quarterly filer's month inside a quarter is not).
        const frequencyOf = await clientFrequencies(ctx.state.trx, ctx.state.user.firmId, result.items.map((r) => r.client_id));
        const frequency = (r: Row) => frequencyOf(r.client_id, r.period);
        ctx.body = {
          items: result.items.map((r) => ({
            clientId: r.client_id,
            clientName: r.client_name,
            clientGstin: r.client_gstin,
            period: r.period,
            periodLabel: periodName(r.period, frequency(r)),
            state: r.state,
            reopenCount: r.reopen_count ?? 0,
            changedAt: r.changed_at,
            closedAt: r.closed_at,
            ...closeWindow(r.period, today, frequency(r)),
            closeRequest: r.close_request_id
              ? { id: r.close_request_id, requestedAt: r.requested_at, ...(firmUser ? { requestedBy: { id: r.requested_by, email: r.requested_by_email } } : {}) }
              : null,
            latestRun: r.run_id ? { runId: r.run_id, status: r.run_status, completedAt: r.run_completed_at } : null,
          })),
          nextCursor: result.nextCursor,
        };
      },
    }),
  ];
}
