/**
 * How every API route is declared. A route names its RBAC action (or says it is public), and may
 * ask for a recent re-authentication and schemas for its params, query and body. `mountRoutes`
 * builds the middleware chain from that declaration, so no route can skip authentication, the
 * tenant transaction, authorisation or validation; `undeclaredRoutes` lets a test prove that
 * nothing was registered on the router any other way.
 */
import { timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { recordAuditEvent } from '../db/audit';
import { extendContext } from '../db/request-context';
import { inTenantTransaction } from '../db/tenant';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, setSessionCookies } from './auth/cookies';
import type { AuthService } from './auth/service';
import { TokenError, type SessionTokens } from './auth/tokens';
import { ApiError, forbidden, unauthenticated } from './errors';
import type { FirmGate } from './limits/firm-gate';
import { loggedPath } from './middleware/logged-path';
import { isAllowed, type Action } from './rbac/permissions';
import type { AppState, AuthenticatedSession, AuthenticatedUser } from './state';
import { parseOrThrow } from './validate';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type RouteInput<P, Q, B> = { params: P; query: Q; body: B };

/**
 * What an authenticated route's handler finds on ctx.state: the chain (`authenticate`) has set the
 * user, the session and the request's tenant transaction before any handler runs.
 */
export type AuthenticatedState = AppState & { user: AuthenticatedUser; session: AuthenticatedSession; trx: Knex.Transaction };

/** A handler's context: authenticated state for every route but the public ones. */
export type RouteContext<A extends Action | 'public' = Action | 'public'> = Context & { state: A extends 'public' ? AppState : AuthenticatedState };

/** The context of any authenticated route, for helpers that several handlers share. */
export type AuthenticatedContext = RouteContext<Action>;

export type RouteSpec<P = unknown, Q = unknown, B = unknown, A extends Action | 'public' = Action | 'public'> = {
  method: Method;
  path: string;
  /** The permission checked against the caller's role, or 'public' (no session needed). */
  action: A;
  /** Needs a re-authentication within the configured window (the sensitive routes of docs/api.md). */
  sensitive?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  handler: (ctx: RouteContext<A>, input: RouteInput<P, Q, B>) => Promise<void> | void;
};

/** Keeps each route's types (inferred from its schemas and action) while collecting them in one list. */
export function route<P = Record<string, string>, Q = Record<string, unknown>, B = unknown, A extends Action | 'public' = Action | 'public'>(
  spec: RouteSpec<P, Q, B, A>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

export type RouteDeps = {
  knex: Knex;
  auth: AuthService;
  tokens: SessionTokens;
  logger: Logger;
  cookieSecure: boolean;
  tokenMinutes: number;
  firmGate: FirmGate;
};

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function tokenFrom(ctx: Context): { token: string; method: 'cookie' | 'bearer' } | null {
  const header = ctx.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1] ? { token: match[1], method: 'bearer' } : null;
  }
  const cookie = ctx.cookies.get(SESSION_COOKIE);
  return cookie ? { token: cookie, method: 'cookie' } : null;
}

