/** The session cookie (httpOnly) and the CSRF double-submit cookie (readable by the web UI). */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

export const SESSION_COOKIE = 'taalmel_session';
export const CSRF_COOKIE = 'taalmel_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function setSessionCookies(ctx: Context, token: string, options: { secure: boolean; maxAgeMs: number; rotateCsrf: boolean }): void {
  const common = { path: '/', sameSite: 'lax' as const, secure: options.secure, overwrite: true, maxAge: options.maxAgeMs };
  ctx.cookies.set(SESSION_COOKIE, token, { ...common, httpOnly: true });
  if (options.rotateCsrf || !ctx.cookies.get(CSRF_COOKIE)) {
    ctx.cookies.set(CSRF_COOKIE, randomBytes(24).toString('base64url'), { ...common, httpOnly: false });
  }
}

export function clearSessionCookies(ctx: Context, secure: boolean): void {
  for (const name of [SESSION_COOKIE, CSRF_COOKIE]) ctx.cookies.set(name, null, { path: '/', secure, overwrite: true });
}
