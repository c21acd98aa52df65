/**
 * GET /readyz waits for a worker, and GET /metrics shows what the alert rules watch. The real api
 * (its own task queue) against the test database and the harness's Temporal server: /readyz is 503
 * naming `worker` until a real worker process (`ops/run-worker.ts`, with the SDK's Prometheus
 * exporter on) polls the queue, then 200. /metrics needs its bearer token, and after a backup whose
 * drill passed, a newer one whose drill failed, a failed email and a workflow that timed out, shows
 * each; every metric an alert rule names is one the api or the worker really exports.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { inFirmJobTransaction } from '../../../db/tenant';
import { freePort } from '../../../ops/ports';
import { call, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { eventually } from '../../harness/eventually';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { harnessValue } from '../../harness/harness-env';
import { TEST_PAYLOAD_KEYS, uniqueTaskQueue } from '../../harness/temporal';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TOKEN = 'metrics-token-for-this-test-0123456789';

/** The value of one series in Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[4]);
  }
  return undefined;
}

/** Metric names a PromQL expression reads (identifiers that are not functions, keywords or label names). */
function metricNamesIn(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ').replace(/"[^"]*"/g, ' ');
  const words = withoutLabels.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  const notMetrics = new Set(['sum', 'rate', 'increase', 'time', 'and', 'or', 'unless', 'by', 'without', 'max', 'min', 'avg', 'count', 'abs', 'on', 'ignoring']);
  return [...new Set(words.filter((w) => !notMetrics.has(w) && !/^\d/.test(w)))];
}

