/**
 * The Koa application. Built from explicit dependencies so tests run it against their own database
 * and Temporal server. Middleware order matters: context first (request id), then the access log and
 * the error envelope (so the log sees final statuses), then body parsing, then routes; every API
 * route is declared through api/routes.ts (authentication, tenant transaction, RBAC, validation).
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import os from 'node:os';
import path from 'node:path';
import type { JWK } from 'jose';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { auditRoutes } from './audit/routes';
import { authRoutes, type AppLinks } from './auth/routes';
import { clientRoutes } from './clients/routes';
import { healthRoutes } from './health/routes';
import { ReadinessProbe } from './health/readiness';
import { createMetrics, metricsRoutes, type Metrics } from './metrics/registry';
import { accessLog } from './middleware/access-log';
import { errorHandler } from './middleware/error-handler';
import { requestContext } from './middleware/request-context';
import { requestDeadline } from './middleware/deadline';
import { securityHeaders } from './middleware/security-headers';
import { securityTxtRoutes } from './security-txt';
import { FirmGate } from './limits/firm-gate';
import { notificationRoutes } from './notifications/routes';
import { mountRoutes, type RouteSpec } from './routes';
import type { Security } from './security';
import { settingsRoutes } from './settings/routes';
import { DEFAULT_SMTP_TEST_LIMITS } from './settings/smtp-test-limits';
import { retentionRoutes } from './retention/routes';
import type { TemporalHandle } from './temporal-client';
import { userRoutes } from './users/routes';
import { webApp } from './web-app';
import { firmPeriodRoutes } from './periods/firm-list';
import { periodRoutes } from './periods/routes';
import { DEFAULT_CLOSE_TIMERS, type CloseTimers } from '../workflows/period-close-definitions';
import { PARSE_THREADS, parserHeapMb } from './imports/parse-pool';
import { importRoutes, UPLOAD_PATH } from './imports/routes';
import { UploadTokens } from './imports/upload-token';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './imports/parse-upload';
import { reconciliationActionRoutes } from './reconciliations/actions';
import { reconciliationListRoutes } from './reconciliations/list';
import { reconciliationRoutes } from './reconciliations/routes';
import { mismatchFollowUpRoutes } from './follow-ups/mismatch-routes';
import { supplierChaseSettler } from './follow-ups/supplier-chase-settle';
import { followUpRoutes } from './follow-ups/routes';
import { LINK_UPLOAD_PATH, linkRoutes } from './follow-ups/link-routes';
import { LinkThrottle, type LinkThrottleConfig } from './follow-ups/link-throttle';
import { DEFAULT_LINK_UPLOAD_LIMITS, UploadSlots, type LinkUploadLimits } from './limits/upload-slots';
import { checklistPageRoutes } from './follow-ups/checklist-page';
import type { FollowUpCalendar } from '../domain/follow-ups';
import { followUpCalendarFor } from '../db/follow-up-calendar';
import { calendarRoutes } from './calendar/routes';
import { extensionRoutes } from './calendar/extensions';
import { filingRoutes } from './calendar/filings';
import { holidayRoutes } from './calendar/holidays';
import { dataProtectionRoutes } from './data-protection/routes';
import { firmDeletionRoutes } from './firm-deletion/routes';
import { SignedUrlTokens } from './signed-url-token';
import { DEFAULT_EXPORT_TTL_MS } from '../domain/data-protection';
import { DEFAULT_FIRM_DELETION_GRACE_MS } from '../domain/firm-deletion';
import { istDate } from '../domain/calendar';
import { noticeFormRoutes } from './notices/forms';
import { noticeRoutes } from './notices/routes';
import { CODEC_PATH_PREFIX, codecRoutes } from './codec/routes';
import { NOTICE_UPLOAD_PATH, noticeDocumentRoutes } from './notices/documents';
import { accountRoutes } from './accounts/routes';
import { storableBody } from './middleware/storable-body';

export type AppDeps = {
  logger: Logger;
  knex: Knex;
  temporal: TemporalHandle;
  security: Security;
  /** Stack traces in 500 responses: development only. */
  exposeInternalErrors: boolean;
  /** Behind a reverse proxy, trust X-Forwarded-For for client IPs. */
  trustProxy?: boolean;
  /**
   * Today in India (`YYYY-MM-DD`), the date the import and close windows are checked on
   * (domain/periods.ts); `istDate(new Date())` when absent. Tests pin it to the days the rules turn on.
   */
  today?: () => string;
  /** Period close: the waits before reminder, escalation and expiry (ops/config.ts); the defaults when absent. */
  periodClose?: { timers?: CloseTimers };
  /** GST notices: tests compress the reminder plan (a day lasts `timeScale` days); real time when absent. */
  notices?: { timeScale?: number | null; /** Largest notice document (defaults to the follow-up cap). */ maxFileBytes?: number; /** Tests only: continue as new after this many history events. */ historyLimit?: number };
  /** The built web app's folder (Vite's output), served at `/`; absent: no web app (API-only tests). */
  webRoot?: string;
  /** Upload caps and URL signing (ops/config.ts `imports`); the defaults of docs/reconciliation.md when absent. */
  imports?: { maxJsonBytes?: number; maxTabularBytes?: number; urlKey?: string; publicUrl?: string; readLimits?: Partial<ReadLimits> };
  /** Client follow-ups: the calendar seam, a compressed business day (tests, demos), the upload cap, the link's rate limits. */
  followUps?: { calendarFor?: (trx: Knex.Transaction, firmId: string, client: { id: string; stateCode: string }) => FollowUpCalendar; dayMs?: number; /** Tests only: one compressed clock for every request created while it answers (api/follow-ups/create.ts). */ sharedClockAt?: () => number | null; sendTimeoutMs?: number; /** Tests only: attempts of a workflow step before it fails. */ sendAttempts?: number; /** Tests only: continue as new after this many history events. */ historyLimit?: number; maxFileBytes?: number; linkThrottle?: LinkThrottleConfig; /** Uploads through the link at once and their URLs (docs/security-limits.md); the defaults when absent. */ linkUploads?: Partial<LinkUploadLimits> };
  /** `POST /api/settings/smtp/test`: tests per firm an hour (SMTP_TEST_LIMIT_PER_HOUR); 5 when absent. */
  smtpTest?: { perHour?: number };
  /** The public face: PUBLIC_URL (https turns HSTS on) and the disclosure contact of security.txt. */
  web?: { publicUrl?: string; securityContact?: string };
  /** GET /metrics on the api's port answers with this bearer token (METRICS_TOKEN); absent: 404 there. */
  metrics?: { token?: string };
  /** Request deadlines and per-firm fairness (ops/config.ts `limits`); the defaults of docs/security-limits.md when absent. */
  limits?: Partial<RequestLimits>;
  /** Client export and erasure (ops/config.ts `dataProtection`); without it exports go to the system's temp folder. */
  dataProtection?: { exportDir: string; exportTtlMs?: number; certificatePublicKey: JWK | null; publicUrl?: string; cancelGraceSeconds?: number };
  /** Firm deletion (ops/config.ts `dataProtection.firmDeletionGraceMs`): the cooling-off period after a firm admin's request. */
  firmDeletion?: { graceMs?: number };
  /** The payload codec endpoint (api/codec/routes.ts): the Temporal Web UI's URL, the one origin CORS allows. */
  codecEndpoint?: { temporalUiUrl: string | null };
  /** Places outside the app that `GET /api/auth/me` links to for the roles allowed (docs/web-app.md, "Links out of the app"). */
  appLinks?: AppLinks;
};

