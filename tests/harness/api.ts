/**
 * The real API on a loopback port, wired to the test file's database and the harness's Temporal
 * server, with fresh random keys; plus a small client that signs in and calls routes.
 */
import { createApp, type App, type AppDeps } from '../../api/app';
import { createSecurity, type Security, type SecuritySettings } from '../../api/security';
import { createTemporalClient, type TemporalHandle } from '../../api/temporal-client';
import { generateKeys } from '../../ops/keys';
import { mountAdminConsole } from '../../admin/console';
import { consoleAuth } from '../../ops/console-auth';
import type { TestDatabase } from './database';
import { harnessValue } from './harness-env';
import { serve } from './http';
import { captureLogger, type CapturedLogger } from './logs';
import { testPayloadCodec } from './temporal';

export type TestApi = { url: string; app: App; security: Security; logs: CapturedLogger; temporal: TemporalHandle; close(): Promise<void> };

export function testSecuritySettings(overrides: Partial<SecuritySettings> = {}): SecuritySettings {
  return {
    ...generateKeys(),
    idleMinutes: 30,
    absoluteHours: 12,
    tokenMinutes: 15,
    reauthWindowMinutes: 10,
    maxSessionsPerUser: 2,
    cookieSecure: false,
    throttle: { maxFailuresPerAccount: 5, maxFailuresPerIp: 50, windowSeconds: 900 },
    ...overrides,
  };
}

export type TestApiOptions = {
  trustProxy?: boolean;
  taskQueue?: string;
  periodClose?: AppDeps['periodClose'];
  followUps?: AppDeps['followUps'];
  dataProtection?: AppDeps['dataProtection'];
  notices?: AppDeps['notices'];
  publicUrl?: string;
  webRoot?: string;
  metricsToken?: string;
  codecEndpoint?: AppDeps['codecEndpoint'];
  /** The AdminJS console mounted as `npm start` mounts it; `publicUrl` is the console's configured PUBLIC_URL (its only accepted origin). */
  adminConsole?: boolean | { publicUrl?: string };
  firmDeletion?: AppDeps['firmDeletion'];
  appLinks?: AppDeps['appLinks'];
  limits?: AppDeps['limits'];
  smtpTest?: AppDeps['smtpTest'];
  today?: AppDeps['today'];
  /** Development mode: an unexpected error shows its stack, so a test can see a slip would leak nothing worse. */
  exposeInternalErrors?: boolean;
  /** The captured logger's level (`debug` unless a suite keeps only warnings). */
  logLevel?: string;
};

export async function startTestApi(db: TestDatabase, overrides: Partial<SecuritySettings> = {}, options: TestApiOptions = {}): Promise<TestApi> {
  const logs = captureLogger(options.logLevel ?? 'debug');
  const temporal = createTemporalClient({ address: harnessValue('temporalAddress'), namespace: 'default', taskQueue: options.taskQueue ?? 'unused', codec: testPayloadCodec() });
  const security = createSecurity(testSecuritySettings(overrides), db.app, logs.logger);
  const app = createApp({ logger: logs.logger, knex: db.app, temporal, security, exposeInternalErrors: options.exposeInternalErrors ?? false, trustProxy: options.trustProxy ?? false, periodClose: options.periodClose, followUps: options.followUps, dataProtection: options.dataProtection, notices: options.notices, imports: options.publicUrl ? { publicUrl: options.publicUrl } : undefined, webRoot: options.webRoot, metrics: { token: options.metricsToken }, codecEndpoint: options.codecEndpoint, firmDeletion: options.firmDeletion, appLinks: options.appLinks, limits: options.limits, smtpTest: options.smtpTest, today: options.today });
  // The console as `npm start` mounts it (before serving: Koa composes its middleware when served).
  if (options.adminConsole) {
    const publicUrl = typeof options.adminConsole === 'object' ? options.adminConsole.publicUrl : undefined;
    await mountAdminConsole(app, { knex: db.app, auth: consoleAuth(security.auth, security.tokens, { firmGate: app.firmGate, devices: security.devices }), cookieSecure: false, publicUrl });
  }
  const server = await serve(app);
  return {
    url: server.url,
    app,
    security,
    logs,
    temporal,
    async close() {
      await server.close();
      await temporal.close();
    },
  };
}

export type CallOptions = { token?: string; body?: unknown; headers?: Record<string, string>; cookie?: string };

export type CallResult = { status: number; body: any; headers: Headers; text: string }; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function call(api: { url: string }, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${api.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers, text };
}

export async function login(api: { url: string }, email: string, password: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await call(api, 'POST', '/api/auth/login', { body: { email, password, ...extra } });
  if (res.status !== 200) throw new Error(`login of ${email} failed: ${res.status} ${res.text}`);
  return res.body.token as string;
}

/** Signs `user` in and re-authenticates the session, as the sensitive routes require (`POST /api/auth/reauth`). */
export async function loginReauthenticated(api: { url: string }, user: { email: string; password: string }): Promise<string> {
  const token = await login(api, user.email, user.password);
  const reauth = await call(api, 'POST', '/api/auth/reauth', { token, body: { password: user.password } });
  if (reauth.status !== 204) throw new Error(`re-authentication of ${user.email} answered ${reauth.status}: ${reauth.text}`);
  return token;
}

/** One session for each of `roles` (a firm's users by role), signed in one after the other. */
export async function loginRoles<R extends string>(api: { url: string }, users: Record<R, { email: string; password: string }>, roles: readonly R[]): Promise<Record<R, string>> {
  const tokens = {} as Record<R, string>;
  for (const role of roles) tokens[role] = await login(api, users[role].email, users[role].password);
  return tokens;
}
