/**
 * The one place the environment is read. Every process (dev stack, api, worker, scheduler, ops
 * commands) calls loadConfig() at start; a bad or missing value stops it with the variable's name.
 * The variables, their bounds and defaults: ./config-schema.ts.
 */
import path from 'node:path';
import type { z } from 'zod';
import type { ReadLimits } from '../api/imports/parse-upload';
import type { LinkUploadLimits } from '../api/limits/upload-slots';
import { envSchema as schema, MB } from './config-schema';

export type Config = {
  env: 'development' | 'production' | 'test';
  isDev: boolean;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  api: {
    host: string;
    port: number;
    publicUrl: string;
    /** PUBLIC_URL as configured (absent: publicUrl is only the listening address's guess). */
    configuredPublicUrl?: string;
    /** security.txt's Contact (RFC 9116); none: no security.txt. */
    securityContact: string | undefined;
  };
  dataDir: string;
  webDir: string;
  database: {
    url: string | undefined;
    appRole: string;
    /** The api logs in as the application role with it (docs/security-limits.md); absent: owner + SET ROLE. */
    appPassword: string | undefined;
    poolMax: number;
    embeddedPort: number;
    acquireTimeoutMs: number;
    /** The api's connections (docs/security-limits.md); the worker's long jobs keep only the idle limit. */
    apiTimeouts: { statementMs: number; lockMs: number; idleInTransactionMs: number };
  };
  limits: { requestTimeoutMs: number; uploadTimeoutMs: number; uploadStoreWaitMs: number; /** An idle keep-alive connection's life (ops/http-server.ts). */ keepAliveTimeoutMs: number; perFirmConnections: number | undefined; stopGraceMs: number };
  /** Prometheus: the api's /metrics (token, or its own port) and the worker's exporter (docs/operations.md, "Metrics and alerts"). */
  metrics: { token: string | undefined; port: number | undefined; host: string; workerPort: number | undefined };
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    devPort: number;
    uiPort: number;
    uiUrl: string | undefined;
    /** Roles the app shows the Temporal UI's link to; undefined: the entry point's default. */
    uiLinkRoles: Array<'firm_admin' | 'manager' | 'reviewer' | 'staff'> | undefined;
    cliPath: string | undefined;
    workflowBundlePath: string | undefined;
    /** `kid:<base64 32 bytes>` list sealing every Temporal payload (AES-256-GCM); the current id seals. */
    payloadKeys: string | undefined;
    payloadKeyCurrent: string | undefined;
  };
  scheduler: {
    timezone: string;
    selfCheckCron: string;
    auditHeadsCron: string;
    calendarSweepCron: string;
    followUpDigestCron: string;
    noticeDigestCron: string;
    retentionCron: string;
    healthFile: string;
    heartbeatSeconds: number;
  };
  auth: AuthConfig;
  backup: BackupConfig;
  periodClose: PeriodCloseConfig;
  imports: ImportsConfig;
  mail: MailConfig;
  dataProtection: DataProtectionConfig;
};

export type MailConfig = {
  /** The platform SMTP (used for firms without their own); `npm start` points it at its Mailpit when unset. */
  smtpUrl: string | undefined;
  from: string;
  /** The dev stack's Mailpit: binary and ports. */
  mailpitPath: string | undefined;
  smtpPort: number;
  apiPort: number;
  /** Largest file a client may upload through a checklist link. */
  maxFileBytes: number;
  /** Uploads through a checklist link at once (per link, per address, their bytes) and its unused upload URLs. */
  linkUploads: LinkUploadLimits;
  /** SMTP tests (`POST /api/settings/smtp/test`) one firm may run an hour. */
  smtpTestLimitPerHour: number;
};

export type DataProtectionConfig = {
  /** Where client export ZIPs are written and served from (shared by the api and every worker). */
  exportDir: string;
  /** How long an export is kept and its download URL works. */
  exportTtlMs: number;
  /** Root of stored client files (uploads); catalogued rows name files under it. */
  fileStoreDir: string;
  /** The erasure log (ids only), beside the backups: a restore re-applies it. */
  erasureLogDir: string;
  /** Base64 Ed25519 seed of the platform's certificate key; the dev stack makes one when absent. */
  certificateKey: string | undefined;
  /** The cooling-off period between a firm admin's deletion request and the deletion (FIRM_DELETION_GRACE_DAYS). */
  firmDeletionGraceMs: number;
};

export type ImportsConfig = {
  /** Size caps of uploaded files: GSTR-2B JSON, and registers (CSV/XLSX). */
  maxJsonBytes: number;
  maxTabularBytes: number;
  /** Base64 key (32+ bytes) for signing upload URLs; derived from the session signing key when absent. */
  urlKey: string | undefined;
  /** Rows, cells and ZIP expansion one upload may reach (docs/security-limits.md). */
  readLimits: ReadLimits;
  /** Each parser thread's young generation in MB (docs/security-limits.md, Memory). */
  parserYoungGenerationMb: number;
};

