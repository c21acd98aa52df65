/**
 * Retention (docs/data-export-and-erasure.md, "Retention"): the firm's setting per data class, the
 * plan of what will be purged when (the pure domain/retention.ts plan, the same one the nightly run
 * executes, so this is its dry run), and the report of each night's run.
 */
import { z } from 'zod';
import { countRetentionRows, loadRetentionRules, loadRetentionSettings, loadRetentionState, saveRetentionSettings } from '../../db/retention';
import { isIsoDate, istDate, istIso } from '../../domain/calendar/dates';
import { RETENTION_CLASS_FIELDS, RETENTION_CLASSES, retentionPlan, retentionSettingsProblems, MAX_RETENTION_MONTHS, type RetentionRule, type RetentionSettings } from '../../domain/retention';
import { invalidInput, notFound } from '../errors';
import { badCursor, decodeCursor, page, pageQuery } from '../pagination';
import { route, type RouteSpec } from '../routes';

const months = z.object({ retainMonths: z.number().int().min(0).max(MAX_RETENTION_MONTHS).nullable() }).strict();
const settingsBody = z.object({ sourceFiles: months, reconciliationResults: months }).strict();
const day = z.string().refine(isIsoDate, 'a date YYYY-MM-DD');
const planQuery = z.object({
  asOf: day.optional(),
  status: z.enum(['kept', 'not_closed', 'scheduled', 'due', 'purged']).optional(),
  clientId: z.uuid().optional(),
  ...pageQuery,
});
const runsQuery = z.object({ ...pageQuery });
const idParams = z.object({ id: z.uuid() });

function presentSettings(settings: RetentionSettings, rules: RetentionRule[], updatedAt: Date | null, updatedBy: string | null) {
  const classes = Object.fromEntries(
    RETENTION_CLASSES.map((c) => {
      const rule = rules.find((r) => r.dataClass === c);
      return [RETENTION_CLASS_FIELDS[c], { retainMonths: settings[c], minimumMonths: rule?.minMonths ?? null, rule: rule ? { reference: rule.reference, version: rule.version } : null }];
    }),
  );
  return {
    ...classes,
    countedFrom: "the due date of the annual return of the period's financial year",
    updatedAt: updatedAt ? istIso(new Date(updatedAt)) : null,
    updatedBy,
  };
}

type RunRow = { id: string; day: string; workflow_id: string; status: string; totals: unknown; failure_reason: string | null; created_at: Date; finished_at: Date | null };
const presentRun = (r: RunRow) => ({
  id: r.id,
  day: r.day,
  workflowId: r.workflow_id,
  status: r.status,
  totals: r.totals,
  failureReason: r.failure_reason,
  startedAt: istIso(new Date(r.created_at)),
  finishedAt: r.finished_at ? istIso(new Date(r.finished_at)) : null,
});

