/**
 * The environment variables every process reads (ops/config.ts, loadConfig): their types, bounds
 * and defaults, checked in one pass so a bad value is named with its variable.
 */
import { z } from 'zod';
import { API_SESSION_TIMEOUTS } from '../db/knex';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from './http-server';
import { DEFAULT_READ_LIMITS } from '../api/imports/parse-upload';
import { DEFAULT_ZIP_CAPS } from '../api/imports/zip-limits';
import { PARSER_YOUNG_GENERATION_MB } from '../api/imports/parse-pool';
import { DEFAULT_SMTP_TEST_LIMITS } from '../api/settings/smtp-test-limits';
import { DEFAULT_LINK_UPLOAD_LIMITS } from '../api/limits/upload-slots';

export const MB = 1024 * 1024;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

export const envSchema = z.object({
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
