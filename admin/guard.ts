/**
 * The console's door. Every request under the console's path passes here before AdminJS:
 * - sign-in and sign-out pages of our own (the same sessions, devices limit, TOTP and throttling as
 *   the API), so AdminJS's cookie session and its login check are never used;
 * - the path is matched on ctx.path, never on the raw URL, so a query string that mentions an asset
 *   cannot skip the check (a known bypass of @adminjs/koa's own guard);
 * - only a firm admin with a live session gets in, and the rest of the request runs inside that
 *   firm's tenant transaction, so every AdminJS query is firm-scoped and RLS-checked;
 * - the sign-in, the sign-out and every write must come from the console's own origin (AdminJS
 *   sends no CSRF token, and a sign-in has no session to tie one to);
 * - a resource or action the console does not have, and any bulk action, is 404 here (AdminJS
 *   itself would throw a server error).
 *
 * A console sign-in is a device like any other (the same per-user limit as the web app): at the
 * limit, the sign-in page lists the user's signed-in devices and lets the admin replace one, as the
 * web app's sign-in does (docs/api.md, `replaceSessionId`).
 */
import type { Context, Middleware, Next } from 'koa';
import type { Knex } from 'knex';
import { consoleTime } from '../db/console-labels';
import { extendContext } from '../db/request-context';
import { applyScope, inTenantTransaction } from '../db/tenant';
import { BodyTooLarge, readRawBody, replayBody } from './request-body';

/** Who may use the console (the web app links to it for them; ops passes this to the api). */
export const CONSOLE_ROLES: readonly string[] = ['firm_admin'];

export type ConsoleAdmin = { id: string; email: string; title: string; role: string; firmId: string };

/** An error the console answers with: the status and message a caller sees. */
export class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
    /** The refusal's details (the device limit's list of sessions). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ConsoleError';
  }
}

/**
 * The API's sign-in as the console uses it: the same sessions, device limit, TOTP and throttling.
 * Handed in by whoever mounts the console (ops), so the console imports nothing of the api.
 */
export type ConsoleAuth = {
  login(
    input: { email: string; password: string; totp?: string; deviceName: string; onlyRoles: readonly string[]; replaceSessionId?: string },
    client: { ip: string; userAgent: string | null; requestId: string; knownDevice: boolean },
  ): Promise<{ user: { role: string; email: string }; token: string; session: { expiresAt: Date } }>;
  verifyToken(token: string): Promise<{ firmId: string; sub: string; sessionId: string }>;
  checkSession(
    trx: Knex.Transaction,
    sessionId: string,
    userId: string,
  ): Promise<{
    user: { id: string; firmId: string; email: string; name: string; role: string; totpEnabled: boolean };
    session: { id: string };
    firmSettings: { requireTotpForAdmins?: boolean };
  }>;
  revokeSession(trx: Knex.Transaction, sessionId: string, by: string, reason: string, action: string): Promise<unknown>;
  sessionCookie: string;
  setSessionCookies(ctx: Context, token: string, options: { secure: boolean; maxAgeMs: number; rotateCsrf: boolean }): void;
  clearSessionCookies(ctx: Context, secure: boolean): void;
  /** The API's own refusals (wrong password, locked account…) as console errors; others unchanged. */
  toConsoleError(error: unknown): unknown;
  /**
   * One of the firm's database slots (per-firm fairness, as for API requests); call the result when
   * done. The wait ends at the request's deadline (503 `request_timeout`), holding nothing.
   */
  enterFirm(ctx: Context, firmId: string): Promise<() => void>;
  /** Records the session's activity after the request (at most once a minute, outside its transaction). */
  touchSession(scope: { firmId: string; userId: string; requestId: string }, sessionId: string): void;
  /** Known devices: not subject to the account lockout. */
  knowsDevice(ctx: Context, email: string): boolean;
  rememberDevice(ctx: Context, email: string): void;
};

