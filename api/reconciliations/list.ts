/**
 * GET /api/reconciliations: the firm's reconciliation runs, newest first, for the web app's client
 * page ("reconciliations of this client"), its home page ("my runs and their progress") and the runs
 * list. Filters: clientId, period, status, mine (runs the caller started). Portal users see their
 * own client's runs only (row-level security and the model's client scope both apply).
 * Progress here is what the database holds; GET /api/reconciliations/:runId asks the workflow.
 *
 * With `period` the list is the firm-wide view of that period (docs/reconciliation.md, "The
 * firm-wide view"): each client's latest run among those the other filters keep, with its ITC at
 * risk, largest first, and `inQuarter`, the quarterly filers with no period of their own that month;
 * `history=true` lists every run of the period instead. Each run carries its
 * `periodLabel`, named as the periods list names it (a quarterly filer's quarter by its quarter). A completed run's
 * figures are its page's: less what a reviewer set aside (db/reconciliation-set-aside.ts).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { ReconciliationRun } from '../../db/models/reconciliation-run';
import { NOTHING_SET_ASIDE, riskLessTotal, setAsideOfRuns, type SetAside } from '../../db/reconciliation-set-aside';
import { decodeCursor, page, pageQuery } from '../pagination';
import { route, type RouteSpec } from '../routes';
import { period } from '../schemas';
import { rupees } from '../../domain/recon/present';
import { clientFrequencies } from '../../db/client-frequency';
import { periodLabeller } from '../periods/period-frequencies';
import { Client } from '../../db/models/client';
import { periodProblem, quarterEnd } from '../../domain/periods';
import { presentRun } from './present';

const listQuery = z.object({
  ...pageQuery,
  clientId: z.uuid().optional(),
  period: period.optional(),
  status: z.enum(['queued', 'running', 'completed', 'failed']).optional(),
  mine: z.enum(['true', 'false']).optional(),
  history: z.enum(['true', 'false']).optional(),
});
type ListQuery = z.infer<typeof listQuery>;

type Row = ReconciliationRun & { clientName: string; cursorUs: string };
type LatestRow = ReconciliationRun & { clientName: string; clientGstin: string; shownPaise: string | null };

/** The stored summary's ITC at risk in paise (null until the run completes). */
const RISK_SQL = `(reconciliation_runs.summary->'run'->'itc'->'atRisk'->>'total')::bigint`;

function filtered(query: ListQuery, userId: string) {
  const q = ReconciliationRun.query().join('clients', 'clients.id', 'reconciliation_runs.client_id');
  if (query.clientId) q.where('reconciliation_runs.client_id', query.clientId);
  if (query.period) q.where('reconciliation_runs.period', query.period);
  if (query.status) q.where('reconciliation_runs.status', query.status);
  if (query.mine === 'true') q.where('reconciliation_runs.created_by', userId);
  return q;
}

const hasFigures = (run: ReconciliationRun): boolean => run.status === 'completed' && Boolean(run.summary);

/** What a reviewer set aside in each completed run (db/reconciliation-set-aside.ts): the run page's figures, in a list. */
const asideOf = (asides: ReadonlyMap<string, SetAside>, run: ReconciliationRun): SetAside | undefined =>
  hasFigures(run) ? (asides.get(run.id) ?? NOTHING_SET_ASIDE) : undefined;

/**
 * Each client's latest run of the period, ITC at risk largest first (runs without a figure last), then by client name.
 * The figure is the run page's: the stored one less what a reviewer set aside, which is summed for
 * every client's latest run (aggregates over their ignored rows only) before the list is sorted and paged.
 */
