/**
 * Serves the built web app (Vite's output) at `/`: files as they are, and index.html for every
 * other page path so the app's router can take it (the SPA fallback). It never answers for the
 * API's own paths (`/api`, `/admin`, `/r/`, `/healthz`, `/readyz`), which fall through to their
 * routes or to the API's 404. App pages carry a Content-Security-Policy without inline scripts and
 * `frame-ancestors 'none'`; hashed assets are cached for a year, index.html never.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Context, Middleware, Next } from 'koa';

/** Paths that belong to the server, never to the app (exact, or followed by a slash). */
const RESERVED = ['/api', '/admin', '/r', '/healthz', '/readyz', '/metrics'];

export function isReservedPath(urlPath: string): boolean {
  return RESERVED.some((p) => urlPath === p || urlPath.startsWith(`${p}/`));
}

/**
 * Scripts only from our origin (no inline script, no eval). Styles allow inline because the
 * component library sets style attributes and CSS variables at run time; styles cannot run code.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function setPageHeaders(ctx: Context): void {
  ctx.set('content-security-policy', APP_CSP);
  ctx.set('x-frame-options', 'DENY');
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('referrer-policy', 'same-origin');
  ctx.set('cache-control', 'no-cache');
}

async function fileIn(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  // Nothing outside the build folder, and no dotfiles.
  if (!file.startsWith(`${root}${path.sep}`) || path.basename(file).startsWith('.')) return null;
  try {
    const stat = await fs.promises.stat(file);
    return stat.isFile() ? file : null;
  } catch {
    return null;
  }
}

export function webApp(options: { root: string }): Middleware {
  const root = path.resolve(options.root);
  const index = path.join(root, 'index.html');
  return async (ctx: Context, next: Next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || isReservedPath(ctx.path)) return next();
    const file = ctx.path === '/' ? null : await fileIn(root, ctx.path);
    if (file) {
      ctx.type = path.extname(file);
      ctx.set('x-content-type-options', 'nosniff');
      // Vite names assets by content hash: a changed file is a new name.
      ctx.set('cache-control', ctx.path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (file.endsWith('.html')) setPageHeaders(ctx);
      ctx.body = fs.createReadStream(file);
      return;
    }
    // A missing asset is a 404, not the app's page (a browser would try to run HTML as a script).
    if (path.posix.extname(ctx.path) && !ctx.path.endsWith('.html')) return next();
    if (!fs.existsSync(index)) {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'The web app is not built yet: run `npm run build:web` (npm start builds it by itself).';
      return;
    }
    setPageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = fs.createReadStream(index);
  };
}