export type RequestLimits = {
  requestTimeoutMs: number;
  uploadTimeoutMs: number;
  /** Database connections one firm may hold at once; half the pool when absent. */
  perFirmConnections: number;
  /** How long a request waits for one of its firm's connections before 503 `unavailable`. */
  firmWaitMs: number;
  /**
   * How long an upload whose file has been read waits for one of its firm's connections to store it.
   * Storing a large register holds a connection for its whole COPY (longer than `firmWaitMs`), so a
   * firm's uploads at once would refuse each other after the parse; an upload that got this far
   * waits its turn instead, in its firm's own queue, or until its client goes. Bounded (a minute by
   * default, never past the upload's deadline, never less than a read waits): a waiting upload keeps
   * one of the process's parse slots, which every firm's uploads share.
   */
  uploadStoreWaitMs: number;
};

export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
export const DEFAULT_UPLOAD_STORE_WAIT_MS = 60_000;
export const DEFAULT_UPLOAD_TIMEOUT_MS = 15 * 60_000;
/** Uploads parsed at once by one api process (each holds a file's rows in memory until stored), one per parser thread. */
const PARSE_SLOTS = PARSE_THREADS;

function poolMaxOf(knex: Knex): number {
  const max = (knex.client as { config?: { pool?: { max?: number } } }).config?.pool?.max;
  return typeof max === 'number' && max > 0 ? max : 10;
}

