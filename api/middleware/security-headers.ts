/**
 * Headers every response carries, set before anything else runs so error answers have them too:
 * no MIME sniffing, no caching of answers (they hold a firm's data or a session), no framing, no
 * referrer (upload URLs carry their token in the query), and HSTS once the public URL is https.
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

export function securityHeaders(options: HeaderOptions): Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', options.isApi(ctx.path) ? "default-src 'none'; frame-ancestors 'none'" : "frame-ancestors 'none'");
    if (options.hsts) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