export type GuardDeps = {
  knex: Knex;
  auth: ConsoleAuth;
  rootPath: string;
  cookieSecure: boolean;
  /** Exact paths of AdminJS's static assets: served without a session (they hold no data). */
  assetPaths: Set<string>;
  /** The largest form body the console accepts (read whole before the firm's transaction opens). */
  maxBodyBytes?: number;
  /** The console's resource ids: any other under `<root>/api/resources/` is 404. */
  resourceIds?: readonly string[];
  /**
   * Each resource's actions by name: any other action (AdminJS itself would throw a server error) is
   * 404, and so is every bulk action (the console changes one record at a time).
   */
  resourceActions?: Readonly<Record<string, readonly string[]>>;
  /** PUBLIC_URL when configured: sign-ins and writes must come from its origin exactly. */
  publicUrl?: string;
  /**
   * The console's own actions that change state (a device's sign-out): AdminJS's pages call them
   * with a GET, so for them a GET is a write and must come from the console too.
   */
  writeActions?: readonly string[];
};

/** A signed-in device as the device-limit refusal lists it. */
type DeviceRow = { id: string; deviceName: string; ip: string | null; createdAt?: string | Date; lastSeenAt: string | Date };

/** A time kept whole on one line (a narrow form broke "07-12-2026" at its dashes). */
const when = (at: string | Date | undefined) => `<span class="when">${escapeHtml(consoleTime(at))}</span>`;

/**
 * Each device with its address, when it signed in and its last activity, in IST, labelled, as every
 * page of the console writes times (db/console-labels.ts): two "Chrome on Linux" read apart. None is
 * chosen for the admin (signing a device out is their decision): the browser asks for a choice.
 */
function deviceChoice(devices: DeviceRow[]): string {
  const rows = devices
    .map((d) => {
      const facts = [d.ip ? `from ${escapeHtml(d.ip)}` : 'address not recorded', d.createdAt ? `signed in ${when(d.createdAt)}` : '', `last activity ${when(d.lastSeenAt)}`].filter(Boolean);
      return `<label class="device"><input type="radio" name="replaceSessionId" value="${escapeHtml(d.id)}" required> <span><strong>${escapeHtml(d.deviceName)}</strong><br>${facts.join(', ')}</span></label>`;
    })
    .join('\n');
  return `<fieldset><legend>Choose the device to sign out of, to sign in here:</legend>\n${rows}</fieldset>
<p>Enter your password (and a new authenticator code, if enabled) again.</p>`;
}

/**
 * A person's name as the console's page header shows it. AdminJS writes the signed-in admin into an
 * inline script of every page (`window.REDUX_STATE = <JSON>`), and JSON does not escape `<`: a name
 * holding `</script>` (any firm admin may name a person so, or invite one so named) would end that
 * script there and run what follows as the other admin's own page, or at least break the console.
 * The header shows `<` and `>` as their look-alikes ‹ and › instead; the stored name is unchanged
 * and every other view of it goes through React, which escapes it.
 */