/** The limits with their defaults filled in. */
/** The api's clock for date rules: the deps' own, or the IST date of now. */
function todayOf(deps: AppDeps): () => string {
  return deps.today ?? (() => istDate(new Date()));
}

export function requestLimits(deps: AppDeps): RequestLimits {
  const firmWaitMs = deps.limits?.firmWaitMs ?? 5_000;
  return {
    requestTimeoutMs: deps.limits?.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    uploadTimeoutMs: deps.limits?.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS,
    perFirmConnections: deps.limits?.perFirmConnections ?? Math.max(1, Math.floor(poolMaxOf(deps.knex) / 2)),
    firmWaitMs,
    uploadStoreWaitMs: Math.max(firmWaitMs, Math.min(deps.limits?.uploadStoreWaitMs ?? DEFAULT_UPLOAD_STORE_WAIT_MS, deps.limits?.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS)),
  };
}

function uploadTokens(deps: AppDeps): UploadTokens {
  const key = deps.imports?.urlKey;
  if (key) return new UploadTokens(Buffer.from(key, 'base64'));
  return UploadTokens.fromSigningKey(deps.security.settings.signingKeys, deps.security.settings.signingKeyCurrent);
}

/** The upload caps with their defaults filled in (docs/security-limits.md, "Uploads"). */
function importCaps(deps: AppDeps): { maxJsonBytes: number; maxTabularBytes: number; readLimits: ReadLimits } {
  return {
    maxJsonBytes: deps.imports?.maxJsonBytes ?? 100 * 1024 * 1024,
    maxTabularBytes: deps.imports?.maxTabularBytes ?? 50 * 1024 * 1024,
    readLimits: { ...DEFAULT_READ_LIMITS, ...deps.imports?.readLimits },
  };
}

export type App = Koa & {
  apiRouter: Router;
  routeSpecs: RouteSpec[];
  firmGate: FirmGate;
  metrics: Metrics;
  /** The heap cap of this app's parser threads (`startParsers` takes it), from its upload caps. */
  parserHeapMb: number;
  /** Uploads through clients' links being received now (docs/security-limits.md, "The client's link"). */
  linkUploads: UploadSlots;
};

/** Shared limits of one api process: per-firm database slots, parse slots for uploads, and the parser threads' heap. */
export type Gates = { firmGate: FirmGate; parseSlots: FirmGate; parserHeapMb: number; uploadStoreWaitMs: number; linkUploads: UploadSlots };

/** The link's upload limits with their defaults filled in; the memory budget always fits one file of the largest size. */
function linkUploadLimits(deps: AppDeps): LinkUploadLimits {
  const limits = { ...DEFAULT_LINK_UPLOAD_LIMITS, ...deps.followUps?.linkUploads };
  return { ...limits, memoryBytes: Math.max(limits.memoryBytes, linkMaxFileBytes(deps)) };
}

function linkMaxFileBytes(deps: AppDeps): number {
  return deps.followUps?.maxFileBytes ?? 20 * 1024 * 1024;
}

