/**
 * "Forgot password" (docs/accounts.md). Asking answers 202 at once, the same for every email: the
 * throttle (per email and per IP, counted whether or not the email exists) is the only work done
 * before the answer, and the lookup, the reset row and the email happen after it, so neither the
 * answer nor its timing says whether an account exists. Using the link (single use, 30 minutes)
 * sets the password, signs out every device, clears a sign-in lockout and emails the user. The
 * link's page asks first (GET) whether it can still be used, so a used or expired link says so at once.
 *
 * A firm admin can send a user the same link (`POST /api/users/:id/password-reset`); the link goes
 * to the user's own mailbox, never to the admin, so it gives the admin no way into the account.
 *
 * Who asked is the audit trail's actor of `password_reset.requested` (and of the
 * `password_reset.superseded` it causes): the firm admin who sent it, or, for "forgot password",
 * `anonymous` (role `anonymous`), as for a refused sign-in (docs/security-and-tenancy.md): typing an address
 * proves nothing about who typed it, so the request is never put in the user's name.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { lookupAccountLink } from '../../db/accounts';
import { PasswordReset } from '../../db/models/account';
import { User } from '../../db/models/user';
import { hashPassword } from '../../db/security/passwords';
import { inTenantTransaction, setAuditAction } from '../../db/tenant';
import { resetExpiry } from '../../domain/accounts';
import { istIso } from '../../domain/calendar/dates';
import { normaliseEmail } from '../../domain/email';
import { ApiError, notFound, rateLimited, unprocessable } from '../errors';
import type { LinkThrottle } from '../follow-ups/link-throttle';
import { route, type RouteSpec } from '../routes';
import { idParams } from '../schemas';
import { assertPasswordAcceptable } from '../auth/passwords';
import type { AuthService } from '../auth/service';
import { ANONYMOUS_ACTOR } from '../auth/types';
import { limiterSubject } from '../auth/throttle';
import type { AccountMailer } from './email-client';

export type ResetThrottleConfig = { perEmail: number; perIp: number; windowSeconds: number };
export const DEFAULT_RESET_THROTTLE: ResetThrottleConfig = { perEmail: 3, perIp: 20, windowSeconds: 3600 };

const requestBody = z.object({ email: z.string().trim().min(3).max(320) });
const tokenParams = z.object({ token: z.string().min(1).max(200) });
const completeBody = z.object({ newPassword: z.string().min(1).max(1024) });


export const linkExpired = () => new ApiError(410, 'link_expired', 'This link has expired or was already used. Ask for a new one.');
/** A reset link that cannot be used, said plainly with what to do next (the sign-in page's "Forgot your password?"). */
export const RESET_LINK_REFUSAL = 'This password reset link no longer works: it was already used, a newer link replaced it, or its 30 minutes ran out. Ask for a new link and use the newest email.';
const resetLinkExpired = () => new ApiError(410, 'link_expired', RESET_LINK_REFUSAL);

export type ResetDeps = { knex: Knex; auth: AuthService; mailer: AccountMailer; logger: Logger; linkThrottle: LinkThrottle; throttle?: ResetThrottleConfig };

/**
 * A new reset of `userId` in the caller's firm transaction, whose actor is whoever asked: the user's
 * earlier unused resets end (only the newest link works), and the new one is written.
 */
async function openReset(trx: Knex.Transaction, userId: string, ip: string): Promise<PasswordReset> {
  const now = new Date();
  await setAuditAction(trx, 'password_reset.superseded');
  await PasswordReset.query(trx).where({ user_id: userId }).whereNull('used_at').whereNull('ended_at').patch({ endedAt: now } as Partial<PasswordReset>);
  await setAuditAction(trx, 'password_reset.requested');
  const created = await PasswordReset.query(trx).insertAndFetch({ userId, expiresAt: resetExpiry(now), requestedIp: ip } as Partial<PasswordReset>);
  await setAuditAction(trx, null);
  return created;
}