/** How long a close request waits for a decision before each step (the workflow's timers). */
export type PeriodCloseConfig = { timers: { remindAfterMs: number; escalateAfterMs: number; expireAfterMs: number } };

export type BackupConfig = {
  /** Where dumps go (DATA_DIR/backups by default); see docs/backups-and-restore.md for the layout. */
  dir: string;
  /** The nightly backup, in the scheduler's time zone. */
  cron: string;
  keep: { daily: number; weekly: number; monthly: number };
  pgDumpPath: string;
  pgRestorePath: string;
  /** The limit of each long step (dump, restore into the scratch database). */
  stepTimeoutMinutes: number;
};

export type AuthConfig = {
  /** `kid:<base64 secret>` list; the current one signs, all verify (rotation). */
  signingKeys: string | undefined;
  signingKeyCurrent: string | undefined;
  /** `kid:<base64 32 bytes>` list for the secret box (AES-256-GCM). */
  secretKeys: string | undefined;
  secretKeyCurrent: string | undefined;
  idleMinutes: number;
  absoluteHours: number;
  tokenMinutes: number;
  reauthWindowMinutes: number;
  maxSessionsPerUser: number;
  cookieSecure: boolean;
  trustProxy: boolean;
  throttle: { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowSeconds: number };
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type LoadOptions = {
  /** Production entry points need an external PostgreSQL and Temporal; the dev stack starts its own. */
  requireExternalServices?: boolean;
  /** Processes that sign sessions or open secrets need their keys configured (the dev stack makes its own). */
  requireKeys?: boolean;
  /** Processes that talk to Temporal need the payload keys (the dev stack makes its own). */
  requirePayloadKeys?: boolean;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (options.requireExternalServices) {
    if (!e.DATABASE_URL) problems.push('DATABASE_URL: required (postgres://user:password@host:5432/database)');
    if (!e.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS: required (host:7233)');
  }
  if (options.requireKeys) {
    for (const name of ['SESSION_SIGNING_KEYS', 'SESSION_SIGNING_KEY_CURRENT', 'SECRET_KEYS', 'SECRET_KEY_CURRENT'] as const) {
      if (!e[name]) problems.push(`${name}: required (see docs/security-and-tenancy.md, "Keys")`);
    }
  }
  if (options.requirePayloadKeys) {
    for (const name of ['TEMPORAL_PAYLOAD_KEYS', 'TEMPORAL_PAYLOAD_KEY_CURRENT'] as const) {
      if (!e[name]) problems.push(`${name}: required (see docs/operations.md, "Encrypted Temporal payloads")`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    isDev: e.NODE_ENV !== 'production',
    logLevel: e.LOG_LEVEL,
    api: {
      host: e.API_HOST,
      port: e.PORT,
      publicUrl: e.PUBLIC_URL ?? `http://${e.API_HOST === '0.0.0.0' ? 'localhost' : e.API_HOST}:${e.PORT}`,
      configuredPublicUrl: e.PUBLIC_URL,
      securityContact: e.SECURITY_CONTACT,
    },
    dataDir: path.resolve(e.DATA_DIR),
    /** The built web app the api serves at `/` (`npm run build:web` writes it). */
    webDir: path.resolve(e.WEB_DIR),
    database: {
      url: e.DATABASE_URL,
      appRole: e.DATABASE_APP_ROLE,
      appPassword: e.DATABASE_APP_PASSWORD,
      poolMax: e.DATABASE_POOL_MAX,
      embeddedPort: e.EMBEDDED_PG_PORT,
      acquireTimeoutMs: e.DATABASE_ACQUIRE_TIMEOUT_MS,
      apiTimeouts: { statementMs: e.DATABASE_STATEMENT_TIMEOUT_MS, lockMs: e.DATABASE_LOCK_TIMEOUT_MS, idleInTransactionMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS },
    },
    limits: {
      requestTimeoutMs: e.REQUEST_TIMEOUT_SECONDS * 1000,
      uploadTimeoutMs: e.UPLOAD_TIMEOUT_SECONDS * 1000,
      uploadStoreWaitMs: e.UPLOAD_STORE_WAIT_SECONDS * 1000,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
      perFirmConnections: e.DATABASE_FIRM_MAX_CONNECTIONS,
      stopGraceMs: e.STOP_GRACE_SECONDS * 1000,
    },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST, workerPort: e.WORKER_METRICS_PORT },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: e.TEMPORAL_UI_URL,
      uiLinkRoles: e.TEMPORAL_UI_LINK_ROLES,
      cliPath: e.TEMPORAL_CLI_PATH,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
      payloadKeys: e.TEMPORAL_PAYLOAD_KEYS,
      payloadKeyCurrent: e.TEMPORAL_PAYLOAD_KEY_CURRENT,
    },
    scheduler: { timezone: e.SCHEDULER_TIMEZONE, selfCheckCron: e.SELF_CHECK_CRON, auditHeadsCron: e.AUDIT_HEADS_CRON, calendarSweepCron: e.CALENDAR_SWEEP_CRON, followUpDigestCron: e.FOLLOW_UP_DIGEST_CRON, noticeDigestCron: e.NOTICE_DIGEST_CRON, retentionCron: e.RETENTION_CRON,
      healthFile: path.resolve(e.SCHEDULER_HEARTBEAT_FILE ?? path.join(e.DATA_DIR, 'scheduler-heartbeat.json')),
      heartbeatSeconds: e.SCHEDULER_HEARTBEAT_SECONDS,
    },
    auth: {
      signingKeys: e.SESSION_SIGNING_KEYS,
      signingKeyCurrent: e.SESSION_SIGNING_KEY_CURRENT,
      secretKeys: e.SECRET_KEYS,
      secretKeyCurrent: e.SECRET_KEY_CURRENT,
      idleMinutes: e.SESSION_IDLE_MINUTES,
      absoluteHours: e.SESSION_ABSOLUTE_HOURS,
      tokenMinutes: e.SESSION_TOKEN_MINUTES,
      reauthWindowMinutes: e.REAUTH_WINDOW_MINUTES,
      maxSessionsPerUser: e.MAX_SESSIONS_PER_USER,
      cookieSecure: e.COOKIE_SECURE ? e.COOKIE_SECURE === 'true' : e.NODE_ENV === 'production',
      trustProxy: e.TRUST_PROXY === 'true',
      throttle: {
        maxFailuresPerAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        maxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
        windowSeconds: e.LOGIN_THROTTLE_WINDOW_SECONDS,
      },
    },
    backup: {
      dir: path.resolve(e.BACKUP_DIR ?? path.join(e.DATA_DIR, 'backups')),
      cron: e.BACKUP_CRON,
      keep: { daily: e.BACKUP_KEEP_DAILY, weekly: e.BACKUP_KEEP_WEEKLY, monthly: e.BACKUP_KEEP_MONTHLY },
      pgDumpPath: e.BACKUP_PG_DUMP_PATH,
      pgRestorePath: e.BACKUP_PG_RESTORE_PATH,
      stepTimeoutMinutes: e.BACKUP_STEP_TIMEOUT_MINUTES,
    },
    periodClose: {
      timers: {
        remindAfterMs: e.CLOSE_REMINDER_HOURS * 3600_000,
        escalateAfterMs: e.CLOSE_ESCALATION_DAYS * 24 * 3600_000,
        expireAfterMs: e.CLOSE_EXPIRY_DAYS * 24 * 3600_000,
      },
    },
    imports: {
      maxJsonBytes: e.UPLOAD_MAX_JSON_MB * 1024 * 1024,
      maxTabularBytes: e.UPLOAD_MAX_TABULAR_MB * 1024 * 1024,
      urlKey: e.UPLOAD_URL_KEY,
      readLimits: {
        maxRows: e.UPLOAD_MAX_ROWS,
        maxCells: e.UPLOAD_MAX_CELLS,
        zip: {
          maxEntries: e.UPLOAD_MAX_ZIP_ENTRIES,
          maxPartBytes: e.UPLOAD_MAX_UNZIPPED_PART_MB * MB,
          maxSharedStringsBytes: e.UPLOAD_MAX_UNZIPPED_SHARED_STRINGS_MB * MB,
          maxTotalBytes: e.UPLOAD_MAX_UNZIPPED_TOTAL_MB * MB,
        },
      },
      parserYoungGenerationMb: e.PARSER_YOUNG_GENERATION_MB,
    },
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      mailpitPath: e.MAILPIT_PATH,
      smtpPort: e.MAIL_SMTP_PORT,
      apiPort: e.MAIL_API_PORT,
      maxFileBytes: e.FOLLOW_UP_MAX_FILE_MB * 1024 * 1024,
      linkUploads: { perLink: e.FOLLOW_UP_LINK_UPLOADS_PER_LINK, perIp: e.FOLLOW_UP_LINK_UPLOADS_PER_IP, memoryBytes: e.FOLLOW_UP_LINK_UPLOAD_MEMORY_MB * MB, urlsPerLink: e.FOLLOW_UP_LINK_UPLOAD_URLS },
      smtpTestLimitPerHour: e.SMTP_TEST_LIMIT_PER_HOUR,
    },
    dataProtection: {
      exportDir: path.resolve(e.EXPORT_DIR ?? path.join(e.DATA_DIR, 'exports')),
      exportTtlMs: e.EXPORT_TTL_HOURS * 3600_000,
      fileStoreDir: path.resolve(e.FILE_STORE_DIR ?? path.join(e.DATA_DIR, 'files')),
      erasureLogDir: path.resolve(e.ERASURE_LOG_DIR ?? path.join(e.BACKUP_DIR ?? path.join(e.DATA_DIR, 'backups'), 'erasures')),
      certificateKey: e.CERTIFICATE_SIGNING_KEY,
      firmDeletionGraceMs: e.FIRM_DELETION_GRACE_DAYS * 86_400_000,
    },
  };
}

/** Entry points call this: a configuration problem ends the process with a readable message. */
export function loadConfigOrExit(options: LoadOptions = {}): Config {
  try {
    return loadConfig(process.env, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
