/**
 * GET /api/reconciliations: the firm's reconciliation runs, newest first, for the web app's client
 * page ("reconciliations of this client"), its home page ("my runs and their progress") and the runs
 * list. Filters: clientId, period, status, mine (runs the caller started). Portal users see their
 * own client's runs only (row-level security and the model's client scope both apply).
 * Progress here is what the database holds; GET /api/reconciliations/:runId asks the workflow.
 */
import { z } from 'zod';
import { ReconciliationRun } from '../../db/models/reconciliation-run';
import { decodeCursor, page, pageQuery } from '../pagination';
import { route, type RouteSpec } from '../routes';
import { period } from '../schemas';
import { presentRun } from './present';

const listQuery = z.object({
  ...pageQuery,
  clientId: z.uuid().optional(),
  period: period.optional(),
  status: z.enum(['queued', 'running', 'completed', 'failed']).optional(),
  mine: z.enum(['true', 'false']).optional(),
});

type Row = ReconciliationRun & { clientName: string; cursorUs: string };

export function reconciliationListRoutes(): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/reconciliations',
      action: 'reconciliations.read',
      query: listQuery,
      async handler(ctx, { query }) {
        const after = decodeCursor(query.cursor, 2);
        // Newest first; the cursor is the microsecond-exact creation time and the id.
        const q = ReconciliationRun.query()
          .select('reconciliation_runs.*', 'clients.name as client_name', ReconciliationRun.raw('(extract(epoch from reconciliation_runs.created_at) * 1000000)::bigint as cursor_us'))
          .join('clients', 'clients.id', 'reconciliation_runs.client_id')
          .orderBy([{ column: 'reconciliation_runs.created_at', order: 'desc' }, { column: 'reconciliation_runs.id', order: 'desc' }])
          .limit(query.limit + 1);
        if (query.clientId) q.where('reconciliation_runs.client_id', query.clientId);
        if (query.period) q.where('reconciliation_runs.period', query.period);
        if (query.status) q.where('reconciliation_runs.status', query.status);
        if (query.mine === 'true') q.where('reconciliation_runs.created_by', ctx.state.user.id);
        if (after) q.whereRaw('((extract(epoch from reconciliation_runs.created_at) * 1000000)::bigint, reconciliation_runs.id) < (?::bigint, ?::uuid)', after);
        const rows = (await q) as Row[];
        const result = page(rows, query.limit, (r) => [String(r.cursorUs), r.id]);
        ctx.body = {
          items: result.items.map((r) => ({ ...presentRun(r, { done: r.progressDone, total: r.progressTotal }), clientName: r.clientName })),
          nextCursor: result.nextCursor,
        };
      },
    }),
  ];
}
