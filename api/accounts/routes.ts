/**
 * The accounts routes (docs/accounts.md): invitations, password reset and the admin's unlock, and
 * the lockout email wired to the sign-in service. Built from the app's dependencies.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { recordAuditEvent } from '../../db/audit';
import { User } from '../../db/models/user';
import type { AuthService } from '../auth/service';
import { notFound } from '../errors';
import { LinkThrottle } from '../follow-ups/link-throttle';
import { route, type RouteSpec } from '../routes';
import { idParams } from '../schemas';
import type { TemporalHandle } from '../temporal-client';
import { accountMailer } from './email-client';
import { invitationRoutes } from './invitations';
import { passwordResetRoutes, type ResetThrottleConfig } from './password-reset';

export type AccountRouteDeps = { knex: Knex; auth: AuthService; temporal: TemporalHandle; logger: Logger; resetThrottle?: ResetThrottleConfig };

export function accountRoutes(deps: AccountRouteDeps): RouteSpec[] {
  const mailer = accountMailer(deps.temporal, deps.logger);
  // Links are rate-limited like the checklist link: requests per IP, far fewer dead tokens per IP.
  const linkThrottle = new LinkThrottle(deps.knex);
  deps.auth.onLockout((user, at) => mailer.send({ firmId: user.firmId, kind: 'lockout', subjectId: user.id, key: String(at.getTime()) }));
  return [
    ...invitationRoutes({ knex: deps.knex, mailer, linkThrottle }),
    ...passwordResetRoutes({ knex: deps.knex, auth: deps.auth, mailer, logger: deps.logger, linkThrottle, throttle: deps.resetThrottle }),
    route({
      method: 'post',
      path: '/api/users/:id/unlock',
      action: 'users.unlock',
      params: idParams,
      async handler(ctx, { params }) {
        const user = await User.query().findById(params.id);
        if (!user) throw notFound('No such user.');
        await deps.auth.clearLockout(user.email);
        await recordAuditEvent(ctx.state.trx, { action: 'user.unlocked', entityType: 'user', entityId: user.id, after: { email: user.email } });
        ctx.status = 204;
      },
    }),
  ];
}