async function latestPerClient(trx: Knex.Transaction, firmId: string, query: ListQuery, userId: string, role: string) {
  const latest = () => filtered(query, userId)
    .distinctOn('reconciliation_runs.client_id')
    .orderBy([{ column: 'reconciliation_runs.client_id' }, { column: 'reconciliation_runs.created_at', order: 'desc' }, { column: 'reconciliation_runs.id', order: 'desc' }]);
  const completed = ((await latest().select('reconciliation_runs.id', 'reconciliation_runs.status')) as ReconciliationRun[]).filter((r) => r.status === 'completed');
  const asides = await setAsideOfRuns(trx, completed.map((r) => r.id));
  const setAside = JSON.stringify([...asides].map(([run, a]) => ({ run, paise: riskLessTotal(a) })));
  const risk = '(risk_paise - coalesce(aside.paise, 0))';
  const after = decodeCursor(query.cursor, 3);
  const q = ReconciliationRun.query()
    .from(latest().select('reconciliation_runs.*', 'clients.name as client_name', 'clients.gstin as client_gstin', ReconciliationRun.raw(`${RISK_SQL} as risk_paise`)).as('reconciliation_runs'))
    .joinRaw('left join jsonb_to_recordset(?::jsonb) as aside(run uuid, paise bigint) on aside.run = reconciliation_runs.id', [setAside])
    .select('reconciliation_runs.*', ReconciliationRun.raw(`${risk} as shown_paise`))
    .orderByRaw(`coalesce(${risk}, -1) desc, client_name, id`)
    .limit(query.limit + 1);
  if (after) q.whereRaw(`(coalesce(${risk}, -1) < ?::bigint or (coalesce(${risk}, -1) = ?::bigint and (client_name, id) > (?, ?::uuid)))`, [after[0]!, after[0]!, after[1]!, after[2]!]);
  const rows = (await q) as LatestRow[];
  const result = page(rows, query.limit, (r) => [r.shownPaise ?? '-1', r.clientName, r.id]);
  const periodLabel = await periodLabeller(trx, firmId, result.items);
  return {
    items: result.items.map((r) => ({
      ...presentRun(r, { done: r.progressDone, total: r.progressTotal }, asideOf(asides, r)),
      periodLabel: periodLabel(r),
      clientName: r.clientName,
      clientGstin: r.clientGstin,
      itcAtRisk: r.shownPaise === null ? null : rupees(Number(r.shownPaise)),
    })),
    nextCursor: result.nextCursor,
    inQuarter: role === 'client' ? [] : await inQuarter(trx, firmId, query.period!),
  };
}

/**
 * The firm's clients for which the month is no period of their own (docs/reconciliation.md, "The
 * firm-wide view"): quarterly (QRMP) filers, by the frequency in force for the month, of a month
 * inside a quarter. They are reconciled for the quarter, named by its last month (`quarterEnd`), so
 * the view shows them apart rather than as "not reconciled" for a month they never reconcile. The
 * firm's people only: a client's own user sees no other client.
 */
async function inQuarter(trx: Knex.Transaction, firmId: string, period: string): Promise<Array<{ clientId: string; clientName: string; quarterEnd: string }>> {
  if (periodProblem(period, 'quarterly') !== 'not_quarter_end') return [];
  const clients = (await Client.query().select('id', 'name').orderBy([{ column: 'name' }, { column: 'id' }])) as Array<{ id: string; name: string }>;
  const frequencyOf = await clientFrequencies(trx, firmId, clients.map((c) => c.id));
  return clients.filter((c) => frequencyOf(c.id, period) === 'quarterly').map((c) => ({ clientId: c.id, clientName: c.name, quarterEnd: quarterEnd(period) }));
}

export function reconciliationListRoutes(): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/reconciliations',
      action: 'reconciliations.read',
      query: listQuery,
      async handler(ctx, { query }) {
        if (query.period && query.history !== 'true') {
          ctx.body = await latestPerClient(ctx.state.trx, ctx.state.user.firmId, query, ctx.state.user.id, ctx.state.user.role);
          return;
        }
        const after = decodeCursor(query.cursor, 2);
        // Newest first; the cursor is the microsecond-exact creation time and the id.
        const q = filtered(query, ctx.state.user.id)
          .select('reconciliation_runs.*', 'clients.name as client_name', ReconciliationRun.raw('(extract(epoch from reconciliation_runs.created_at) * 1000000)::bigint as cursor_us'))
          .orderBy([{ column: 'reconciliation_runs.created_at', order: 'desc' }, { column: 'reconciliation_runs.id', order: 'desc' }])
          .limit(query.limit + 1);
        if (after) q.whereRaw('((extract(epoch from reconciliation_runs.created_at) * 1000000)::bigint, reconciliation_runs.id) < (?::bigint, ?::uuid)', after);
        const rows = (await q) as Row[];
        const result = page(rows, query.limit, (r) => [String(r.cursorUs), r.id]);
        // The page's completed runs' figures as their run page shows them (aggregates over their ignored rows only).
        const asides = await setAsideOfRuns(ctx.state.trx, result.items.filter(hasFigures).map((r) => r.id));
        const periodLabel = await periodLabeller(ctx.state.trx, ctx.state.user.firmId, result.items);
        ctx.body = {
          items: result.items.map((r) => ({ ...presentRun(r, { done: r.progressDone, total: r.progressTotal }, asideOf(asides, r)), periodLabel: periodLabel(r), clientName: r.clientName })),
          nextCursor: result.nextCursor,
        };
      },
    }),
  ];
}