function csrfMatches(ctx: Context): boolean {
  const cookie = ctx.cookies.get(CSRF_COOKIE);
  const header = ctx.get(CSRF_HEADER);
  if (!cookie || !header) return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(header);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Verifies the token, then runs the rest of the request inside one transaction scoped to the
 * session's firm (row-level security and the audit triggers read it). The session row is checked on
 * every request. A refusal that deserves a record is audited after the transaction rolls back.
 */
function authenticate(deps: RouteDeps): Middleware {
  return async (ctx: Context & { state: AppState }, next: Next) => {
    const found = tokenFrom(ctx);
    if (!found) throw unauthenticated();
    let claims;
    try {
      claims = await deps.tokens.verify(found.token);
    } catch (error) {
      if (error instanceof TokenError && error.reason === 'expired') throw unauthenticated('session_expired', 'Your session token expired. Sign in again.');
      throw unauthenticated('unauthenticated', 'The session token is not valid.');
    }
    if (found.method === 'cookie' && STATE_CHANGING.has(ctx.method) && !csrfMatches(ctx)) {
      throw forbidden('csrf_failed', `Send the ${CSRF_HEADER} header with the value of the ${CSRF_COOKIE} cookie.`);
    }
    ctx.state.authMethod = found.method;

    let scope: Parameters<typeof inTenantTransaction>[1] | null = null;
    // One of the firm's slots first (per-firm fairness), then the transaction.
    const release = await deps.firmGate.enter(claims.firmId);
    try {
      // The firm comes from the verified token; the role and the rest from the session's user row.
      await inTenantTransaction(
        deps.knex,
        { firmId: claims.firmId, actor: { userId: claims.sub, email: '', role: '' }, requestId: ctx.state.requestId, ip: ctx.ip },
        async (trx) => {
          const { user, session, firmSettings } = await deps.auth.checkSession(trx, claims.sessionId, claims.sub);
          // The session check has completed the transaction's scope with the user (triggers record who
          // acted); `scope` is the same, kept for auditing a refusal after a rollback.
          scope = { firmId: user.firmId, clientId: user.clientId, actor: { userId: user.id, email: user.email, role: user.role }, requestId: ctx.state.requestId, ip: ctx.ip };
          extendContext({ firmId: user.firmId, clientId: user.clientId, userId: user.id, userEmail: user.email, role: user.role, sessionId: session.id, trx });
          ctx.state.user = user;
          ctx.state.session = session;
          ctx.state.trx = trx;
          ctx.state.mustEnrollTotp = Boolean(firmSettings.requireTotpForAdmins && user.role === 'firm_admin' && !user.totpEnabled);

          // Tokens live minutes; re-issue one while the session lives once half its life is gone.
          const remaining = claims.exp * 1000 - Date.now();
          if (remaining < (deps.tokenMinutes * 60_000) / 2) {
            const fresh = await deps.auth.reissueToken(user, session.id);
            ctx.set('x-session-token', fresh.token);
            if (found.method === 'cookie') {
              setSessionCookies(ctx, fresh.token, { secure: deps.cookieSecure, maxAgeMs: session.absoluteExpiresAt.getTime() - Date.now(), rotateCsrf: false });
            }
          }
          await next();
        },
        { signal: ctx.state.deadline },
      );
    } catch (error) {
      if (error instanceof ApiError && error.audit && scope) {
        const audit = error.audit;
        await inTenantTransaction(deps.knex, scope, (trx) => recordAuditEvent(trx, audit)).catch((auditError: Error) =>
          deps.logger.error({ err: auditError }, 'could not record a refused request'),
        );
      }
      throw error;
    } finally {
      release();
      const user = ctx.state.user;
      if (user && ctx.state.session) deps.auth.touchSession({ firmId: user.firmId, userId: user.id, requestId: ctx.state.requestId }, ctx.state.session.id);
    }
  };
}

function authorize(action: Action, sensitive: boolean, deps: RouteDeps): Middleware {
  return async (ctx: Context & { state: AppState }, next: Next) => {
    const user = ctx.state.user;
    if (ctx.state.mustEnrollTotp && !action.startsWith('self.')) {
      throw forbidden('totp_enrollment_required', 'This firm requires two-factor authentication for firm admins: set it up first.');
    }
    if (!isAllowed(user?.role, action)) {
      throw forbidden().withAudit({ action: 'access.denied', entityType: 'route', after: { action, method: ctx.method, path: loggedPath(ctx) } });
    }
    if (sensitive && ctx.state.session) {
      if (!deps.auth.recentlyReauthenticated(ctx.state.session)) {
        throw forbidden('reauth_required', 'Confirm your password (POST /api/auth/reauth) to do this.').withAudit({
          action: 'access.reauth_required',
          entityType: 'route',
          after: { action, method: ctx.method, path: loggedPath(ctx) },
        });
      }
    }
    await next();
  };
}

const sendsBody = (ctx: Context) => ctx.get('transfer-encoding') !== '' || Number(ctx.get('content-length') || 0) > 0;

function handle(spec: RouteSpec): Middleware {
  return async (ctx: Context & { state: AppState }) => {
    // JSON in (docs/api.md): a route that reads a body refuses one of another type rather than see
    // it as no body at all (400 invalid_input). Routes that read no body take any type: mail
    // providers POST the one-click unsubscribe (RFC 8058) as a form, and must not be refused.
    if (spec.body && sendsBody(ctx) && !ctx.is('json', '+json')) throw new ApiError(415, 'unsupported_type', 'Send the body as JSON (Content-Type: application/json).');
    const input = {
      params: spec.params ? parseOrThrow(spec.params, ctx.params, 'params') : ctx.params,
      query: spec.query ? parseOrThrow(spec.query, ctx.query, 'query') : ctx.query,
      body: spec.body ? parseOrThrow(spec.body, ctx.request.body, 'body') : undefined,
    };
    // The chain in front of this handler gave it the state its action's context type promises.
    await spec.handler(ctx as RouteContext, input);
  };
}

const declared = new WeakMap<Router, Set<string>>();

export function mountRoutes(router: Router, specs: RouteSpec[], deps: RouteDeps): void {
  const names = declared.get(router) ?? new Set<string>();
  declared.set(router, names);
  for (const spec of specs) {
    const chain: Middleware[] = spec.action === 'public' ? [handle(spec)] : [authenticate(deps), authorize(spec.action, spec.sensitive ?? false, deps), handle(spec)];
    router[spec.method](spec.path, ...chain);
    names.add(`${spec.method.toUpperCase()} ${spec.path}`);
  }
}

/** Every method+path on the router that was not declared through mountRoutes (should be none). */
export function undeclaredRoutes(router: Router): string[] {
  const names = declared.get(router) ?? new Set<string>();
  const missing: string[] = [];
  for (const layer of router.stack) {
    for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
      const name = `${method} ${layer.path}`;
      if (!names.has(name)) missing.push(name);
    }
  }
  return missing;
}

