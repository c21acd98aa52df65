/**
 * The one rule for how a request's path appears in logs (the access log, the error handler) and in
 * audit snapshots: link tokens never do. A password-reset, invitation or checklist link carries its
 * secret in the path (`/api/auth/password-reset/<token>`, `/r/<token>`), and whoever can read the
 * logs could otherwise use a link its holder has not used up yet.
 * - A matched route is written as its template with its parameters filled in, except a parameter
 *   named `token`, which stays `:token` (so any new route with a `:token` is covered by its name).
 * - A path no route matched (a 404, a 405, the web app's `/invite/<token>` and `/reset/<token>`
 *   pages) keeps only its plain words (letters and hyphens, as route names are): every other
 *   segment is written `:token`, as it may be one. Looking for the token after known link prefixes
 *   is not enough: `/api//requests/<t>`, `/./r/<t>`, `/r;x/<t>` or an encoded slash reach the same
 *   places, or are logged, without matching any prefix.
 * - The query string is never written at all: signed upload and download URLs carry theirs there.
 */
type PathContext = { path: string; _matchedRoute?: string | RegExp; params?: Record<string, string> };

/** Path parameters that are secrets wherever a route declares them. */
const SECRET_PARAMS = new Set(['token']);

/** A segment a route's own path could hold (`by-token`, `password-reset`, `requests`): never a token. */
const PLAIN_WORD = /^[A-Za-z][A-Za-z-]{0,31}$/;

/** A path no route matched, with every segment that is not a plain word masked. */
export function maskUnmatchedPath(path: string): string {
  return path.split('/').map((segment) => (segment === '' || PLAIN_WORD.test(segment) ? segment : ':token')).join('/');
}

/** The path as logs and audit rows may show it. */
export function loggedPath(ctx: PathContext): string {
  const template = ctx._matchedRoute;
  if (typeof template !== 'string') return maskUnmatchedPath(ctx.path);
  return template.replace(/:(\w+)/g, (whole, name: string) => {
    const value = ctx.params?.[name];
    return SECRET_PARAMS.has(name) || value === undefined ? whole : encodeURIComponent(value);
  });
}