export function apiRouteSpecs(deps: AppDeps, gates: Gates): RouteSpec[] {
  const { security } = deps;
  // One creation of follow-ups for both routes that make them (a client's, a reconciliation's).
  const followUpCreation = {
    temporal: deps.temporal,
    calendarFor: deps.followUps?.calendarFor ?? followUpCalendarFor,
    dayMs: deps.followUps?.dayMs,
    sharedClockAt: deps.followUps?.sharedClockAt,
    sendTimeoutMs: deps.followUps?.sendTimeoutMs,
    sendAttempts: deps.followUps?.sendAttempts,
    historyLimit: deps.followUps?.historyLimit,
  };
  return [
    ...authRoutes({ auth: security.auth, cookieSecure: security.settings.cookieSecure, devices: security.devices, links: deps.appLinks }),
    ...userRoutes({ auth: security.auth, knex: deps.knex, limits: security.settings.userCreation }),
    ...clientRoutes(),
    ...settingsRoutes({ secretBox: security.secretBox, knex: deps.knex, smtpTestLimits: { ...DEFAULT_SMTP_TEST_LIMITS, ...(deps.smtpTest?.perHour ? { perFirm: deps.smtpTest.perHour } : {}) } }),
    ...retentionRoutes(),
    ...auditRoutes({ knex: deps.knex }),
    ...notificationRoutes(),
    ...periodRoutes({ temporal: deps.temporal, timers: deps.periodClose?.timers ?? DEFAULT_CLOSE_TIMERS, today: todayOf(deps) }),
    ...firmPeriodRoutes({ today: todayOf(deps) }),
    ...importRoutes({
      knex: deps.knex,
      today: todayOf(deps),
      settings: {
        tokens: uploadTokens(deps),
        ...importCaps(deps),
        urlMinutes: 15,
        publicUrl: deps.imports?.publicUrl,
        firmGate: gates.firmGate,
        parseSlots: gates.parseSlots,
        parserHeapMb: gates.parserHeapMb,
        storeWaitMs: gates.uploadStoreWaitMs,
        logger: deps.logger,
        afterGstr2bStored: supplierChaseSettler(deps.temporal),
      },
    }),
    ...reconciliationRoutes({ knex: deps.knex, temporal: deps.temporal }),
    ...reconciliationActionRoutes(),
    ...followUpRoutes(followUpCreation),
    ...mismatchFollowUpRoutes(followUpCreation),
    ...linkRoutes({
      knex: deps.knex,
      temporal: deps.temporal,
      throttle: new LinkThrottle(deps.knex, deps.followUps?.linkThrottle),
      tokens: uploadTokens(deps).derive('taalmel follow-up upload url v1'),
      maxFileBytes: linkMaxFileBytes(deps),
      uploads: gates.linkUploads,
      urlsPerLink: linkUploadLimits(deps).urlsPerLink,
      publicUrl: deps.imports?.publicUrl,
    }),
    ...checklistPageRoutes(),
    ...reconciliationListRoutes(),
    ...calendarRoutes(),
    ...filingRoutes({ temporal: deps.temporal }),
    ...holidayRoutes({ temporal: deps.temporal }),
    ...extensionRoutes({ temporal: deps.temporal }),
    ...dataProtectionRoutes({
      knex: deps.knex,
      temporal: deps.temporal,
      exportTtlMs: deps.dataProtection?.exportTtlMs ?? DEFAULT_EXPORT_TTL_MS,
      exportDir: deps.dataProtection?.exportDir ?? path.join(os.tmpdir(), 'taalmel-exports'),
      // Its own key, derived from the session signing key like the upload URLs' (see signed-url-token.ts).
      downloadTokens: new SignedUrlTokens(SignedUrlTokens.derive(security.settings.signingKeys, security.settings.signingKeyCurrent, 'taalmel export download v1')),
      certificatePublicKey: deps.dataProtection?.certificatePublicKey ?? null,
      publicUrl: deps.dataProtection?.publicUrl ?? deps.imports?.publicUrl,
      cancelGraceSeconds: deps.dataProtection?.cancelGraceSeconds,
    }),
    ...firmDeletionRoutes({
      temporal: deps.temporal,
      graceMs: deps.firmDeletion?.graceMs ?? DEFAULT_FIRM_DELETION_GRACE_MS,
      certificatePublicKey: deps.dataProtection?.certificatePublicKey ?? null,
      cancelGraceSeconds: deps.dataProtection?.cancelGraceSeconds,
    }),
    ...noticeRoutes({ temporal: deps.temporal, timeScale: deps.notices?.timeScale ?? null, historyLimit: deps.notices?.historyLimit }),
    ...noticeDocumentRoutes({
      knex: deps.knex,
      tokens: uploadTokens(deps).derive('taalmel notice upload url v1'),
      maxFileBytes: deps.notices?.maxFileBytes ?? deps.followUps?.maxFileBytes ?? 20 * 1024 * 1024,
      publicUrl: deps.imports?.publicUrl,
    }),
    ...accountRoutes({ knex: deps.knex, auth: security.auth, temporal: deps.temporal, logger: deps.logger }),
    ...noticeFormRoutes(),
  ];
}

