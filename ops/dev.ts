/**
 * `npm start`: the whole product on one machine with nothing configured.
 * - PostgreSQL: DATABASE_URL, or an embedded server with its data in DATA_DIR/postgres;
 * - Temporal: TEMPORAL_ADDRESS, or the Temporal CLI dev server (with its Web UI) persisting to
 *   DATA_DIR/temporal;
 * then migrations, the demo firm (first run only), the api, the worker and the scheduler.
 * SIGINT/SIGTERM stop everything in reverse order and leave no process behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { databaseUrlFor } from '../db/knex';
import { migrateLatest, setAppRolePassword } from '../db/migrator';
import { seedDemoFirm, type DemoCredentials } from '../db/seeds/demo-firm';
import { createKnex } from '../db/knex';
import { ChildServerError } from './child-server';
import { ConfigError, loadConfig } from './config';
import { ensureDatabase, startEmbeddedPostgres } from './embedded-postgres';
import { createLogger, type Logger } from './logger';
import { assertPortsFree, freePort, PortInUseError, type NamedPort } from './ports';
import { loadOrCreateDevAppPassword, loadOrCreateDevMetricsToken, loadOrCreateDevOperatorToken, securitySettings } from './keys';
import { mailDepsFrom, startApi, startSchedulerService, startWorkerService } from './services';
import { resolveMailpit, startMailpit } from './mailpit';
import { runStopSteps, stopOnSignals, type StopStep } from './shutdown';
import { removeStackFile, writeStackFile } from './stack-file';
import { resolveTemporalCli } from './temporal-cli';
import { installTemporalRuntime, workerMetricsAddress } from './temporal-runtime';
import { startTemporalDevServer } from './temporal-dev-server';
import { ensureWebBuilt } from './web-build';

const DEV_DATABASE = 'taalmel';

/** What `npm start` keeps in DATA_DIR/demo-credentials.json; the metrics fields are read with `Authorization: Bearer <metricsToken>` (the worker's need none). */
type DemoFile = {
  apiUrl: string;
  temporalUiUrl: string | null;
  mail?: { smtpPort: number | null; apiUrl: string | null };
  metricsUrl?: string;
  metricsToken?: string;
  workerMetricsUrl?: string | null;
  /** The payload codec endpoint and the dev platform operator's token (docs/operations.md). */
  codec?: { endpoint: string; signInUrl: string; token: string };
} & DemoCredentials;

async function startTemporal(config: ReturnType<typeof loadConfig>, logger: Logger): Promise<{ address: string; uiUrl: string | null; stop: () => Promise<void> }> {
  const binary = await resolveTemporalCli({ explicitPath: config.temporal.cliPath, say: (m) => logger.info(m) });
  const dbFile = path.join(config.dataDir, 'temporal', 'temporal.db');
  if (binary) {
    logger.info({ binary }, 'starting the Temporal dev server');
    return startTemporalDevServer({
      binary,
      port: config.temporal.devPort,
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      dbFile,
      uiCodecEndpoint: `${config.api.publicUrl.replace(/\/+$/, '')}/codec`,
      onLog: (line) => logger.debug({ source: 'temporal' }, line),
    });
  }
  // Last resort: the SDK downloads a dev server (needs internet access).
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { ip: '127.0.0.1', port: config.temporal.devPort, ui: true, uiPort: config.temporal.uiPort, dbFilename: dbFile, namespace: config.temporal.namespace },
  });
  return { address: `127.0.0.1:${config.temporal.devPort}`, uiUrl: `http://127.0.0.1:${config.temporal.uiPort}`, stop: () => env.teardown() };
}

