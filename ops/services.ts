/**
 * The three long-running services, each built from configuration and explicit addresses. The
 * production entry points run one each; `npm start` runs all three in one process.
 */
import type http from 'node:http';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { CONSOLE_ROLES, CONSOLE_ROOT, mountAdminConsole } from '../admin/console';
import { consoleAuth } from './console-auth';
import { createApiServer, endKeepAlive } from './http-server';
import { createApp, type AppDeps } from '../api/app';
import { startMetricsServer } from '../api/metrics/registry';
import { createSecurity, type SecuritySettings } from '../api/security';
import { createTemporalClient } from '../api/temporal-client';
import { createKnex, destroyKnex, JOB_SESSION_TIMEOUTS } from '../db/knex';
import { latestMigrationName } from '../db/migrator';
import type { Config } from './config';
import { auditHeadJobs, backupJobs, calendarJobs, followUpDigestJobs, noticeDigestJobs, platformJobs, retentionJobs, startScheduler, type RunningScheduler } from './scheduler';
import { startHeartbeat, type RunningHeartbeat } from './scheduler-health';
import { startWorker } from './worker';
import type { BackupDeps } from '../activities/backup';
import type { MailDeps } from '../activities/mail-transport';
import { parseSecretKeys, SecretBox } from '../db/security/secret-box';
import type { DataProtectionDeps } from '../activities/data-protection-deps';
import { certificateKeyFromSeed } from '../db/security/certificate-key';
import { certificateSeed, temporalPayloadCodec } from './keys';

import { configureParserYoungGeneration, startParsers, stopParsers } from '../api/imports/parse-pool';

export type Service = { stop(): Promise<void> };

export async function startApi(options: {
  config: Config;
  logger: Logger;
  databaseUrl: string;
  temporalAddress: string;
  security: SecuritySettings;
  /** The Temporal Web UI the codec endpoint answers (CORS); TEMPORAL_UI_URL when absent. */
  temporalUiUrl?: string | null;
  /** Roles the web app links to that UI for; TEMPORAL_UI_LINK_ROLES, else nobody (docs/web-app.md, "Links out of the app"). */
  temporalUiLinkRoles?: readonly string[];
}): Promise<Service & { url: string; server: http.Server; knex: Knex }> {
  const { config, logger } = options;
  if (!config.database.appPassword) logger.warn('DATABASE_APP_PASSWORD is not set: the api connects as the database owner and switches to the application role, which a raw query could undo');
  const knex = createKnex({
    url: options.databaseUrl,
    appRole: config.database.appRole,
    appRolePassword: config.database.appPassword,
    poolMax: config.database.poolMax,
    applicationName: 'taalmel-api',
    timeouts: config.database.apiTimeouts,
    acquireTimeoutMs: config.database.acquireTimeoutMs,
    log: { warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
  });
  const temporal = createTemporalClient({ address: options.temporalAddress, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, codec: temporalPayloadCodec(config) });
  const security = createSecurity(options.security, knex, logger);
  const seed = certificateSeed(config);
  const temporalUiUrl = options.temporalUiUrl ?? config.temporal.uiUrl ?? null;
  const app = createApp({
    logger,
    knex,
    temporal,
    security,
    exposeInternalErrors: config.env === 'development',
    trustProxy: config.auth.trustProxy,
    imports: { ...config.imports, publicUrl: config.api.publicUrl },
    periodClose: config.periodClose,
    webRoot: config.webDir,
    limits: apiLimits(config),
    web: { publicUrl: config.api.publicUrl, securityContact: config.api.securityContact },
    dataProtection: {
      exportDir: config.dataProtection.exportDir,
      exportTtlMs: config.dataProtection.exportTtlMs,
      certificatePublicKey: seed ? (await certificateKeyFromSeed(seed)).publicJwk : null,
      publicUrl: config.api.publicUrl,
    },
    firmDeletion: { graceMs: config.dataProtection.firmDeletionGraceMs },
    followUps: { maxFileBytes: config.mail.maxFileBytes, linkUploads: config.mail.linkUploads },
    smtpTest: { perHour: config.mail.smtpTestLimitPerHour },
    metrics: { token: config.metrics.token },
    codecEndpoint: { temporalUiUrl },
    appLinks: {
      adminConsole: { url: CONSOLE_ROOT, roles: CONSOLE_ROLES },
      temporalUi: temporalUiUrl ? { url: temporalUiUrl, roles: options.temporalUiLinkRoles ?? config.temporal.uiLinkRoles ?? [] } : null,
    },
  });
  await mountAdminConsole(app, { knex, auth: consoleAuth(security.auth, security.tokens, { firmGate: app.firmGate, devices: security.devices }), cookieSecure: options.security.cookieSecure, publicUrl: config.api.configuredPublicUrl });
  // Uploads are parsed on threads that load the readers once, now, not when a file arrives.
  configureParserYoungGeneration(config.imports.parserYoungGenerationMb);
  startParsers(app.parserHeapMb, logger).catch((error: Error) => logger.warn({ err: error }, 'the parser threads did not start: each upload will start them'));
  // Its request and keep-alive timeouts: ops/http-server.ts.
  const server = createApiServer(app.callback(), config.limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.api.port, config.api.host, () => resolve());
  });
  const metricsServer = config.metrics.port ? await startMetricsServer(app.metrics.registry, { host: config.metrics.host, port: config.metrics.port }) : null;
  return {
    server,
    knex,
    url: `http://${config.api.host === '0.0.0.0' ? 'localhost' : config.api.host}:${config.api.port}`,
    async stop() {
      const started = Date.now();
      if (metricsServer) await closeHttpServer(metricsServer, 1_000);
      await closeHttpServer(server, config.limits.stopGraceMs);
      await stopParsers();
      await temporal.close();
      // What is left of the grace for the pool; a request stuck on a lock is cut, not waited for.
      const outcome = await destroyKnex(knex, Math.max(1_000, config.limits.stopGraceMs - (Date.now() - started)));
      if (outcome === 'cut') logger.warn('database connections still busy at the end of the grace time were cut');
    },
  };
}

