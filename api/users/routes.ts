/** The firm's people: listing (admins, managers), creating (admins), changing roles and deactivating (admins, with re-auth). */
import type { Knex } from 'knex';
import { z } from 'zod';
import { Client } from '../../db/models/client';
import { EMAIL, USER_FIELDS } from '../../db/editable-fields';
import { istIso } from '../../domain/calendar/dates';
import { User } from '../../db/models/user';
import { hashPassword } from '../../db/security/passwords';
import { withAuditAction } from '../../db/tenant';
import type { AuthService } from '../auth/service';
import { endInvitationsBeyondInviter } from '../accounts/invitations';
import { assertPasswordAcceptable } from '../auth/passwords';
import { ApiError, conflict, invalidInput, isUniqueViolation, notFound } from '../errors';
import { decodeCursor, page, pageQuery } from '../pagination';
import { presentUserRecord } from '../presenters';
import { ROLES } from '../rbac/permissions';
import { idParams } from '../schemas';
import { whileClientWaits } from '../middleware/client-gone';
import { route, type RouteSpec } from '../routes';
import { UserCreationLimiter, type UserCreationLimits } from './creation-limit';
import { FirmCreationQueue } from './creation-queue';

const createBody = z
  .object({
    email: EMAIL,
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
    clientId: z.uuid().optional(),
    password: z.string().min(1).max(1024),
  })
  // A portal user belongs to exactly one client; nobody else belongs to one.
  .superRefine((body, ctx) => {
    if (body.role === 'client' && !body.clientId) ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'required for a client (portal) user' });
    if (body.role !== 'client' && body.clientId) ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'only client (portal) users belong to a client' });
  });
const patchBody = z
  .object({ role: z.enum(ROLES).optional(), active: USER_FIELDS.active.optional(), name: USER_FIELDS.name.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
const listQuery = z.object(pageQuery);

/**
 * The refusal of an address that has an account (this firm's or another's: the same answer, docs/accounts.md).
 * Audited in the firm's trail with what the admin typed and nothing else: no firm, user or name of
 * the account it met, and the same row whichever firm that is.
 */
const emailTaken = (email: string) =>
  conflict('email_taken', 'A user with this email already exists.').withAudit({ action: 'user.create_refused', entityType: 'user', after: { email, reason: 'email_taken' } });

/** A portal user's client must be one of the caller's firm (the tenant transaction sees no other). */
async function assertFirmClient(trx: Knex.Transaction, clientId: string): Promise<void> {
  if (!(await Client.query(trx).findById(clientId))) throw invalidInput({ fields: { clientId: 'no such client in this firm' } });
}

export function userRoutes(deps: { auth: AuthService; knex: Knex; limits?: UserCreationLimits }): RouteSpec[] {
  const creations = new UserCreationLimiter(deps.knex, deps.limits);
  const queue = new FirmCreationQueue();
  return [
    route({
      method: 'get',
      path: '/api/users',
      action: 'users.read',
      query: listQuery,
      async handler(ctx, { query }) {
        const after = decodeCursor(query.cursor, 1);
        // Emails are unique and stored lower-case: a stable, exact sort key for the cursor.
        const q = User.query().orderBy('email').limit(query.limit + 1);
        if (after) q.where('email', '>', String(after[0]));
        const rows = await q;
        const result = page(rows, query.limit, (u) => [u.email]);
        // Whose sign-ins are held now (wrong passwords), so the firm admin's "Unlock" shows only where it applies.
        const held = await deps.auth.lockedUntil(ctx.state.trx, result.items.map((u) => u.email));
        ctx.body = {
          items: result.items.map((u) => {
            const until = held.get(u.email);
            return { ...presentUserRecord(u), lockedUntil: until ? istIso(until) : null };
          }),
          nextCursor: result.nextCursor,
        };
      },
    }),
    route({
      method: 'post',
      path: '/api/users',
      action: 'users.create',
      // No re-authentication (docs/api.md: firm_admin): inviting a person of any role needs none either,
      // so asking here would guard nothing. Changing a role or deactivating (PATCH) does need one.
      body: createBody,
      // The password is hashed (argon2id, tens of milliseconds of CPU, far more under load) and the
      // firm's earlier creations are waited for holding no connection and no slot of the firm; only
      // the creation itself runs in a short transaction (docs/security-limits.md, "Creating users").
      transaction: 'handler',
      async handler(ctx, { body }) {
        assertPasswordAcceptable(body.password, body.email, 'password');
        const { user: me, tenantTransaction, deadline } = ctx.state;
        // One of the firm's places in the line, before any work: a firm with too many creations in
        // progress is refused at once (429), costing no hash and no connection.
        const giveBack = queue.take(me.firmId);
        // A client that has gone leaves the line (499, nothing created): its creation would be made
        // for nobody, after the firm's other creations had waited for it.
        const waiting = whileClientWaits(ctx, deadline);
        try {
          const clientId = body.clientId;
          // A client id that is not the firm's is refused before the hash: a wrong id costs no argon2 work.
          if (clientId) await tenantTransaction((trx) => assertFirmClient(trx, clientId));
          const email = body.email;
          const passwordHash = await hashPassword(body.password);
          const user = await queue.run(
            me.firmId,
            () =>
              tenantTransaction(async (trx) => {
                // Again in the creation's transaction: the client may have been erased while this waited.
                if (clientId) await assertFirmClient(trx, clientId);
                // The firm's limits come before the insert (the one step whose answer depends on other firms).
                try {
                  return await creations.create(trx, me.firmId, async (savepoint) =>
                    User.query(savepoint).insertAndFetch({ email, name: body.name, role: body.role, clientId: clientId ?? null, passwordHash } as Partial<User>),
                  );
                } catch (error) {
                  if (isUniqueViolation(error)) throw emailTaken(email);
                  throw error;
                }
              }),
            waiting.signal,
          );
          ctx.status = 201;
          ctx.body = presentUserRecord(user);
        } finally {
          waiting.done();
          giveBack();
        }
      },
    }),
    route({
      method: 'patch',
      path: '/api/users/:id',
      action: 'users.update',
      sensitive: true,
      params: idParams,
      body: patchBody,
      async handler(ctx, { params, body }) {
        const user = await User.query().findById(params.id);
        if (!user) throw notFound('No such user.');
        if (body.role && (body.role === 'client') !== (user.role === 'client')) {
          throw invalidInput({ fields: { role: 'portal (client) users and firm users cannot be converted into each other' } });
        }
        const { user: me, trx } = ctx.state;
        if (me.id === user.id && (body.active === false || (body.role && body.role !== 'firm_admin'))) {
          throw new ApiError(422, 'cannot_demote_self', 'You cannot deactivate yourself or give up your own admin role.');
        }
        const action = body.active === false ? 'user.deactivated' : body.role && body.role !== user.role ? 'user.role_changed' : 'user.update';
        const updated = await withAuditAction(trx, action, () => User.query().patchAndFetchById(user.id, body as Partial<User>));
        if (body.active === false) await deps.auth.revokeAllSessions(trx, user.id, me.id, 'user_deactivated');
        if (body.active === false || (body.role && body.role !== user.role)) await endInvitationsBeyondInviter(trx, updated, me.id);
        ctx.body = presentUserRecord(updated);
      },
    }),
  ];
}