describe('readiness waits for a worker; metrics show what the alerts watch', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let api: TestApi;
  let worker: ChildProcess | null = null;
  let workerOutput = '';
  const taskQueue = uniqueTaskQueue('ready');
  const now = Date.now();
  const verifiedAt = new Date(now - 30 * 3600_000);

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Metrics Firm');
    // A backup verified 30 hours ago, then a newer one whose drill failed an hour ago.
    await db.owner('backups').insert([
      { id: 'backup-old', kind: 'scheduled', status: 'verified', workflow_id: 'w1', workflow_run_id: 'r1', dump_finished_at: new Date(verifiedAt.getTime() - 600_000), drill_status: 'passed', drill_finished_at: verifiedAt },
      { id: 'backup-new', kind: 'scheduled', status: 'failed', workflow_id: 'w2', workflow_run_id: 'r2', dump_finished_at: new Date(now - 3700_000), drill_status: 'failed', drill_finished_at: new Date(now - 3600_000) },
    ]);
    await inFirmJobTransaction(db.owner, firm.id, 'test', (trx) =>
      trx('outbox').insert({ firm_id: firm.id, slot_key: 'test:failed', audience: 'client', template: 'reminder', recipient: 'client@example.test', subject: 'Documents', status: 'failed', error: 'SMTP refused' }),
    );
    api = await startTestApi(db, {}, { taskQueue, metricsToken: TOKEN });
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker?.once('exit', resolve));
    }
    await api.close();
    await db.drop();
  });

  const metrics = async () => {
    const res = await call(api, 'GET', '/metrics', { token: TOKEN });
    expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status: 200, type: expect.stringContaining('text/plain') });
    return res.text;
  };

  it('answers 503 naming the worker while none polls the task queue', async () => {
    const res = await call(api, 'GET', '/readyz');
    expect({ status: res.status, body: res.body }).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: { postgres: 'ok', temporal: 'ok', worker: 'unavailable' }, unavailable: ['worker'] },
    });
    expect(sample(await metrics(), 'taalmel_ready', { check: 'worker' })).toBe(0);
  });

  it('refuses /metrics without the token, in the error envelope', async () => {
    const none = await call(api, 'GET', '/metrics');
    const wrong = await call(api, 'GET', '/metrics', { token: 'not-the-token' });
    expect([none.status, none.body?.error?.code, wrong.status, wrong.body?.error?.code]).toEqual([401, 'unauthenticated', 401, 'unauthenticated']);
    expect(none.text).not.toContain('taalmel_');
  });

  it('answers 200 once a worker polls, and the worker exports its own metrics', async () => {
    // A workflow nothing can run, with a one-second limit: it times out, which counts as a failure.
    await api.temporal.client.workflow.start('noSuchWorkflow', { taskQueue, workflowId: `times-out-${taskQueue}`, workflowExecutionTimeout: '1 second' });

    const metricsPort = await freePort();
    worker = spawn(process.execPath, ['--import', 'tsx', 'ops/run-worker.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        DATABASE_APP_ROLE: TEST_APP_ROLE,
        TEMPORAL_ADDRESS: harnessValue('temporalAddress'),
        TEMPORAL_TASK_QUEUE: taskQueue,
        TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS.spec,
        TEMPORAL_PAYLOAD_KEY_CURRENT: TEST_PAYLOAD_KEYS.current,
        WORKFLOW_BUNDLE_PATH: harnessValue('workflowBundle'),
        WORKER_METRICS_PORT: String(metricsPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (c: Buffer) => (workerOutput += c.toString()));
    worker.stderr?.on('data', (c: Buffer) => (workerOutput += c.toString()));

    const ready = await eventually(
      'readyz answers 200 once the worker polls',
      async () => {
        if (worker?.exitCode !== null) throw new Error(`the worker exited: ${workerOutput}`);
        const res = await call(api, 'GET', '/readyz');
        return res.status === 200 ? res : null;
      },
      120_000,
      500,
    );
    expect(ready.body).toEqual({ status: 'ok', checks: { postgres: 'ok', temporal: 'ok', worker: 'ok' } });

    const workerMetrics = await eventually('the worker exports its metrics', async () => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => null);
      const text = res?.ok ? await res.text() : '';
      return text.includes('temporal_') ? text : null;
    });
    expect(workerMetrics).toMatch(/^temporal_num_pollers\{/m);
  });

  it('shows the backup, drill, email, workflow and readiness figures', async () => {
    // A repeated start of a running workflow (a second erasure request of the same client) joins
    // the running one: counted as already_started, not as a failed start.
    const repeated = { taskQueue: `${taskQueue}-idle`, workflowId: `repeated-${taskQueue}`, workflowExecutionTimeout: '5 minutes' };
    const first = await api.temporal.client.workflow.start('repeatedStart', repeated);
    await expect(api.temporal.client.workflow.start('repeatedStart', repeated)).rejects.toThrow(WorkflowExecutionAlreadyStartedError);
    await first.terminate('test done');
    const text = await eventually(
      'the timed-out workflow is counted',
      async () => {
        const t = await metrics();
        return (sample(t, 'taalmel_workflows_failed_last_hour', { workflow_type: 'all' }) ?? 0) >= 1 ? t : null;
      },
      60_000,
      1_000,
    );
    const figures = {
      lastVerified: sample(text, 'taalmel_backup_last_verified_timestamp_seconds'),
      lastDrillSuccess: sample(text, 'taalmel_backup_last_drill_success'),
      emailsFailed: sample(text, 'taalmel_emails_last_hour', { audience: 'client', status: 'failed' }),
      emailsSent: sample(text, 'taalmel_emails_last_hour', { audience: 'client', status: 'sent' }),
      failedByType: sample(text, 'taalmel_workflows_failed_last_hour', { workflow_type: 'noSuchWorkflow' }),
      started: sample(text, 'taalmel_workflow_starts_total', { workflow_type: 'noSuchWorkflow', outcome: 'started' }),
      repeated: ['started', 'already_started', 'failed'].map((outcome) => sample(text, 'taalmel_workflow_starts_total', { workflow_type: 'repeatedStart', outcome })),
      ready: sample(text, 'taalmel_ready', { check: 'all' }),
      poolMax: sample(text, 'taalmel_db_pool_connections', { state: 'max' }),
    };
    expect(figures).toEqual({ lastVerified: verifiedAt.getTime() / 1000, lastDrillSuccess: 0, emailsFailed: 1, emailsSent: 0, failedByType: 1, started: 1, repeated: [1, 1, 0], ready: 1, poolMax: expect.any(Number) });
  });

  it('counts requests by route template and status, never by raw path', async () => {
    const id = firm.clients[0]!.id;
    await call(api, 'GET', `/api/clients/${id}`);
    const text = await metrics();
    expect(sample(text, 'taalmel_http_requests_total', { method: 'GET', route: '/api/clients/:id', status: '401' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'taalmel_http_requests_total', { route: '/readyz', status: '503' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(id);
  });

  it('alerts only on metrics that are really exported', async () => {
    const exported = new Set([...(await metrics()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const rules = parse(fs.readFileSync(path.join(ROOT, 'ops/prometheus/alerts.yml'), 'utf8')).groups.flatMap((g: { rules: Array<{ alert: string; expr: string }> }) => g.rules);
    // `up` is Prometheus's own series for every scrape target.
    const unknown = rules.flatMap((r: { alert: string; expr: string }) => metricNamesIn(r.expr).filter((n) => n !== 'up' && !exported.has(n)).map((n) => `${r.alert}: ${n}`));
    expect(unknown).toEqual([]);
  });
});
