/**
 * GET /.well-known/security.txt (RFC 9116): where to report a vulnerability. The contact comes from
 * configuration (SECURITY_CONTACT, a mailto: or https: URI); without one the file does not exist.
 * RFC 9116 asks for an expiry under a year ahead: a year from the day, recomputed daily.
 */
import Router from '@koa/router';

export type SecurityTxtOptions = { contact?: string; publicUrl?: string };

export function securityTxtRoutes(options: SecurityTxtOptions): Router {
  const router = new Router();
  router.get('/.well-known/security.txt', (ctx) => {
    if (!options.contact) return; // 404 from the error envelope
    const day = new Date(new Date().toISOString().slice(0, 10));
    const expires = new Date(day.getTime() + 364 * 86_400_000).toISOString();
    const lines = [`Contact: ${options.contact}`, `Expires: ${expires}`, 'Preferred-Languages: en'];
    if (options.publicUrl) lines.push(`Canonical: ${options.publicUrl.replace(/\/+$/, '')}/.well-known/security.txt`);
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `${lines.join('\n')}\n`;
  });
  return router;
}
