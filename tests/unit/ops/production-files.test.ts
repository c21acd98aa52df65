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
  // merge: the services share their settings through `<<: *taalmel-env`.
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { name?: string; services: Record<Name, Service> };
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
    expect(services.api.environment).toMatchObject({ TRUST_PROXY: 'true', COOKIE_SECURE: 'true', PUBLIC_URL: 'https://${PUBLIC_HOST:?set PUBLIC_HOST, e.g. taalmel.example.in}', METRICS_PORT: 9100 });
  });

  it('gives the api and the worker every setting the docs say they need, from the environment', () => {
    const needed = ['PUBLIC_URL', 'SECRET_KEYS', 'SECRET_KEY_CURRENT', 'CERTIFICATE_SIGNING_KEY', 'SMTP_URL', 'MAIL_FROM', 'EXPORT_DIR', 'TEMPORAL_PAYLOAD_KEYS', 'TEMPORAL_PAYLOAD_KEY_CURRENT'];
    for (const name of ['api', 'worker'] as const) {
      const env = services[name].environment ?? {};
      expect({ name, missing: needed.filter((v) => !(v in env)) }).toEqual({ name, missing: [] });
      // Secrets come from the operator's environment, never written into the file.
      for (const v of ['SECRET_KEYS', 'CERTIFICATE_SIGNING_KEY', 'SMTP_URL']) expect(String(env[v])).toMatch(/^\$\{[A-Z_]+:\?/);
    }
    expect(services.worker.environment?.PUBLIC_URL).toBe('https://${PUBLIC_HOST:?set PUBLIC_HOST, e.g. taalmel.example.in}');
    const example = read('ops/compose.env.example');
    const required = [...read('docker-compose.yml').matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!);
    expect([...new Set(required)].filter((v) => !new RegExp(`^${v}=`, 'm').test(example))).toEqual([]);
  });

  it('shares the exports folder between the worker that writes and the api that serves it', () => {
    const mountOf = (name: 'api' | 'worker', dir: string) => (services[name].volumes ?? []).find((v) => v.split(':')[1] === dir)?.split(':')[0];
    for (const name of ['api', 'worker'] as const) expect({ name, exports: mountOf(name, services[name].environment?.EXPORT_DIR as string) }).toEqual({ name, exports: 'exports' });
    expect(mountOf('worker', services.worker.environment?.BACKUP_DIR as string)).toBe('backups');
    expect(mountOf('worker', services.worker.environment?.FILE_STORE_DIR as string)).toBe('files');
    // Named volumes take the owner of the image's folder: the Dockerfile makes each one for node.
    const dockerfile = read('Dockerfile');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    const made = runtime.slice(runtime.indexOf('mkdir -p'), runtime.indexOf('USER node'));
    for (const dir of ['/app/.data/exports', '/app/.data/files', '/backups']) expect({ dir, made: made.includes(dir) }).toEqual({ dir, made: true });
    expect(made).toMatch(/chown -R node:node/);
    expect(runtime.indexOf('chown')).toBeLessThan(runtime.indexOf('USER node'));
  });

  it('checks health with what the slim image has (node; no pgrep)', () => {
    const runtimeBase = read('Dockerfile').match(/FROM (\S+) AS runtime/)![1];
    expect(runtimeBase).toMatch(/slim/);
    expect(read('Dockerfile')).not.toMatch(/procps/);
    for (const [name, service] of Object.entries(services) as Array<[string, Service & { healthcheck?: { test: string[] } }]>) {
      if (!service.build || !service.healthcheck) continue;
      const test = service.healthcheck.test.join(' ');
      expect({ name, pgrep: /pgrep|pidof|\bps\b/.test(test), node: /\bnode\b/.test(test) }).toEqual({ name, pgrep: false, node: true });
    }
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