function banner(file: DemoFile, credentialsPath: string, fresh: boolean): string {
  const lines = [
    '',
    '  Taalmel is running',
    `    Web app      ${file.apiUrl}/`,
    `    API          ${file.apiUrl}/api   (health: ${file.apiUrl}/healthz, readiness: ${file.apiUrl}/readyz)`,
    `    Temporal UI  ${file.temporalUiUrl ?? '(external Temporal: see its own UI)'}`,
    `    Metrics      ${file.metricsUrl} (Authorization: Bearer <metricsToken from ${credentialsPath}>); worker: ${file.workerMetricsUrl}`,
    ...(file.codec ? [`    Codec        payloads in Temporal are encrypted; to read them in the UI sign in at ${file.codec.signInUrl} with the token in the credentials file`] : []),
    file.mail?.apiUrl
      ? `    Mail         caught by Mailpit: SMTP 127.0.0.1:${file.mail.smtpPort}; read what was sent at ${file.mail.apiUrl}/api/v1/messages (or each follow-up's outbox)`
      : '    Mail         sent through SMTP_URL (and firms\' own SMTP settings)',
    '',
    `  Demo logins${fresh ? '' : ' (from the first start)'}, also in ${credentialsPath}:`,
    ...file.users.map((u) => `    ${u.role.padEnd(11)} ${u.email.padEnd(28)} ${u.password}`),
    '  Demo clients:',
    ...file.clients.map((c) => `    ${c.gstin}  ${c.name}  (${c.id})`),
    '',
    '  Ops commands (npm run ops:backup, ops:backups, ops:create-firm…) in another terminal use this stack.',
    '  Ctrl-C stops everything.',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, pretty: config.env !== 'production' });
  // The worker's metrics exporter binds when the runtime is installed: a free port unless one is set.
  config.metrics.workerPort ??= await freePort();
  installTemporalRuntime(logger, 'INFO', { metricsBindAddress: workerMetricsAddress(config) });
  const steps: StopStep[] = [];
  stopOnSignals(() => [...steps].reverse(), logger);

  try {
    const ports: NamedPort[] = [{ port: config.api.port, variable: 'PORT', purpose: 'the Taalmel API' }];
    if (!config.database.url) ports.push({ port: config.database.embeddedPort, variable: 'EMBEDDED_PG_PORT', purpose: 'the embedded PostgreSQL' });
    if (!config.temporal.address) {
      ports.push({ port: config.temporal.devPort, variable: 'TEMPORAL_DEV_PORT', purpose: 'the Temporal dev server' });
      ports.push({ port: config.temporal.uiPort, variable: 'TEMPORAL_UI_PORT', purpose: 'the Temporal Web UI' });
    }
    if (!config.mail.smtpUrl) {
      ports.push({ port: config.mail.smtpPort, variable: 'MAIL_SMTP_PORT', purpose: 'the local mail catcher (SMTP)' });
      ports.push({ port: config.mail.apiPort, variable: 'MAIL_API_PORT', purpose: 'the local mail catcher (API)' });
    }
    await assertPortsFree(ports);
    fs.mkdirSync(config.dataDir, { recursive: true });

    let databaseUrl = config.database.url;
    if (!databaseUrl) {
      logger.info({ port: config.database.embeddedPort }, 'starting the embedded PostgreSQL');
      const pg = await startEmbeddedPostgres({
        dataDir: path.join(config.dataDir, 'postgres'),
        port: config.database.embeddedPort,
        persistent: true,
        onLog: (line) => logger.debug({ source: 'postgres' }, line),
      });
      steps.push({ name: 'PostgreSQL', stop: pg.stop });
      await ensureDatabase(pg.url, DEV_DATABASE);
      databaseUrl = databaseUrlFor(pg.url, DEV_DATABASE);
    }

    let temporalAddress = config.temporal.address;
    let temporalUiUrl = config.temporal.uiUrl ?? null;
    // The app links firm admins to the UI only of the dev server started here: on this machine whoever
    // runs npm start is its operator. An external Temporal's UI is the platform operators' alone.
    let temporalUiLinkRoles: readonly string[] = config.temporal.uiLinkRoles ?? [];
    if (!temporalAddress) {
      const temporal = await startTemporal(config, logger);
      steps.push({ name: 'Temporal dev server', stop: temporal.stop });
      temporalAddress = temporal.address;
      temporalUiUrl = temporal.uiUrl;
      temporalUiLinkRoles = config.temporal.uiLinkRoles ?? ['firm_admin'];
    }

    const applied = await migrateLatest({ url: databaseUrl, appRole: config.database.appRole });
    logger.info({ applied: applied.length }, applied.length ? 'migrations applied' : 'database schema is current');

    const credentialsPath = path.join(config.dataDir, 'demo-credentials.json');
    const owner = createKnex({ url: databaseUrl, poolMax: 1, applicationName: 'taalmel-seed' });
    // The api logs in as the application role itself (it cannot become the owner or the platform role).
    config.database.appPassword ??= loadOrCreateDevAppPassword(config.dataDir);
    const appPassword = config.database.appPassword;
    let codecToken = '';
    const seeded = await setAppRolePassword(owner, config.database.appRole, appPassword)
      .then(() => seedDemoFirm(owner))
      .then(async (result) => {
        codecToken = await loadOrCreateDevOperatorToken(owner, config.dataDir);
        return result;
      })
      .finally(() => owner.destroy());

    // Mail: the platform SMTP_URL when set; otherwise a local Mailpit catches everything.
    let mail: { smtpPort: number | null; apiUrl: string | null } = { smtpPort: null, apiUrl: null };
    let smtpUrl = config.mail.smtpUrl;
    if (!smtpUrl) {
      const binary = await resolveMailpit({ explicitPath: config.mail.mailpitPath, say: (m) => logger.info(m) });
      if (binary) {
        const mailpit = await startMailpit({ binary, smtpPort: config.mail.smtpPort, apiPort: config.mail.apiPort, databaseFile: path.join(config.dataDir, 'mailpit', 'mailpit.db'), onLog: (line) => logger.debug({ source: 'mailpit' }, line) });
        steps.push({ name: 'Mailpit', stop: mailpit.stop });
        smtpUrl = mailpit.smtpUrl;
        mail = { smtpPort: mailpit.smtpPort, apiUrl: mailpit.apiUrl };
      } else {
        logger.warn('No SMTP_URL and no Mailpit (set MAILPIT_PATH or install Go): follow-up emails will fail until SMTP is configured');
      }
    }

    // The web app is built before the api serves it; a failed build leaves the API running.
    await ensureWebBuilt({ outDir: config.webDir, say: (m) => logger.info(m) }).catch((error: Error) =>
      logger.error({ err: error }, 'the web app could not be built: the API runs without it'),
    );
    const security = securitySettings(config, { devKeysFallback: true });
    config.metrics.token ??= loadOrCreateDevMetricsToken(config.dataDir);
    const metrics = { metricsUrl: '', metricsToken: config.metrics.token, workerMetricsUrl: `http://${workerMetricsAddress(config)}/metrics` };
    const api = await startApi({ config, logger, databaseUrl, temporalAddress, security, temporalUiUrl, temporalUiLinkRoles });
    steps.push({ name: 'API', stop: api.stop, limitMs: config.limits.stopGraceMs + 5_000 });
    const worker = await startWorkerService({ config, logger, databaseUrl, temporalAddress, mail: mailDepsFrom(config, { smtpUrl, secretKeys: security }) });
    steps.push({ name: 'worker', stop: worker.stop });
    const scheduler = await startSchedulerService({ config, logger, temporalAddress });
    steps.push({ name: 'scheduler', stop: scheduler.stop });

    // Where this stack's servers are, for the ops commands in another terminal (ops/ops-config.ts).
    const stackFile = writeStackFile(config.dataDir, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      apiUrl: api.url,
      databaseUrl,
      temporal: { address: temporalAddress, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, uiUrl: temporalUiUrl },
      backupDir: config.backup.dir,
      erasureLogDir: config.dataProtection.erasureLogDir,
      mail,
    });
    steps.push({ name: 'stack file', stop: async () => removeStackFile(config.dataDir) });
    logger.debug({ stackFile }, 'ops commands find this stack through its stack file');

    metrics.metricsUrl = `${api.url}/metrics`;
    let demo: DemoFile | null = null;
    const codec = { endpoint: `${api.url}/codec`, signInUrl: `${api.url}/codec/sign-in`, token: codecToken };
    if (seeded) {
      demo = { apiUrl: api.url, temporalUiUrl, mail, codec, ...metrics, ...seeded };
      fs.writeFileSync(credentialsPath, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
    } else if (fs.existsSync(credentialsPath)) {
      const previous = JSON.parse(fs.readFileSync(credentialsPath, 'utf8')) as DemoFile;
      demo = { ...previous, apiUrl: api.url, temporalUiUrl, mail, codec, ...metrics };
      fs.writeFileSync(credentialsPath, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
    }
    if (demo) process.stdout.write(`${banner(demo, credentialsPath, Boolean(seeded))}\n`);
    else logger.warn({ api: api.url, temporalUi: temporalUiUrl }, `the demo firm exists but ${credentialsPath} is gone: reset its passwords or start with an empty DATA_DIR`);
  } catch (error) {
    if (error instanceof PortInUseError) logger.fatal(error.message);
    else if (error instanceof ChildServerError) {
      logger.debug({ source: error.server, output: error.detail }, 'what the server said');
      logger.fatal(error.message);
    } else logger.fatal({ err: error }, 'Taalmel could not start');
    await runStopSteps([...steps].reverse(), logger);
    process.exit(1);
  }
}

void main();