/**
 * The follow-up activities' mail settings: the platform SMTP (an override such as the dev stack's
 * Mailpit wins), and the secret box that opens firms' SMTP passwords when keys are configured.
 */
export function mailDepsFrom(config: Config, overrides: { smtpUrl?: string; secretKeys?: { secretKeys: string; secretKeyCurrent: string } } = {}): MailDeps {
  const keys = overrides.secretKeys ?? (config.auth.secretKeys && config.auth.secretKeyCurrent ? { secretKeys: config.auth.secretKeys, secretKeyCurrent: config.auth.secretKeyCurrent } : null);
  return {
    platformSmtpUrl: overrides.smtpUrl ?? config.mail.smtpUrl,
    platformFrom: config.mail.from,
    publicUrl: config.api.publicUrl,
    secretBox: keys ? new SecretBox(parseSecretKeys(keys.secretKeys, keys.secretKeyCurrent)) : undefined,
  };
}

/** The api's request limits from configuration (api/app.ts fills in what is absent). */
export function apiLimits(config: Config): AppDeps['limits'] {
  return {
    requestTimeoutMs: config.limits.requestTimeoutMs,
    uploadTimeoutMs: config.limits.uploadTimeoutMs,
    uploadStoreWaitMs: config.limits.uploadStoreWaitMs,
    ...(config.limits.perFirmConnections ? { perFirmConnections: config.limits.perFirmConnections } : {}),
  };
}

/**
 * Stops accepting connections, drops idle keep-alive sockets, lets running requests finish for the
 * grace time, then closes whatever is left: the stop ends in time whatever the clients do.
 */
export async function closeHttpServer(server: http.Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Responses from now on say `Connection: close` and Node closes each connection once answered,
  // so nobody reuses a connection the stop then closes under it (a reset, a proxy's 502).
  const advertised = endKeepAlive(server);
  server.closeIdleConnections();
  // A connection answered with keep-alive before the stop stays open once idle (Node keeps it for
  // the whole keep-alive time, ops/http-server.ts): close it when its response is done. A server
  // whose responses cannot be seen is polled instead.
  const closeIdle = () => setImmediate(() => server.closeIdleConnections());
  for (const res of advertised ?? []) res.once('close', closeIdle);
  const idle = advertised ? undefined : setInterval(() => server.closeIdleConnections(), 100);
  const force = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearInterval(idle);
  clearTimeout(force);
}

