/**
 * The figures the alert rules watch (ops/prometheus/alerts.yml): the newest verified backup, the
 * last restore drill, emails sent and failed, workflows that failed, workflows the api started, and
 * readiness. They are read when Prometheus scrapes, at most once per REFRESH_MS however often it
 * does, from the database (through `ops_metrics()`, aggregates only: the api cannot read across
 * firms) and from Temporal's visibility store.
 */
import type { Knex } from 'knex';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReadinessProbe } from '../health/readiness';
import type { TemporalHandle } from '../temporal-client';

const REFRESH_MS = 10_000;
/** Failed workflows are counted over this window (the alert fires while any are in it). */
const FAILED_WINDOW_MS = 3600_000;
/** At most this many failed executions are listed per scrape; more still fire the alert. */
const FAILED_LIST_LIMIT = 1000;
const TEMPORAL_DEADLINE_MS = 3000;

type Snapshot = {
  lastVerifiedBackupAt: Date | null;
  lastDrill: { status: 'passed' | 'failed'; at: Date } | null;
  emails: Array<{ audience: string; status: string; count: number }>;
  failedWorkflows: Map<string, number> | null;
};

async function databaseFigures(knex: Knex): Promise<Omit<Snapshot, 'failedWorkflows'>> {
  const { rows } = await knex.raw('select * from ops_metrics()');
  const row = rows[0] ?? {};
  return {
    lastVerifiedBackupAt: row.last_verified_backup_at ? new Date(row.last_verified_backup_at) : null,
    lastDrill: row.last_drill_status ? { status: row.last_drill_status, at: new Date(row.last_drill_at) } : null,
    emails: (row.emails ?? []).map((e: { audience: string; status: string; count: string | number }) => ({ ...e, count: Number(e.count) })),
  };
}

/** Failed or timed-out executions on the api's task queue closed within the window, by type; null when Temporal does not answer. */
async function failedWorkflows(temporal: TemporalHandle, now: Date): Promise<Map<string, number> | null> {
  const since = new Date(now.getTime() - FAILED_WINDOW_MS).toISOString();
  const query = `TaskQueue = "${temporal.taskQueue}" AND (ExecutionStatus = "Failed" OR ExecutionStatus = "TimedOut") AND CloseTime > "${since}"`;
  const byType = new Map<string, number>();
  try {
    // Within a deadline: a scrape while Temporal is down answers (without this figure) instead of hanging.
    await temporal.connection.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, async () => {
      let seen = 0;
      for await (const execution of temporal.client.workflow.list({ query, pageSize: 200 })) {
        byType.set(execution.type, (byType.get(execution.type) ?? 0) + 1);
        seen += 1;
        if (seen >= FAILED_LIST_LIMIT) break;
      }
    });
    return byType;
  } catch {
    return null;
  }
}

export function opsMetrics(registry: Registry, deps: { knex: Knex; temporal: TemporalHandle; readiness: ReadinessProbe }): void {
  let cached: { at: number; snapshot: Promise<Snapshot> } | null = null;
  const snapshot = (): Promise<Snapshot> => {
    const now = Date.now();
    if (cached && now - cached.at < REFRESH_MS) return cached.snapshot;
    const next = Promise.all([databaseFigures(deps.knex), failedWorkflows(deps.temporal, new Date(now))]).then(([db, failed]) => ({ ...db, failedWorkflows: failed }));
    // A failed read is not cached: the next scrape tries again.
    next.catch(() => (cached = null));
    cached = { at: now, snapshot: next };
    return next;
  };
  const seconds = (date: Date) => date.getTime() / 1000;

  new Gauge({
    name: 'taalmel_backup_last_verified_timestamp_seconds',
    help: 'When the newest backup that passed its restore drill finished (Unix seconds); 0 when there is none.',
    registers: [registry],
    async collect() {
      const { lastVerifiedBackupAt } = await snapshot();
      this.set(lastVerifiedBackupAt ? seconds(lastVerifiedBackupAt) : 0);
    },
  });
  new Gauge({
    name: 'taalmel_backup_last_drill_success',
    help: 'The last finished restore drill: 1 passed, 0 failed, -1 none yet.',
    registers: [registry],
    async collect() {
      const { lastDrill } = await snapshot();
      this.set(lastDrill ? (lastDrill.status === 'passed' ? 1 : 0) : -1);
    },
  });
  new Gauge({
    name: 'taalmel_backup_last_drill_timestamp_seconds',
    help: 'When the last restore drill finished (Unix seconds); 0 when there is none.',
    registers: [registry],
    async collect() {
      const { lastDrill } = await snapshot();
      this.set(lastDrill ? seconds(lastDrill.at) : 0);
    },
  });
  new Gauge({
    name: 'taalmel_emails_last_hour',
    help: 'Emails (reminders, escalations, digests) whose send ended in the last hour, by audience and status (sent, failed).',
    labelNames: ['audience', 'status'],
    registers: [registry],
    async collect() {
      const { emails } = await snapshot();
      this.reset();
      for (const audience of ['client', 'supplier', 'staff']) for (const status of ['sent', 'failed']) this.set({ audience, status }, 0);
      for (const e of emails) this.set({ audience: e.audience, status: e.status }, e.count);
    },
  });
  new Gauge({
    name: 'taalmel_workflows_failed_last_hour',
    help: "Workflows on the api's task queue that failed or timed out in the last hour, by type (Temporal's visibility store).",
    labelNames: ['workflow_type'],
    registers: [registry],
    async collect() {
      const { failedWorkflows: failed } = await snapshot();
      this.reset();
      if (!failed) return; // Temporal down: readiness reports it; no figure beats a wrong one.
      this.set({ workflow_type: 'all' }, [...failed.values()].reduce((a, b) => a + b, 0));
      for (const [type, count] of failed) this.set({ workflow_type: type }, count);
    },
  });
  new Counter({
    name: 'taalmel_workflow_starts_total',
    help: 'Workflows this api process asked Temporal to start, by type and outcome (started, already_started, failed).',
    labelNames: ['workflow_type', 'outcome'],
    registers: [registry],
    collect() {
      // The interceptor of api/temporal-client.ts keeps the counts; copied here at each scrape.
      this.reset();
      for (const [type, counts] of deps.temporal.starts) {
        this.inc({ workflow_type: type, outcome: 'started' }, counts.started);
        this.inc({ workflow_type: type, outcome: 'already_started' }, counts.alreadyStarted);
        this.inc({ workflow_type: type, outcome: 'failed' }, counts.failed);
      }
    },
  });
  new Gauge({
    name: 'taalmel_ready',
    help: 'What GET /readyz answers: 1 ready, 0 not; by check (postgres, temporal, worker) and overall (check="all").',
    labelNames: ['check'],
    registers: [registry],
    async collect() {
      const readiness = await deps.readiness.check();
      this.set({ check: 'all' }, readiness.ready ? 1 : 0);
      for (const [check, state] of Object.entries(readiness.checks)) this.set({ check }, state === 'ok' ? 1 : 0);
    },
  });
}
