/**
 * Headers every response carries, set before anything else runs so error answers have them too:
 * no MIME sniffing, no caching of answers (they hold a firm's data or a session), no framing, no
 * referrer (upload URLs carry their token in the query), and HSTS once the public URL is https.
 * The console's pages are the exception to the referrer rule: `same-origin`, as the web app's pages
 * (api/web-app.ts). Its sign-in, sign-out and writes are accepted only from its own origin, and under
 * `no-referrer` a browser posts its forms with `Origin: null` and no Referer, so no one could sign in.
 * `same-origin` still sends nothing to another site.
 * Pages (the web app, the console) run their own scripts, so they get only the framing rule of the
 * CSP; the API's answers may load nothing at all.
 */
import type { Middleware } from 'koa';

export type HeaderOptions = {
  /** The product is served over https (PUBLIC_URL): browsers should never use http for it again. */
  hsts: boolean;
  /** Paths of the API's answers (JSON, downloads, health): they get the CSP that loads nothing. */
  isApi: (path: string) => boolean;
};

/** The console's paths, matched as the router matches them (any case, repeated slashes). */
const CONSOLE_PATH = /^\/+admin(\/|$)/i;

export function securityHeaders(options: HeaderOptions): Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', CONSOLE_PATH.test(ctx.path) ? 'same-origin' : 'no-referrer');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', options.isApi(ctx.path) ? "default-src 'none'; frame-ancestors 'none'" : "frame-ancestors 'none'");
    if (options.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
