/**
 * The one rule for how a request's path appears in logs (the access log, the error handler) and in
 * audit snapshots: link tokens never do. A password-reset, invitation or checklist link carries its
 * secret in the path (`/api/auth/password-reset/<token>`, `/r/<token>`), and whoever can read the
 * logs could otherwise use a link its holder has not used up yet.
 * - A matched route is written as its template with its parameters filled in, except a parameter
 *   named `token`, which stays `:token` (so any new route with a `:token` is covered by its name).
 * - A path no route matched (a 404, a 405, the web app's `/invite/<token>` and `/reset/<token>`
 *   pages) has the segment after each link prefix below replaced by `:token`.
 * - The query string is never written at all: signed upload and download URLs carry theirs there.
 */
type PathContext = { path: string; _matchedRoute?: string | RegExp; params?: Record<string, string> };

/** Path parameters that are secrets wherever a route declares them. */
const SECRET_PARAMS = new Set(['token']);

/** Where a link's token sits in a path: the segment right after one of these (API routes and the web app's link pages). */
export const LINK_TOKEN_PREFIXES = ['/api/requests', '/api/invitations/by-token', '/api/auth/password-reset', '/r', '/invite', '/reset'] as const;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const LINK_TOKEN = new RegExp(`^(/*(?:${LINK_TOKEN_PREFIXES.map((p) => escape(p.slice(1))).join('|')}))/[^/]+`, 'i');

/** A raw path with the token of any link prefix masked. */
export function maskLinkTokens(path: string): string {
  return path.replace(LINK_TOKEN, '$1/:token');
}

/** The path as logs and audit rows may show it. */
export function loggedPath(ctx: PathContext): string {
  const template = ctx._matchedRoute;
  if (typeof template !== 'string') return maskLinkTokens(ctx.path);
  return template.replace(/:(\w+)/g, (whole, name: string) => {
    const value = ctx.params?.[name];
    return SECRET_PARAMS.has(name) || value === undefined ? whole : encodeURIComponent(value);
  });
}
