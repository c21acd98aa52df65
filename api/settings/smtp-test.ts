/**
 * `POST /api/settings/smtp/test` (docs/api.md): one message to the calling firm admin through the
 * firm's saved SMTP settings, with the same transport the follow-ups use (db/mail-transport.ts), so
 * a wrong host, port or password shows up here rather than in a client's missed reminder. The
 * answer is the server's own words with the user name and password masked; the audit row records
 * only the outcome. Per firm, a few tests an hour (SMTP_TEST_LIMIT_PER_HOUR; rate-limiter-flexible
 * in PostgreSQL, shared by every api replica): each one makes a connection the firm's mail provider
 * sees.
 *
 * The SMTP exchange may take its whole 10 s: no transaction is open while it runs (the route opens
 * its own, `transaction: 'handler'`). One short transaction reads the settings, the send runs
 * outside any, and another records the outcome.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { recordAuditEvent } from '../../db/audit';
import { deliver, firmSmtpRoute } from '../../db/mail-transport';
import type { SecretBox } from '../../db/security/secret-box';
import { ApiError, rateLimited } from '../errors';
import { route, type RouteSpec } from '../routes';
import { DEFAULT_SMTP_TEST_LIMITS, type SmtpTestLimits } from './smtp-test-limits';

/** The whole SMTP exchange, connection to accepted message. */
export const SMTP_TEST_TIMEOUT_MS = 10_000;

export function smtpTestRoutes(deps: { knex: Knex; secretBox: SecretBox; limits?: SmtpTestLimits }): RouteSpec[] {
  const limits = deps.limits ?? DEFAULT_SMTP_TEST_LIMITS;
  // Its own statements on the pool (an upsert each), in no request's transaction.
  const limiter = new RateLimiterPostgres({ storeClient: deps.knex, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false, keyPrefix: 'smtp_test', points: limits.perFirm, duration: limits.windowSeconds });
  return [
    route({
      method: 'post',
      path: '/api/settings/smtp/test',
      action: 'secrets.update',
      transaction: 'handler',
      async handler(ctx) {
        const { user, tenantTransaction } = ctx.state;
        // The firm's saved settings, password opened, under the firm's row-level security.
        const smtp = await tenantTransaction(() => firmSmtpRoute({ secretBox: deps.secretBox, platformFrom: '' }));
        if (!smtp) throw new ApiError(422, 'smtp_not_configured', 'The firm has no SMTP settings saved: save them first (PUT /api/settings/smtp).');
        try {
          await limiter.consume(user.firmId);
        } catch (rejection) {
          if (rejection instanceof RateLimiterRes) throw rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
          throw rejection;
        }
        const options = smtp.options as { host?: string; port?: number };
        const text = `This is a test message from Taalmel, sent at ${new Date().toISOString()} through ${options.host}:${options.port}. Client follow-ups will be sent the same way.`;
        // No transaction is open here: the SMTP server may take the whole budget to answer.
        const result = await deliver(smtp, smtp.from, { to: user.email, subject: 'Taalmel: SMTP test', text, html: `<p>${text}</p>`, messageId: `<smtp-test-${randomUUID()}@taalmel>` }, { timeoutMs: SMTP_TEST_TIMEOUT_MS });
        // What happened is recorded even when the request's deadline has passed meanwhile: a message
        // may have gone out. `error` is the server's words with the credentials masked (deliver).
        await tenantTransaction(
          (trx) =>
            recordAuditEvent(trx, {
              action: 'settings.smtp_tested',
              entityType: 'firm_secret',
              after: result.ok ? { outcome: 'sent', host: options.host, port: options.port } : { outcome: 'failed', host: options.host, port: options.port, error: result.error },
            }),
          { untilDeadline: false },
        );
        if (!result.ok) {
          ctx.status = 422;
          ctx.body = { error: { code: 'smtp_failed', message: `The SMTP server refused the test message: ${result.error}`, details: { smtpError: result.error } } };
          return;
        }
        ctx.body = { ok: true, ...(result.messageId ? { messageId: result.messageId } : {}) };
      },
    }),
  ];
}
