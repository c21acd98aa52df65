/**
 * The production files an operator runs: the alert rules (ops/prometheus) and the compose file with
 * its proxy (ops/caddy) and Temporal's schema setup (ops/temporal). These read the files as data;
 * `.ci/run` also has `docker-compose config` and (where installed) `promtool check rules` read them.
 * That each alert's metrics are really exported is checked against a live api in
 * tests/integration/platform/readiness-and-metrics.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

type Rule = { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
type Service = { image?: string; build?: string; ports?: string[]; environment?: Record<string, string | number>; volumes?: string[]; entrypoint?: string[]; depends_on?: Record<string, { condition: string }> | string[] };

describe('alert rules', () => {
  const rules: Rule[] = parse(read('ops/prometheus/alerts.yml')).groups.flatMap((g: { rules: Rule[] }) => g.rules);
  const byName = new Map(rules.map((r) => [r.alert, r]));

  it('cover what the operators must hear about, each with a severity and a summary', () => {
    expect(rules.filter((r) => !r.expr || !r.labels?.severity || !r.annotations?.summary).map((r) => r.alert)).toEqual([]);
    expect([...byName.keys()].sort()).toEqual(['ApiDown', 'EmailsFailing', 'HighServerErrorRate', 'NoVerifiedBackup', 'NotReady', 'RestoreDrillFailed', 'WorkflowsFailing']);
  });

  it('fire on the thresholds the runbook names', () => {
    const exprs = Object.fromEntries(rules.map((r) => [r.alert, r.expr.replace(/\s+/g, ' ').trim()]));
    expect(exprs).toMatchObject({
      NoVerifiedBackup: 'time() - taalmel_backup_last_verified_timestamp_seconds > 26 * 3600',
      RestoreDrillFailed: 'taalmel_backup_last_drill_success == 0',
      NotReady: 'taalmel_ready{check="all"} == 0',
      WorkflowsFailing: 'taalmel_workflows_failed_last_hour{workflow_type="all"} > 0',
      EmailsFailing: 'sum(taalmel_emails_last_hour{status="failed"}) > 0',
    });
    expect(exprs.HighServerErrorRate).toContain('taalmel_http_requests_total{status=~"5.."}');
  });
});

describe('docker-compose.yml', () => {
  type Name = 'proxy' | 'postgres' | 'temporal-schema' | 'temporal' | 'temporal-namespace' | 'temporal-ui' | 'migrate' | 'api' | 'worker' | 'scheduler' | 'prometheus';
  const compose = parse(read('docker-compose.yml')) as { name?: string; services: Record<Name, Service> };
  const services = compose.services;
  const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => `${name} ${p}`));

  it('keeps to what Debian\'s docker-compose reads too (no top-level name)', () => {
    expect(Object.keys(compose)).not.toContain('name');
  });

  it('publishes only the proxy, and Prometheus on the loopback', () => {
    expect(published.sort()).toEqual(['prometheus 127.0.0.1:9090:9090', 'proxy 443:443', 'proxy 443:443/udp', 'proxy 80:80']);
  });

  it('puts Caddy with a password in front of the Temporal UI', () => {
    const caddyfile = read('ops/caddy/Caddyfile');
    expect(services.proxy.image).toMatch(/^caddy:\d/);
    expect(services.proxy.volumes).toContain('./ops/caddy/Caddyfile:/etc/caddy/Caddyfile:ro');
    const uiSite = caddyfile.slice(caddyfile.indexOf('{$TEMPORAL_UI_HOST}'));
    expect(uiSite).toMatch(/basic_auth \{\s+\{\$TEMPORAL_UI_USER\} \{\$TEMPORAL_UI_PASSWORD_HASH\}\s+\}\s+reverse_proxy temporal-ui:8080/);
    expect(services['temporal-ui'].ports).toBeUndefined();
    expect(Object.keys(services['temporal-ui'].environment ?? {})).toContain('TEMPORAL_CODEC_ENDPOINT');
  });

  it('runs the api as it must run behind the proxy', () => {
    expect(services.api.environment).toMatchObject({ TRUST_PROXY: 'true', COOKIE_SECURE: 'true', PUBLIC_URL: 'https://${PUBLIC_HOST}', METRICS_PORT: 9100 });
  });

  it('uses the Temporal server image with its schema set up by admin-tools, not auto-setup', () => {
    const images = Object.values(services).map((s) => s.image ?? '');
    expect(images.filter((i) => i.includes('auto-setup'))).toEqual([]);
    expect(services.temporal.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-schema']).toMatchObject({ image: expect.stringMatching(/^temporalio\/admin-tools:/), entrypoint: ['/bin/sh', '/scripts/setup-schema.sh'] });
    expect(services.temporal.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(read('ops/temporal/setup-schema.sh')).toContain('update-schema');
  });

  it('runs Prometheus with the alert rules and scrapes the api and the worker', () => {
    expect(services.prometheus.volumes).toContain('./ops/prometheus:/etc/prometheus:ro');
    const config = parse(read('ops/prometheus/prometheus.yml'));
    expect(config.rule_files).toEqual(['alerts.yml']);
    expect(config.scrape_configs.map((c: { job_name: string; static_configs: Array<{ targets: string[] }> }) => [c.job_name, c.static_configs[0]!.targets[0]])).toEqual([
      ['taalmel-api', `api:${services.api.environment?.METRICS_PORT}`],
      ['taalmel-worker', `worker:${services.worker.environment?.WORKER_METRICS_PORT}`],
    ]);
  });
});