export function retentionRoutes(): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/settings/retention',
      action: 'retention.read',
      async handler(ctx) {
        const trx = ctx.state.trx;
        const { settings, updatedAt, updatedBy } = await loadRetentionSettings(trx, ctx.state.user.firmId);
        ctx.body = presentSettings(settings, await loadRetentionRules(trx), updatedAt, updatedBy);
      },
    }),
    route<unknown, unknown, z.infer<typeof settingsBody>, 'retention.update'>({
      method: 'put',
      path: '/api/settings/retention',
      action: 'retention.update',
      sensitive: true,
      body: settingsBody,
      async handler(ctx, { body }) {
        const trx = ctx.state.trx;
        const rules = await loadRetentionRules(trx);
        const settings: RetentionSettings = { source_files: body.sourceFiles.retainMonths, reconciliation_results: body.reconciliationResults.retainMonths };
        const problems = retentionSettingsProblems(settings, rules);
        if (Object.keys(problems).length) throw invalidInput({ fields: problems }, 'A retention period is shorter than the law requires.');
        await saveRetentionSettings(trx, ctx.state.user.firmId, settings, ctx.state.user.id);
        const saved = await loadRetentionSettings(trx, ctx.state.user.firmId);
        ctx.body = presentSettings(saved.settings, rules, saved.updatedAt, saved.updatedBy);
      },
    }),
    route<unknown, z.infer<typeof planQuery>, unknown, 'retention.read'>({
      method: 'get',
      path: '/api/retention/plan',
      action: 'retention.read',
      query: planQuery,
      async handler(ctx, { query }) {
        const trx = ctx.state.trx;
        const firmId = ctx.state.user.firmId;
        const asOf = query.asOf ?? istDate(new Date());
        const state = await loadRetentionState(trx, firmId, query.clientId);
        const all = retentionPlan({ ...state, today: asOf }).filter((i) => !query.status || i.status === query.status);
        // The plan is a timetable computed whole; the cursor is the position after the last item shown.
        const [start] = decodeCursor(query.cursor, 1) ?? [0];
        if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) throw badCursor();
        const indexed = all.slice(start).map((item, i) => ({ item, index: start + i }));
        const { items, nextCursor } = page(indexed, query.limit, (row) => [row.index + 1]);
        const names = new Map<string, string>(
          ((await trx('clients').whereIn('id', [...new Set(items.map((r) => r.item.clientId))]).select('id', 'name')) as Array<{ id: string; name: string }>).map((c) => [c.id, c.name]),
        );
        const shown = [];
        for (const { item } of items) {
          // What tonight's run would delete: counted for the due items shown.
          const rows = item.status === 'due' ? await countRetentionRows(trx, firmId, item) : null;
          shown.push({ ...item, dataClass: RETENTION_CLASS_FIELDS[item.dataClass], clientName: names.get(item.clientId) ?? null, rows, purgedAt: item.purgedAt ? istIso(new Date(item.purgedAt)) : null });
        }
        ctx.body = { asOf, settings: presentSettings(state.settings, state.rules, state.updatedAt, state.updatedBy), items: shown, nextCursor };
      },
    }),
    route<unknown, z.infer<typeof runsQuery>, unknown, 'retention.read'>({
      method: 'get',
      path: '/api/retention/runs',
      action: 'retention.read',
      query: runsQuery,
      async handler(ctx, { query }) {
        const after = decodeCursor(query.cursor, 2) as [string, string] | null;
        const q = ctx.state.trx('retention_runs').select('id', ctx.state.trx.raw('day::text as day'), 'workflow_id', 'status', 'totals', 'failure_reason', 'created_at', 'finished_at');
        if (after) q.whereRaw('(day, id) < (?::date, ?::uuid)', after);
        const rows: RunRow[] = await q.orderBy([{ column: 'day', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(query.limit + 1);
        const { items, nextCursor } = page(rows, query.limit, (r) => [r.day, r.id]);
        ctx.body = { items: items.map(presentRun), nextCursor };
      },
    }),
    route<z.infer<typeof idParams>, unknown, unknown, 'retention.read'>({
      method: 'get',
      path: '/api/retention/runs/:id',
      action: 'retention.read',
      params: idParams,
      async handler(ctx, { params }) {
        const trx = ctx.state.trx;
        const run: RunRow | undefined = await trx('retention_runs')
          .where({ id: params.id })
          .first('id', trx.raw('day::text as day'), 'workflow_id', 'status', 'totals', 'failure_reason', 'created_at', 'finished_at');
        if (!run) throw notFound('No such retention run.');
        const purges = await trx('retention_purges')
          .where({ run_id: run.id })
          .orderBy([{ column: 'purged_at' }, { column: 'id' }])
          .select('client_id', 'period', 'data_class', 'retain_months', trx.raw('keep_until::text as keep_until'), trx.raw('purge_on::text as purge_on'), 'counts', 'purged_at');
        ctx.body = {
          ...presentRun(run),
          purged: purges.map((p: { client_id: string; period: string; data_class: keyof typeof RETENTION_CLASS_FIELDS; retain_months: number; keep_until: string; purge_on: string; counts: Record<string, number>; purged_at: Date }) => ({
            clientId: p.client_id,
            period: p.period,
            dataClass: RETENTION_CLASS_FIELDS[p.data_class],
            retainMonths: p.retain_months,
            keepUntil: p.keep_until,
            purgeOn: p.purge_on,
            rows: p.counts,
            purgedAt: istIso(new Date(p.purged_at)),
          })),
        };
      },
    }),
  ];
}