export function createApp(deps: AppDeps): App {
  const app = new Koa({ proxy: deps.trustProxy ?? false }) as App;
  app.silent = true; // errors are logged by our own middleware, once, with the request id

  const limits = requestLimits(deps);
  const firmGate = new FirmGate({ perFirm: limits.perFirmConnections, waitMs: limits.firmWaitMs });
  // Uploads wait for a parse slot (up to their deadline) rather than parse many files at once.
  const parseSlots = new FirmGate({ perFirm: PARSE_SLOTS, waitMs: limits.uploadTimeoutMs, busyMessage: 'Too many uploads are being read; try again in a minute.' });
  const publicUrl = deps.web?.publicUrl ?? deps.imports?.publicUrl;
  const isApi = (path: string) => /^\/+(api|codec|healthz|readyz|metrics|\.well-known)(\/|$)/i.test(path);
  const readiness = new ReadinessProbe({ knex: deps.knex, temporal: deps.temporal });
  const metrics = createMetrics({ knex: deps.knex, temporal: deps.temporal, readiness, isApi });
  app.use(securityHeaders({ hsts: publicUrl?.startsWith('https:') ?? false, isApi }));
  app.use(requestContext());
  app.use(metrics.http);
  app.use(accessLog(deps.logger));
  app.use(errorHandler({ logger: deps.logger, exposeInternalErrors: deps.exposeInternalErrors }));
  // Inside the error envelope (a timeout answers in it), around everything that can wait.
  // Every route whose body is a file's bytes gets the upload deadline: imports, the client's link, notice papers.
  // Matched as the router matches (any case, one trailing slash).
  const uploadPaths = new Set([UPLOAD_PATH, LINK_UPLOAD_PATH, NOTICE_UPLOAD_PATH]);
  app.use(requestDeadline({ ms: limits.requestTimeoutMs, longMs: limits.uploadTimeoutMs, isLong: (ctx) => uploadPaths.has(ctx.path.toLowerCase().replace(/(.)\/$/, '$1')) }));
  // Uploads stream their raw body to the import readers (whatever content type the client sends).
  // Text PostgreSQL cannot store is refused as the body is parsed (api/middleware/storable-body.ts).
  const json = storableBody(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', encoding: 'utf-8' }));
  // The codec endpoint parses its own (larger) JSON bodies. Matched as the router matches (any case,
  // one trailing slash), so a path the router sends to an upload never has its body read here.
  // A body of another type is refused by the routes that declare a body (api/routes.ts), not here:
  // routes without one (the one-click unsubscribe that mail providers POST as a form) still answer.
  const ownBody = (path: string) => {
    const p = path.toLowerCase().replace(/(.)\/$/, '$1');
    return p === UPLOAD_PATH || p === LINK_UPLOAD_PATH || p === NOTICE_UPLOAD_PATH || p.startsWith(`${CODEC_PATH_PREFIX}/`);
  };
  app.use((ctx, next) => (ownBody(ctx.path) ? next() : json(ctx, next)));

  app.use(healthRoutes({ readiness }).routes());
  app.use(metricsRoutes(metrics.registry, deps.metrics?.token).routes());
  app.use(securityTxtRoutes({ contact: deps.web?.securityContact, publicUrl }).routes());
  app.use(codecRoutes({ knex: deps.knex, codec: deps.temporal.codec, uiUrl: deps.codecEndpoint?.temporalUiUrl ?? null, cookieSecure: deps.security.settings.cookieSecure }).routes());

  const router = new Router();
  const caps = importCaps(deps);
  const parserHeap = parserHeapMb({ maxUploadBytes: Math.max(caps.maxJsonBytes, caps.maxTabularBytes), readLimits: caps.readLimits });
  const linkUploads = new UploadSlots(linkUploadLimits(deps));
  const specs = apiRouteSpecs(deps, { firmGate, parseSlots, parserHeapMb: parserHeap, uploadStoreWaitMs: limits.uploadStoreWaitMs, linkUploads });
  mountRoutes(router, specs, {
    knex: deps.knex,
    auth: deps.security.auth,
    tokens: deps.security.tokens,
    logger: deps.logger,
    cookieSecure: deps.security.settings.cookieSecure,
    tokenMinutes: deps.security.settings.tokenMinutes,
    firmGate,
  });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  // After the API's routes: the app takes only GET/HEAD paths no route answered and none reserved.
  if (deps.webRoot) app.use(webApp({ root: deps.webRoot }));
  app.apiRouter = router;
  app.routeSpecs = specs;
  app.firmGate = firmGate;
  app.metrics = metrics;
  app.parserHeapMb = parserHeap;
  app.linkUploads = linkUploads;
  return app;
}
