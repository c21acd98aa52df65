/**
 * The three long-running services, each built from configuration and explicit addresses. The
 * production entry points run one each; `npm start` runs all three in one process.
 */
import http from 'node:http';
import type { Logger } from 'pino';
import { mountAdminConsole } from '../admin/console';
import { consoleAuth } from './console-auth';
import { createApp } from '../api/app';
import { createSecurity, type SecuritySettings } from '../api/security';
import { createTemporalClient } from '../api/temporal-client';
import { createKnex } from '../db/knex';
import { latestMigrationName } from '../db/migrator';
import type { Config } from './config';
import { auditHeadJobs, backupJobs, calendarJobs, platformJobs, startScheduler, type RunningScheduler } from './scheduler';
import { startWorker } from './worker';
import type { BackupDeps } from '../activities/backup';
import type { DataProtectionDeps } from '../activities/data-protection-deps';
import { certificateKeyFromSeed } from '../db/security/certificate-key';
import { certificateSeed } from './keys';

export type Service = { stop(): Promise<void> };

export async function startApi(options: {
  config: Config;
  logger: Logger;
  databaseUrl: string;
  temporalAddress: string;
  security: SecuritySettings;
}): Promise<Service & { url: string; server: http.Server }> {
  const { config, logger } = options;
  const knex = createKnex({ url: options.databaseUrl, appRole: config.database.appRole, poolMax: config.database.poolMax, applicationName: 'taalmel-api', log: { warn: (m) => logger.warn(m), error: (m) => logger.error(m) } });
  const temporal = createTemporalClient({ address: options.temporalAddress, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue });
  const security = createSecurity(options.security, knex, logger);
  const seed = certificateSeed(config);
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
    dataProtection: {
      exportDir: config.dataProtection.exportDir,
      exportTtlMs: config.dataProtection.exportTtlMs,
      certificatePublicKey: seed ? (await certificateKeyFromSeed(seed)).publicJwk : null,
      publicUrl: config.api.publicUrl,
    },
  });
  await mountAdminConsole(app, { knex, auth: consoleAuth(security.auth, security.tokens), cookieSecure: options.security.cookieSecure });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.api.port, config.api.host, () => resolve());
  });
  return {
    server,
    url: `http://${config.api.host === '0.0.0.0' ? 'localhost' : config.api.host}:${config.api.port}`,
    async stop() {
      // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(force);
      await temporal.close();
      await knex.destroy();
    },
  };
}

export async function startWorkerService(options: { config: Config; logger: Logger; databaseUrl: string; temporalAddress: string }): Promise<Service> {
  const { config, logger } = options;
  const knex = createKnex({ url: options.databaseUrl, appRole: config.database.appRole, poolMax: config.database.poolMax, applicationName: 'taalmel-worker', log: { warn: (m) => logger.warn(m), error: (m) => logger.error(m) } });
  const running = await startWorker({
    address: options.temporalAddress,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    knex,
    logger,
    workflowBundlePath: config.temporal.workflowBundlePath,
    backup: backupDepsFrom(config, options.databaseUrl),
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

export async function startSchedulerService(options: { config: Config; logger: Logger; temporalAddress: string }): Promise<Service & { scheduler: RunningScheduler }> {
  const { config, logger } = options;
  const temporal = createTemporalClient({ address: options.temporalAddress, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue });
  const scheduler = startScheduler({
    client: temporal.client,
    logger,
    timezone: config.scheduler.timezone,
    jobs: [
      ...platformJobs({ taskQueue: config.temporal.taskQueue, selfCheckCron: config.scheduler.selfCheckCron, expectedMigration: latestMigrationName }),
      ...backupJobs({ taskQueue: config.temporal.taskQueue, cron: config.backup.cron, timezone: config.scheduler.timezone, stepTimeoutMinutes: config.backup.stepTimeoutMinutes }),
      ...auditHeadJobs({ taskQueue: config.temporal.taskQueue, cron: config.scheduler.auditHeadsCron, timezone: config.scheduler.timezone }),
      ...calendarJobs({ taskQueue: config.temporal.taskQueue, cron: config.scheduler.calendarSweepCron, timezone: config.scheduler.timezone }),
    ],
  });
  return {
    scheduler,
    async stop() {
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