/**
 * The unused, unexpired reset `id` (in the link's firm transaction) and its active user, or 410.
 * `lock` takes the reset's row for its use (FOR UPDATE, before the first audited write).
 */
async function usable(id: string, options: { lock?: boolean } = {}): Promise<{ reset: PasswordReset; target: User }> {
  const query = PasswordReset.query().findById(id);
  const reset = await (options.lock ? query.forUpdate() : query);
  if (!reset || reset.usedAt || reset.endedAt || reset.expiresAt.getTime() <= Date.now()) throw resetLinkExpired();
  const target = await User.query().findById(reset.userId);
  if (!target || !target.active) throw resetLinkExpired();
  return { reset, target };
}

export function passwordResetRoutes(deps: ResetDeps): RouteSpec[] {
  const config = deps.throttle ?? DEFAULT_RESET_THROTTLE;
  const common = { storeClient: deps.knex, storeType: 'knex', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: false };
  const perEmail = new RateLimiterPostgres({ ...common, keyPrefix: 'reset_email', points: config.perEmail, duration: config.windowSeconds });
  const perIp = new RateLimiterPostgres({ ...common, keyPrefix: 'reset_ip', points: config.perIp, duration: config.windowSeconds });

  /** Counts a request against each limit: per IP and per email (a firm admin's sends count per email only). */
  async function admit(email: string, ip: string | null): Promise<void> {
    // A long email is counted under its digest (a key must fit the table; api/auth/throttle.ts).
    const counted = [...(ip === null ? [] : [[perIp, ip] as const]), [perEmail, limiterSubject(email)] as const];
    for (const [limiter, key] of counted) {
      try {
        await limiter.consume(key);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) throw rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
        throw rejection;
      }
    }
  }

  /** After the answer: a known, active user gets a new reset (earlier ones end) and its email. */
  async function startReset(email: string, ip: string, requestId: string): Promise<void> {
    const row = await deps.knex.transaction(async (trx) => {
      await trx.raw(`select set_config('app.login_email', ?, true)`, [email]);
      return trx<{ id: string; firm_id: string; email: string; role: string; client_id: string | null; active: boolean }>('users').whereRaw('lower(email) = ?', [email]).first();
    });
    if (!row || !row.active) return;
    // In the user's firm (the reset is its row), asked by nobody known: not in the user's name.
    const scope = { firmId: row.firm_id, actor: ANONYMOUS_ACTOR, requestId, ip };
    const reset = await inTenantTransaction(deps.knex, scope, (trx) => openReset(trx, row.id, ip));
    await deps.mailer.send({ firmId: row.firm_id, kind: 'password_reset', subjectId: reset.id, key: 'link' });
  }

  return [
    route({
      method: 'post',
      path: '/api/users/:id/password-reset',
      action: 'users.reset_password',
      params: idParams,
      async handler(ctx, { params }) {
        // In the admin's request transaction: the admin is the actor of what it writes.
        const target = await User.query().findById(params.id);
        if (!target) throw notFound('No such user.');
        if (!target.active) throw unprocessable('user_inactive', 'This user is deactivated; reactivate them before sending a reset link.');
        // Counted under the address as "forgot password" counts it, so the two together stay at 3 an hour.
        await admit(normaliseEmail(target.email), null);
        const reset = await openReset(ctx.state.trx, target.id, ctx.ip);
        // The email names the admin who sent it (their id only travels; the worker reads the name).
        deps.mailer.sendAfterCommit(ctx.state.trx, { firmId: target.firmId, kind: 'password_reset', subjectId: reset.id, key: 'link', requestedBy: ctx.state.user.id });
        ctx.status = 202;
        ctx.body = { expiresAt: istIso(reset.expiresAt) };
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/password-reset',
      action: 'public',
      body: requestBody,
      async handler(ctx, { body }) {
        const email = normaliseEmail(body.email);
        const { ip } = ctx;
        await admit(email, ip);
        const requestId = ctx.state.requestId;
        setImmediate(() => {
          startReset(email, ip, requestId).catch((error: Error) => deps.logger.error({ err: error, requestId }, 'could not start a password reset'));
        });
        ctx.status = 202;
        ctx.body = { status: 'accepted', message: 'If an account uses this email, a link to reset its password is on its way.' };
      },
    }),
    route({
      // The reset page asks first, so a used or expired link says so before a password is typed.
      // Read only: the link is checked as its use checks it (and counted as a guess when unknown).
      method: 'get',
      path: '/api/auth/password-reset/:token',
      action: 'public',
      params: tokenParams,
      async handler(ctx, { params }) {
        await deps.linkThrottle.admit(ctx.ip);
        const found = await lookupAccountLink(deps.knex, 'reset', params.token);
        if (!found || found.ended || found.expiresAt.getTime() <= Date.now()) {
          if (!found) await deps.linkThrottle.recordFailure(ctx.ip);
          throw resetLinkExpired();
        }
        const scope = { firmId: found.firmId, actor: { userId: null, email: 'password-reset-link', role: 'system' }, requestId: ctx.state.requestId, ip: ctx.ip };
        const { reset, target } = await inTenantTransaction(deps.knex, scope, () => usable(found.id));
        ctx.body = { email: target.email, expiresAt: istIso(reset.expiresAt) };
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/password-reset/:token',
      action: 'public',
      params: tokenParams,
      body: completeBody,
      async handler(ctx, { params, body }) {
        await deps.linkThrottle.admit(ctx.ip);
        const found = await lookupAccountLink(deps.knex, 'reset', params.token);
        if (!found || found.ended || found.expiresAt.getTime() <= Date.now()) {
          await deps.linkThrottle.recordFailure(ctx.ip);
          throw resetLinkExpired();
        }
        const scope = { firmId: found.firmId, actor: { userId: null, email: 'password-reset-link', role: 'system' }, requestId: ctx.state.requestId, ip: ctx.ip };
        // Checked first, refused before the hash as before: a link that cannot be used costs no argon2 work.
        const checked = await inTenantTransaction(deps.knex, scope, () => usable(found.id));
        assertPasswordAcceptable(body.newPassword, checked.target.email, 'newPassword');
        // The hash (argon2id: tens of milliseconds of CPU, far more under load) holds no connection, no
        // lock and no transaction: inside the transaction it held the reset's row and, after the audited
        // write, the firm's audit lock, so every audited write of the firm waited on it
        // (docs/security-limits.md, "Account links").
        const passwordHash = await hashPassword(body.newPassword);
        const user = await inTenantTransaction(deps.knex, scope, async (trx) => {
          // Locked and checked again: two uses of one link at once set one password, the other gets
          // 410; a user deactivated (or a link ended by a newer one) while this hashed is refused.
          const { reset, target } = await usable(found.id, { lock: true });
          assertPasswordAcceptable(body.newPassword, target.email, 'newPassword');
          const now = new Date();
          await setAuditAction(trx, 'password_reset.used');
          await PasswordReset.query().findById(reset.id).patch({ usedAt: now } as Partial<PasswordReset>);
          await setAuditAction(trx, 'auth.password_reset');
          await User.query().findById(target.id).patch({ passwordHash, passwordChangedAt: now } as Partial<User>);
          await deps.auth.revokeAllSessions(trx, target.id, target.id, 'password_reset');
          return target;
        });
        await deps.auth.clearLockout(user.email);
        await deps.mailer.send({ firmId: found.firmId, kind: 'password_changed', subjectId: found.id, key: 'done' }).catch((error: Error) => deps.logger.error({ err: error }, 'could not start the password-changed email'));
        ctx.status = 204;
      },
    }),
  ];
}