export async function startWorkerService(options: { config: Config; logger: Logger; databaseUrl: string; temporalAddress: string; mail?: MailDeps }): Promise<Service> {
  const { config, logger } = options;
  const knex = createKnex({
    url: options.databaseUrl,
    appRole: config.database.appRole,
    poolMax: config.database.poolMax,
    applicationName: 'taalmel-worker',
    timeouts: JOB_SESSION_TIMEOUTS,
    log: { warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
  });
  const running = await startWorker({
    address: options.temporalAddress,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    codec: temporalPayloadCodec(config),
    knex,
    logger,
    workflowBundlePath: config.temporal.workflowBundlePath,
    backup: backupDepsFrom(config, options.databaseUrl),
    mail: options.mail ?? mailDepsFrom(config),
    dataProtection: dataProtectionDepsFrom(config, options.databaseUrl),
  });
  running.done.catch((error: Error) => logger.fatal({ err: error }, 'worker stopped with an error'));
  return {
    async stop() {
      await running.shutdown();
      await knex.destroy();
    },
  };
}

export async function startSchedulerService(options: { config: Config; logger: Logger; temporalAddress: string }): Promise<Service & { scheduler: RunningScheduler; heartbeat: RunningHeartbeat }> {
  const { config, logger } = options;
  const temporal = createTemporalClient({ address: options.temporalAddress, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, codec: temporalPayloadCodec(config) });
  const scheduler = startScheduler({
    client: temporal.client,
    logger,
    timezone: config.scheduler.timezone,
    jobs: [
      ...platformJobs({ taskQueue: config.temporal.taskQueue, selfCheckCron: config.scheduler.selfCheckCron, expectedMigration: latestMigrationName }),
      ...backupJobs({ taskQueue: config.temporal.taskQueue, cron: config.backup.cron, timezone: config.scheduler.timezone, stepTimeoutMinutes: config.backup.stepTimeoutMinutes }),
      ...auditHeadJobs({ taskQueue: config.temporal.taskQueue, cron: config.scheduler.auditHeadsCron, timezone: config.scheduler.timezone }),
      ...followUpDigestJobs({ taskQueue: config.temporal.taskQueue, cron: config.scheduler.followUpDigestCron, timezone: config.scheduler.timezone }),
      ...noticeDigestJobs({ taskQueue: config.temporal.taskQueue, cron: config.scheduler.noticeDigestCron, timezone: config.scheduler.timezone }),
      ...calendarJobs({ taskQueue: config.temporal.taskQueue, cron: config.scheduler.calendarSweepCron, timezone: config.scheduler.timezone }),
      ...retentionJobs({ taskQueue: config.temporal.taskQueue, cron: config.scheduler.retentionCron, timezone: config.scheduler.timezone }),
    ],
  });
  // The container's health check reads this heartbeat (ops/scheduler-health.ts): the scheduler
  // ticks, and Temporal, where its jobs start, answers within the interval.
  const { connection } = temporal;
  const heartbeat = startHeartbeat({
    file: config.scheduler.healthFile,
    everySeconds: config.scheduler.heartbeatSeconds,
    logger,
    probe: () => connection.withDeadline(Date.now() + config.scheduler.heartbeatSeconds * 1000, () => connection.workflowService.describeNamespace({ namespace: config.temporal.namespace })).then(() => undefined),
  });
  return {
    scheduler,
    heartbeat,
    async stop() {
      await heartbeat.stop();
      await scheduler.stop();
      await temporal.close();
    },
  };
}

/** The backup activities run pg_dump as the database owner: the connecting URL itself, not the app role. */
export function backupDepsFrom(config: Config, databaseUrl: string): BackupDeps {
  return {
    databaseUrl,
    dir: config.backup.dir,
    pgDumpPath: config.backup.pgDumpPath,
    pgRestorePath: config.backup.pgRestorePath,
    rotation: config.backup.keep,
    timeZone: config.scheduler.timezone,
    erasureLogDir: config.dataProtection.erasureLogDir,
  };
}

/** The erasure deletes and redacts as the database owner: the connecting URL itself, not the app role. */
export function dataProtectionDepsFrom(config: Config, databaseUrl: string): DataProtectionDeps {
  return {
    exportDir: config.dataProtection.exportDir,
    fileStoreDir: config.dataProtection.fileStoreDir,
    ownerUrl: databaseUrl,
    certificateKey: certificateSeed(config),
    rotation: config.backup.keep,
    erasureLogDir: config.dataProtection.erasureLogDir,
  };
}
