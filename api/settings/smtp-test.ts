/**
 * `POST /api/settings/smtp/test` (docs/api.md): one message to the calling firm admin through the
 * firm's saved SMTP settings, with the same transport the follow-ups use (db/mail-transport.ts), so
 * a wrong host, port or password shows up here rather than in a client's missed reminder. The
 * answer is the server's own words with the user name and password masked; the audit row records
 * only the outcome. Per firm, a few tests an hour (rate-limiter-flexible in PostgreSQL, shared by
 * every api replica): each one makes a connection the firm's mail provider sees.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { recordAuditEvent } from '../../db/audit';
import { deliver, firmSmtpRoute } from '../../db/mail-transport';
import type { SecretBox } from '../../db/security/secret-box';
import { ApiError, rateLimited } from '../errors';
import { route, type RouteSpec } from '../routes';

export type SmtpTestLimits = { perFirm: number; windowSeconds: number };
export const DEFAULT_SMTP_TEST_LIMITS: SmtpTestLimits = { perFirm: 5, windowSeconds: 3600 };
/** The whole SMTP exchange, connection to accepted message. */
export const SMTP_TEST_TIMEOUT_MS = 10_000;
/**
 * The request's transaction waits while the SMTP server answers; the api's connections end a
 * transaction idle for 10 s (db/knex.ts), so a statement every few seconds keeps it alive.
 */
const KEEP_ALIVE_MS = 3_000;

export function smtpTestRoutes(deps: { knex: Knex; secretBox: SecretBox; limits?: SmtpTestLimits }): RouteSpec[] {
  const limits = deps.limits ?? DEFAULT_SMTP_TEST_LIMITS;
  const limiter = new RateLimiterPostgres({ storeClient: deps.knex, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false, keyPrefix: 'smtp_test', points: limits.perFirm, duration: limits.windowSeconds });
  return [
    route({
      method: 'post',
      path: '/api/settings/smtp/test',
      action: 'secrets.update',
      async handler(ctx) {
        const { trx, user } = ctx.state;
        const smtp = await firmSmtpRoute({ secretBox: deps.secretBox, platformFrom: '' });
        if (!smtp) throw new ApiError(422, 'smtp_not_configured', 'The firm has no SMTP settings saved: save them first (PUT /api/settings/smtp).');
        try {
          await limiter.consume(user.firmId);
        } catch (rejection) {
          if (rejection instanceof RateLimiterRes) throw rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
          throw rejection;
        }
        const options = smtp.options as { host?: string; port?: number };
        const text = `This is a test message from Taalmel, sent at ${new Date().toISOString()} through ${options.host}:${options.port}. Client follow-ups will be sent the same way.`;
        const keepAlive = setInterval(() => void trx.raw('select 1').catch(() => undefined), KEEP_ALIVE_MS);
        let result: Awaited<ReturnType<typeof deliver>>;
        try {
          result = await deliver(smtp, smtp.from, { to: user.email, subject: 'Taalmel: SMTP test', text, html: `<p>${text}</p>`, messageId: `<smtp-test-${randomUUID()}@taalmel>` }, { timeoutMs: SMTP_TEST_TIMEOUT_MS });
        } finally {
          clearInterval(keepAlive);
        }
        await recordAuditEvent(trx, {
          action: 'settings.smtp_tested',
          entityType: 'firm_secret',
          after: result.ok ? { outcome: 'sent', host: options.host, port: options.port } : { outcome: 'failed', host: options.host, port: options.port, error: result.error },
        });
        if (!result.ok) {
          // 422 commits nothing but the audit row: it is recorded above, in the same transaction,
          // and the error handler rolls back only on a thrown error, so answer it here.
          ctx.status = 422;
          ctx.body = { error: { code: 'smtp_failed', message: `The SMTP server refused the test message: ${result.error}`, details: { smtpError: result.error } } };
          return;
        }
        ctx.body = { ok: true, ...(result.messageId ? { messageId: result.messageId } : {}) };
      },
    }),
  ];
}
