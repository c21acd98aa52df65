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
import { currentContext, extendContext } from '../db/request-context';
import { inTenantTransaction, type TenantScope } from '../db/tenant';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, setSessionCookies } from './auth/cookies';
import type { AuthService } from './auth/service';
import { TokenError, type SessionTokens } from './auth/tokens';
import { ApiError, forbidden, unauthenticated } from './errors';
import type { FirmGate } from './limits/firm-gate';
import { enterFirmWithinDeadline } from './middleware/deadline';
import { loggedPath } from './middleware/logged-path';
import { isAllowed, type Action } from './rbac/permissions';
import type { AppState, AuthenticatedSession, AuthenticatedUser, TenantTransaction, TenantTransactionOptions } from './state';

export type { TenantTransaction, TenantTransactionOptions };
import { parseOrThrow } from './validate';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type RouteInput<P, Q, B> = { params: P; query: Q; body: B };

type SignedInState = Omit<AppState, 'trx' | 'tenantTransaction'> & { user: AuthenticatedUser; session: AuthenticatedSession };

/**
 * What an authenticated route's handler finds on ctx.state: the chain (`authenticate`) has set the
 * user, the session and the request's tenant transaction before any handler runs.
 */
export type AuthenticatedState = SignedInState & { trx: Knex.Transaction; tenantTransaction?: never };

/** A `transaction: 'handler'` route's state: no request transaction, short ones of its own instead. */
export type HandlerTransactionState = SignedInState & { trx?: never; tenantTransaction: TenantTransaction };

/** A handler's context: authenticated state for every route but the public ones. */
export type RouteContext<A extends Action | 'public' = Action | 'public'> = Context & { state: A extends 'public' ? AppState : AuthenticatedState };

/** The context of a `transaction: 'handler'` route. */
export type HandlerTransactionContext = Context & { state: HandlerTransactionState };

/** The context of any authenticated route, for helpers that several handlers share. */
export type AuthenticatedContext = RouteContext<Action>;

type RouteSpecCommon<P, Q, B> = {
  method: Method;
  path: string;
  /** Needs a re-authentication within the configured window (the sensitive routes of docs/api.md). */
  sensitive?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
};

/**
 * `transaction`, `request` (the default): the handler runs inside the request's tenant transaction
 * (`ctx.state.trx`), committed when it returns. `handler`: the session is checked in a transaction
 * of its own, committed (and the firm's slot given back) before the handler runs; the handler has no
 * `ctx.state.trx` and opens short tenant transactions itself with `ctx.state.tenantTransaction(…)`,
 * so it can wait on the outside world (an SMTP server) without holding a connection, its locks or
 * one of its firm's slots. Public routes have no transaction and take no `transaction` option.
 */
export type RouteSpec<P = unknown, Q = unknown, B = unknown, A extends Action | 'public' = Action | 'public'> =
  | (RouteSpecCommon<P, Q, B> & {
      /** The permission checked against the caller's role, or 'public' (no session needed). */
      action: A;
      transaction?: 'request';
      handler: (ctx: RouteContext<A>, input: RouteInput<P, Q, B>) => Promise<void> | void;
    })
  | (RouteSpecCommon<P, Q, B> & {
      action: Exclude<A, 'public'>;
      transaction: 'handler';
      handler: (ctx: HandlerTransactionContext, input: RouteInput<P, Q, B>) => Promise<void> | void;
    });

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
 * every request. A refusal that deserves a record is audited after the transaction rolls back. A
 * `transaction: 'handler'` route runs after that transaction committed, with none of its own.
 */
function authenticate(deps: RouteDeps, transaction: 'request' | 'handler'): Middleware {
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

    let scope: TenantScope | null = null;
    // One of the firm's slots first (per-firm fairness), then the transaction. A handler-mode route
    // gives it back once the session's transaction has committed (`release` is then null). The wait
    // ends at the request's deadline; a wait given up holds nothing, so nothing is released.
    let release: (() => void) | null = await enterFirmWithinDeadline(deps.firmGate, claims.firmId, ctx);
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
          ctx.state.tenantScope = scope;
          if (transaction === 'request') ctx.state.trx = trx;
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
          if (transaction === 'request') await next();
        },
        { signal: ctx.state.deadline },
      );
      if (transaction === 'handler') {
        // The session's transaction has committed: the slot goes back now, so the handler's wait on
        // the outside world never keeps the firm's other requests out; each of its own transactions
        // takes a slot again while it runs.
        release();
        release = null;
        // The rest of the request runs in the request's own context (who acts, for the log lines),
        // with no transaction until the handler opens one.
        const user = ctx.state.user!;
        extendContext({ firmId: user.firmId, clientId: user.clientId, userId: user.id, userEmail: user.email, role: user.role, sessionId: ctx.state.session!.id });
        ctx.state.tenantTransaction = boundTenantTransaction(deps, ctx, ctx.state.tenantScope!);
        await next();
      }
    } catch (error) {
      if (error instanceof ApiError && error.audit && scope) {
        const audit = error.audit;
        await inTenantTransaction(deps.knex, scope, (trx) => recordAuditEvent(trx, audit)).catch((auditError: Error) =>
          deps.logger.error({ err: auditError }, 'could not record a refused request'),
        );
      }
      throw error;
    } finally {
      release?.();
      const user = ctx.state.user;
      if (user && ctx.state.session) deps.auth.touchSession({ firmId: user.firmId, userId: user.id, requestId: ctx.state.requestId }, ctx.state.session.id);
    }
  };
}

/**
 * `ctx.state.tenantTransaction` of a handler-mode route: the api's own pool (row-level security
 * never depends on what a handler passes), one of the firm's slots while it runs (waiting until the
 * request's deadline at most), the caller's scope. One at a time: a transaction opened inside
 * another could wait on the outer one's locks, and would take a second slot of the firm. Exported
 * for its tests; routes get it only as `ctx.state.tenantTransaction`.
 */
export function boundTenantTransaction(deps: Pick<RouteDeps, 'knex' | 'firmGate'>, ctx: { method: string; path: string; state: AppState }, scope: TenantScope): TenantTransaction {
  return async (fn, options = {}) => {
    if (currentContext()?.trx) throw new Error(`${ctx.method} ${loggedPath(ctx)} opened a tenant transaction inside another: open them one after the other`);
    const signal = options.untilDeadline === false ? undefined : ctx.state.deadline;
    const release = await deps.firmGate.enter(scope.firmId, { signal });
    try {
      return await inTenantTransaction(deps.knex, scope, fn, { signal });
    } finally {
      release();
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
    await (spec.handler as (ctx: Context, input: RouteInput<unknown, unknown, unknown>) => Promise<void> | void)(ctx, input);
  };
}

const declared = new WeakMap<Router, Set<string>>();

export function mountRoutes(router: Router, specs: RouteSpec[], deps: RouteDeps): void {
  const names = declared.get(router) ?? new Set<string>();
  declared.set(router, names);
  for (const spec of specs) {
    // A public route has no session, so no transaction to choose.
    if (spec.action === 'public' && spec.transaction !== undefined) throw new Error(`${spec.method.toUpperCase()} ${spec.path} is public: it takes no transaction option`);
    const chain: Middleware[] = spec.action === 'public' ? [handle(spec)] : [authenticate(deps, spec.transaction ?? 'request'), authorize(spec.action, spec.sensitive ?? false, deps), handle(spec)];
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