export function inlineSafeName(name: string): string {
  return name.replace(/</g, '\u2039').replace(/>/g, '\u203a');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(rootPath: string, message: string | null, replace?: { email: string; devices: DeviceRow[] }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Taalmel console: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;background:#f4f6f8;display:flex;justify-content:center;padding-top:10vh}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:20rem}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1.2rem;width:100%;padding:.6rem;background:#2d5be3;color:#fff;border:0;border-radius:4px}
.error{color:#b00020}fieldset{margin-top:1rem}.device{display:flex;gap:.4rem;align-items:baseline;margin:.6rem 0}.device input{width:auto}.when{white-space:nowrap}</style></head>
<body><form method="post" action="${rootPath}/login">
<h1>Taalmel console</h1><p>For firm admins.</p>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required${replace ? ` value="${escapeHtml(replace.email)}"` : ''}>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<label for="totp">Authenticator code (if enabled)</label><input id="totp" name="totp" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code">
${replace ? deviceChoice(replace.devices) : ''}
<button type="submit">Sign in</button></form></body></html>`;
}

/** The body, read whole under the cap; over it, 413 in the console's envelope. */
async function wholeBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  try {
    return await readRawBody(ctx, limitBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) throw new ConsoleError(413, 'too_large', error.message);
    throw error;
  }
}

async function formBody(ctx: Context, limitBytes = 16 * 1024): Promise<URLSearchParams> {
  return new URLSearchParams((await wholeBody(ctx, limitBytes)).toString('utf8'));
}

/**
 * The console path the way the router sees it: @koa/router matches case-insensitively and ignores a
 * trailing slash, so `/ADMIN/api/…` and `/admin/api/…/` reach AdminJS's routes. The guard decides on
 * this normalised form (percent-decoded, lower-case, single slashes, no trailing slash), so every
 * spelling that can reach the console passes the same door. Null when the path is not the console's.
 */
export function consolePath(rawPath: string, root: string): string | null {
  let decoded = rawPath;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    // A malformed escape: the router cannot match it either; judge the raw form.
  }
  const path = decoded.toLowerCase().replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  const base = root.toLowerCase();
  return path === base || path.startsWith(`${base}/`) ? path : null;
}

function logoutPage(rootPath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Taalmel console: sign out</title></head>
<body><form method="post" action="${rootPath}/logout"><p>Sign out of the Taalmel console on this device?</p>
<button type="submit">Sign out</button></form></body></html>`;
}

const crossSite = () => new ConsoleError(403, 'csrf_failed', 'Console sign-ins and changes must come from the console itself.');

/**
 * The one rule for "sent from the console's own pages": the request's Origin (or, without one, its
 * Referer) is exactly the console's origin, scheme, host and port. With PUBLIC_URL configured that is
 * PUBLIC_URL's origin (behind a proxy the request's own host and scheme may differ from it); without
 * it, the origin the request was made to. `Origin: null` (an opaque origin: a sandboxed frame, a
 * redirect across sites, a `no-referrer` page) is never the console: cross-origin, not an error.
 */
export function isConsoleOrigin(sent: string | undefined, expected: { publicUrl?: string; requestOrigin: string }): boolean {
  if (!sent || sent === 'null') return false;
  let wanted: string;
  let got: string;
  try {
    wanted = new URL(expected.publicUrl ?? expected.requestOrigin).origin;
    got = new URL(sent).origin;
  } catch {
    return false;
  }
  // An opaque origin (a data: or file: URL) serialises as "null": never equal to a real one.
  return got !== 'null' && got === wanted;
}

function sameOrigin(ctx: Context, publicUrl: string | undefined): boolean {
  return isConsoleOrigin(ctx.get('origin') || ctx.get('referer') || undefined, { publicUrl, requestOrigin: ctx.origin });
}

export function consoleGuard(deps: GuardDeps): Middleware {
  const root = deps.rootPath.toLowerCase();
  const isApi = (path: string) => path.startsWith(`${root}/api/`);
  const resourceIds = deps.resourceIds ? new Set(deps.resourceIds.map((id) => id.toLowerCase())) : null;
  const actions = new Map(Object.entries(deps.resourceActions ?? {}).map(([id, names]) => [id.toLowerCase(), new Set(names.map((name) => name.toLowerCase()))]));
  /** What of the path the console does not have: the resource, the action, or nothing. */
  const unknownPart = (path: string): 'resource' | 'action' | null => {
    if (!path.startsWith(`${root}/api/resources/`)) return null;
    const [id, kind, first, second] = path.slice(`${root}/api/resources/`.length).split('/');
    if (id === undefined || (resourceIds !== null && !resourceIds.has(id))) return 'resource';
    const known = actions.get(id);
    if (!known || kind === undefined) return null;
    if (kind === 'bulk') return 'action';
    const action = kind === 'actions' ? first : kind === 'records' ? second : undefined;
    return action !== undefined && !known.has(action) ? 'action' : null;
  };
  const assets = new Set([...deps.assetPaths].map((p) => p.toLowerCase()));
  const writeActions = new Set((deps.writeActions ?? []).map((name) => name.toLowerCase()));
  const writeAction = (path: string) => path.startsWith(`${root}/api/resources/`) && writeActions.has(path.slice(path.lastIndexOf('/') + 1));

  const refuse = (ctx: Context, status: number, message: string) => {
    if (isApi(consolePath(ctx.path, root) ?? '') || ctx.method !== 'GET') throw new ConsoleError(status, status === 401 ? 'unauthenticated' : 'forbidden', message);
    if (status === 401) ctx.redirect(`${root}/login`);
    else {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = `<!doctype html><p>${escapeHtml(message)}</p><p><a href="${root}/logout">Sign out</a></p>`;
    }
  };

  const guard = async (ctx: Context, next: Next) => {
    const path = consolePath(ctx.path, root);
    if (path === null) return next();
    if (assets.has(path.slice(root.length))) return next();

    if (path === `${root}/login`) {
      if (ctx.method === 'GET') {
        ctx.type = 'html';
        ctx.body = loginPage(root, null);
        return;
      }
      if (ctx.method !== 'POST') throw new ConsoleError(405, 'method_not_allowed', 'Use GET or POST.');
      // Login CSRF: another site's form must not sign the browser in (to an account of its choosing).
      // The sign-in has no session yet, so no CSRF token; the browser's Origin (or Referer) decides.
      if (!sameOrigin(ctx, deps.publicUrl)) throw crossSite();
      const form = await formBody(ctx);
      try {
        const result = await deps.auth.login(
          // Only firm admins: anyone else is refused before a session exists (no device slot taken).
          {
            email: form.get('email') ?? '',
            password: form.get('password') ?? '',
            totp: form.get('totp') || undefined,
            deviceName: 'Taalmel console',
            onlyRoles: CONSOLE_ROLES,
            replaceSessionId: form.get('replaceSessionId') || undefined,
          },
          { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, requestId: String(ctx.state.requestId), knownDevice: deps.auth.knowsDevice(ctx, form.get('email') ?? '') },
        );
        deps.auth.rememberDevice(ctx, result.user.email);
        deps.auth.setSessionCookies(ctx, result.token, { secure: deps.cookieSecure, maxAgeMs: result.session.expiresAt.getTime() - Date.now(), rotateCsrf: true });
        ctx.redirect(root);
      } catch (thrown) {
        const error = deps.auth.toConsoleError(thrown);
        if (!(error instanceof ConsoleError)) throw error;
        ctx.status = error.status;
        ctx.type = 'html';
        for (const [name, value] of Object.entries(error.headers ?? {})) ctx.set(name, value);
        const devices = error.code === 'device_limit' ? (error.details?.sessions as DeviceRow[] | undefined) : undefined;
        ctx.body = devices?.length
          ? loginPage(root, 'You are signed in on the most devices allowed. Choose one to sign out of.', { email: form.get('email') ?? '', devices })
          : loginPage(root, error.message);
      }
      return;
    }

    const token = ctx.cookies.get(deps.auth.sessionCookie);
    if (!token) return refuse(ctx, 401, 'Sign in first.');
    let claims;
    try {
      claims = await deps.auth.verifyToken(token);
    } catch {
      return refuse(ctx, 401, 'Your session ended. Sign in again.');
    }
    const reading = ctx.method === 'GET' || ctx.method === 'HEAD';
    if (!reading && !sameOrigin(ctx, deps.publicUrl)) throw crossSite();
    // A write action reached by GET (AdminJS's own button sends one, from a script of the console's
    // page, which a browser marks `Sec-Fetch-Site: same-origin`): a link from another site, which
    // carries the Lax session cookie, is refused.
    if (reading && writeAction(path ?? '') && !sameOrigin(ctx, deps.publicUrl) && ctx.get('sec-fetch-site') !== 'same-origin') throw crossSite();
    // Signing out changes state too, and AdminJS links to it with a GET: from another site (or with
    // no Origin or Referer to tell) it only shows a button that posts back here from the console.
    if (path === `${root}/logout` && reading && !sameOrigin(ctx, deps.publicUrl)) {
      ctx.type = 'html';
      ctx.body = logoutPage(root);
      return;
    }
    // The whole form is read before the firm's transaction opens (AdminJS parses it later from the
    // replayed bytes): a slow or stalled client holds a socket, never a database connection.
    if (!reading) replayBody(ctx, await wholeBody(ctx, deps.maxBodyBytes ?? 256 * 1024));

    const release = await deps.auth.enterFirm(ctx, claims.firmId);
    let signedIn = null as { firmId: string; userId: string; sessionId: string } | null;
    try {
      await inTenantTransaction(
        deps.knex,
        { firmId: claims.firmId, actor: { userId: claims.sub, email: '', role: '' }, requestId: String(ctx.state.requestId), ip: ctx.ip },
        async (trx) => {
          let checked;
          try {
            checked = await deps.auth.checkSession(trx, claims.sessionId, claims.sub);
          } catch (thrown) {
            const error = deps.auth.toConsoleError(thrown);
            if (error instanceof ConsoleError && error.status === 401) return refuse(ctx, 401, error.message);
            throw error;
          }
          const { user, session, firmSettings } = checked;
          signedIn = { firmId: user.firmId, userId: user.id, sessionId: session.id };
          if (path === `${root}/logout`) {
            await applyScope(trx, { firmId: user.firmId, actor: { userId: user.id, email: user.email, role: user.role }, requestId: String(ctx.state.requestId), ip: ctx.ip });
            await deps.auth.revokeSession(trx, session.id, user.id, 'logout', 'auth.logout');
            deps.auth.clearSessionCookies(ctx, deps.cookieSecure);
            ctx.redirect(`${root}/login`);
            return;
          }
          if (!CONSOLE_ROLES.includes(user.role)) return refuse(ctx, 403, 'The console is for firm admins.');
          if (firmSettings.requireTotpForAdmins && !user.totpEnabled) return refuse(ctx, 403, 'This firm requires two-factor authentication: set it up first.');
          const unknown = unknownPart(path);
          if (unknown) throw new ConsoleError(404, 'not_found', unknown === 'resource' ? 'The console has no such resource.' : 'The console has no such action.');
          await applyScope(trx, { firmId: user.firmId, actor: { userId: user.id, email: user.email, role: user.role }, requestId: String(ctx.state.requestId), ip: ctx.ip });
          extendContext({ firmId: user.firmId, clientId: null, userId: user.id, userEmail: user.email, role: user.role, sessionId: session.id, trx });
          const admin: ConsoleAdmin = { id: user.id, email: user.email, title: inlineSafeName(user.name), role: user.role, firmId: user.firmId };
          // @adminjs/koa reads the current admin from ctx.session.adminUser.
          (ctx as Context & { session: unknown }).session = { adminUser: admin };
          ctx.state.consoleAdmin = admin;
          ctx.state.trx = trx;
          await next();
        },
        { signal: ctx.state.deadline as AbortSignal | undefined },
      );
    } finally {
      release();
      if (signedIn) deps.auth.touchSession({ firmId: signedIn.firmId, userId: signedIn.userId, requestId: String(ctx.state.requestId) }, signedIn.sessionId);
    }
  };

  // The console's own refusals leave in the API's error envelope; anything else goes on to the
  // application's error handler as before.
  return async (ctx: Context, next: Next) => {
    try {
      await guard(ctx, next);
    } catch (error) {
      if (!(error instanceof ConsoleError)) throw error;
      ctx.status = error.status;
      for (const [name, value] of Object.entries(error.headers ?? {})) ctx.set(name, value);
      ctx.body = { error: { code: error.code, message: error.message } };
    }
  };
}
