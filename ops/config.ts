/**
 * The one place the environment is read. Every process (dev stack, api, worker, scheduler, ops
 * commands) calls loadConfig() at start; a bad or missing value stops it with the variable's name.
 */
import path from 'node:path';
import { z } from 'zod';
import { API_SESSION_TIMEOUTS } from '../db/knex';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from './http-server';
import { DEFAULT_READ_LIMITS, type ReadLimits } from '../api/imports/parse-upload';
import { DEFAULT_ZIP_CAPS } from '../api/imports/zip-limits';
import { PARSER_YOUNG_GENERATION_MB } from '../api/imports/parse-pool';
import { DEFAULT_SMTP_TEST_LIMITS } from '../api/settings/smtp-test-limits';
import { DEFAULT_LINK_UPLOAD_LIMITS, type LinkUploadLimits } from '../api/limits/upload-slots';

const MB = 1024 * 1024;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  API_HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  SECURITY_CONTACT: optionalString.pipe(z.string().regex(/^(mailto:|https:\/\/)\S+$/, 'a mailto: or https:// URI').optional()),
  DATA_DIR: z.string().default('.data'),
  WEB_DIR: z.string().default('dist/web'),

  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATABASE_APP_ROLE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier').default('taalmel_app'),
  DATABASE_APP_PASSWORD: optionalString,
  DATABASE_POOL_MAX: positiveInt.default(10),
  DATABASE_ACQUIRE_TIMEOUT_MS: positiveInt.default(5_000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(API_SESSION_TIMEOUTS.statementMs),
  DATABASE_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).default(API_SESSION_TIMEOUTS.lockMs),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(API_SESSION_TIMEOUTS.idleInTransactionMs),
  DATABASE_FIRM_MAX_CONNECTIONS: z.preprocess((value) => (value === '' ? undefined : value), positiveInt.optional()),
  REQUEST_TIMEOUT_SECONDS: positiveInt.default(20),
  UPLOAD_TIMEOUT_SECONDS: positiveInt.default(900),
  KEEP_ALIVE_TIMEOUT_SECONDS: positiveInt.max(3600).default(DEFAULT_KEEP_ALIVE_TIMEOUT_MS / 1000),
  UPLOAD_STORE_WAIT_SECONDS: positiveInt.default(60),
  STOP_GRACE_SECONDS: positiveInt.default(10),
  EMBEDDED_PG_PORT: port.default(5433),

  /** GET /metrics on the api's port needs `Authorization: Bearer <METRICS_TOKEN>`; unset: 404 there. */
  METRICS_TOKEN: optionalString.pipe(z.string().min(24, 'at least 24 characters').optional()),
  /** /metrics without a token on its own port, for a scraper on a private network; unset: none. */
  METRICS_PORT: z.preprocess((value) => (value === '' ? undefined : value), port.optional()),
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** The worker's own metrics (the Temporal SDK's Prometheus exporter) on METRICS_HOST; unset: none (npm start picks a free port). */
  WORKER_METRICS_PORT: z.preprocess((value) => (value === '' ? undefined : value), port.optional()),

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('taalmel'),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalString.pipe(z.url().optional()),
  /**
   * Firm roles whose web app links to the Temporal UI (comma-separated; empty: nobody). Unset: the
   * entry point decides (npm start with its own dev server: firm_admin; otherwise nobody).
   */
  TEMPORAL_UI_LINK_ROLES: z
    .string()
    .optional()
    .transform((value) => (value === undefined ? undefined : value.split(',').map((r) => r.trim()).filter(Boolean)))
    .pipe(z.array(z.enum(['firm_admin', 'manager', 'reviewer', 'staff'], 'a comma-separated list of firm_admin, manager, reviewer, staff')).optional()),
  TEMPORAL_CLI_PATH: optionalString,
  WORKFLOW_BUNDLE_PATH: optionalString,
  /** The payload codec's key ring (db/security/payload-codec.ts), the secret box's format. */
  TEMPORAL_PAYLOAD_KEYS: optionalString,
  TEMPORAL_PAYLOAD_KEY_CURRENT: optionalString,

  SESSION_SIGNING_KEYS: optionalString,
  SESSION_SIGNING_KEY_CURRENT: optionalString,
  SECRET_KEYS: optionalString,
  SECRET_KEY_CURRENT: optionalString,
  SESSION_IDLE_MINUTES: positiveInt.default(30),
  SESSION_ABSOLUTE_HOURS: positiveInt.default(12),
  SESSION_TOKEN_MINUTES: z.coerce.number().int().min(1).max(15).default(15),
  REAUTH_WINDOW_MINUTES: positiveInt.default(10),
  MAX_SESSIONS_PER_USER: positiveInt.default(2),
  COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt.default(5),
  LOGIN_MAX_FAILURES_PER_IP: positiveInt.default(50),
  LOGIN_THROTTLE_WINDOW_SECONDS: positiveInt.default(900),

  SCHEDULER_TIMEZONE: z.string().default('Asia/Kolkata'),
  SELF_CHECK_CRON: z.string().default('15 * * * *'),
  AUDIT_HEADS_CRON: z.string().default('50 23 * * *'),
  FOLLOW_UP_DIGEST_CRON: z.string().default('30 8 * * *'),
  /** Mondays 09:00 (SCHEDULER_TIMEZONE): the managers' weekly digest of open notices. */
  NOTICE_DIGEST_CRON: z.string().default('0 9 * * 1'),
  /** The compliance calendar's daily sweep (due soon / overdue notifications), in SCHEDULER_TIMEZONE. */
  CALENDAR_SWEEP_CRON: z.string().default('0 9 * * *'),
  /** Nightly retention run (purges what the firm's retention settings say has aged out), in SCHEDULER_TIMEZONE: after the backup. */
  RETENTION_CRON: z.string().default('30 4 * * *'),
  /** The scheduler's heartbeat file, which its health check reads (ops/scheduler-health.ts); default DATA_DIR/scheduler-heartbeat.json. */
  SCHEDULER_HEARTBEAT_FILE: optionalString,
  /** Seconds between the scheduler's heartbeats (dividing a minute); three missed ones make it unhealthy. */
  SCHEDULER_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(30).refine((n) => 60 % n === 0, 'must divide a minute').default(15),

  BACKUP_DIR: optionalString,
  BACKUP_CRON: z.string().default('30 2 * * *'),
  BACKUP_KEEP_DAILY: z.coerce.number().int().min(0).default(7),
  BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).default(4),
  BACKUP_KEEP_MONTHLY: z.coerce.number().int().min(0).default(6),
  BACKUP_PG_DUMP_PATH: z.string().trim().min(1).default('pg_dump'),
  BACKUP_PG_RESTORE_PATH: z.string().trim().min(1).default('pg_restore'),
  BACKUP_STEP_TIMEOUT_MINUTES: positiveInt.default(360),

  CLOSE_REMINDER_HOURS: positiveInt.default(48),
  CLOSE_ESCALATION_DAYS: positiveInt.default(5),
  CLOSE_EXPIRY_DAYS: positiveInt.default(30),

  UPLOAD_MAX_JSON_MB: positiveInt.default(100),
  UPLOAD_MAX_TABULAR_MB: positiveInt.default(50),
  UPLOAD_URL_KEY: optionalString,
  UPLOAD_MAX_ROWS: positiveInt.default(DEFAULT_READ_LIMITS.maxRows),
  UPLOAD_MAX_CELLS: positiveInt.default(DEFAULT_READ_LIMITS.maxCells),
  UPLOAD_MAX_UNZIPPED_PART_MB: positiveInt.default(DEFAULT_ZIP_CAPS.maxPartBytes / MB),
  UPLOAD_MAX_UNZIPPED_SHARED_STRINGS_MB: positiveInt.default(DEFAULT_ZIP_CAPS.maxSharedStringsBytes / MB),
  UPLOAD_MAX_UNZIPPED_TOTAL_MB: positiveInt.default(DEFAULT_ZIP_CAPS.maxTotalBytes / MB),
  UPLOAD_MAX_ZIP_ENTRIES: positiveInt.default(DEFAULT_ZIP_CAPS.maxEntries),
  PARSER_YOUNG_GENERATION_MB: positiveInt.default(PARSER_YOUNG_GENERATION_MB),

  SMTP_URL: optionalString.pipe(z.url({ protocol: /^smtps?$/ }).optional()),
  MAIL_FROM: z.string().trim().min(3).default('Taalmel <no-reply@taalmel.local>'),
  MAILPIT_PATH: optionalString,
  MAIL_SMTP_PORT: port.default(1025),
  MAIL_API_PORT: port.default(8025),
  FOLLOW_UP_MAX_FILE_MB: positiveInt.default(20),
  /** Uploads through a client's link at once, and its unused upload URLs (docs/security-limits.md, "The client's link"). */
  FOLLOW_UP_LINK_UPLOADS_PER_LINK: positiveInt.default(DEFAULT_LINK_UPLOAD_LIMITS.perLink),
  FOLLOW_UP_LINK_UPLOADS_PER_IP: positiveInt.default(DEFAULT_LINK_UPLOAD_LIMITS.perIp),
  FOLLOW_UP_LINK_UPLOAD_MEMORY_MB: positiveInt.default(DEFAULT_LINK_UPLOAD_LIMITS.memoryBytes / MB),
  FOLLOW_UP_LINK_UPLOAD_URLS: positiveInt.default(DEFAULT_LINK_UPLOAD_LIMITS.urlsPerLink),
  /** `POST /api/settings/smtp/test` per firm an hour (docs/security-limits.md). */
  SMTP_TEST_LIMIT_PER_HOUR: positiveInt.max(1000).default(DEFAULT_SMTP_TEST_LIMITS.perFirm),
  EXPORT_DIR: optionalString,
  EXPORT_TTL_HOURS: positiveInt.default(24),
  FILE_STORE_DIR: optionalString,
  ERASURE_LOG_DIR: optionalString,
  CERTIFICATE_SIGNING_KEY: optionalString,
  FIRM_DELETION_GRACE_DAYS: z.coerce.number().int().min(0).default(7),
});

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
