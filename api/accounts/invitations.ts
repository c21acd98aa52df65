/**
 * Invitations (docs/accounts.md): a firm admin invites anyone, a manager staff, reviewers and portal
 * users; the invitee chooses their own password through a single-use link valid 72 hours from the
 * latest send. Each send draws a new link (the activity does, so the token never leaves the email);
 * resending also moves the expiry. Creation, sends, revocation and acceptance are audited.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { emailHasAccount, lookupAccountLink } from '../../db/accounts';
import { EMAIL, NAME } from '../../db/editable-fields';
import { AccountInvitation } from '../../db/models/account';
import { Client } from '../../db/models/client';
import { Firm } from '../../db/models/firm';
import { OutboxMessage } from '../../db/models/outbox-message';
import { User } from '../../db/models/user';
import { hashPassword } from '../../db/security/passwords';
import { inTenantTransaction, setAuditAction } from '../../db/tenant';
import { invitationExpiry, mayInvite } from '../../domain/accounts';
import { conflict, forbidden, invalidInput, isUniqueViolation, notFound } from '../errors';
import type { LinkThrottle } from '../follow-ups/link-throttle';
import { decodeCursor, page, pageQuery } from '../pagination';
import { presentUserRecord } from '../presenters';
import { ROLES } from '../rbac/permissions';
import { route, type AuthenticatedContext, type RouteSpec } from '../routes';
import { idParams } from '../schemas';
import { assertPasswordAcceptable } from '../auth/passwords';
import { accountEmailDelivery, accountEmailSlotKey } from '../../workflows/account-email-definitions';
import type { AccountMailer } from './email-client';
import { linkExpired } from './password-reset';

const createBody = z
  .object({
    email: EMAIL,
    name: NAME,
    role: z.enum(ROLES),
    clientId: z.uuid().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.role === 'client' && !body.clientId) ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'required for a client (portal) user' });
    if (body.role !== 'client' && body.clientId) ctx.addIssue({ code: 'custom', path: ['clientId'], message: 'only client (portal) users belong to a client' });
  });
const tokenParams = z.object({ token: z.string().min(1).max(200) });
const acceptBody = z.object({ password: z.string().min(1).max(1024), name: NAME.optional() });
const listQuery = z.object(pageQuery);

type Delivery = (NonNullable<ReturnType<typeof accountEmailDelivery>> & { at: Date }) | null;

/**
 * The latest send's delivery with the time of its state: when it went out for `sent`, otherwise when
 * the outbox row last changed (the attempt that failed, the one under way).
 */
function deliveryOf(row: OutboxMessage | undefined): Delivery {
  const delivery = accountEmailDelivery(row);
  if (!row || !delivery) return null;
  return { ...delivery, at: (delivery.status === 'sent' && row.sentAt) || row.updatedAt };
}

export function presentInvitation(invitation: AccountInvitation, delivery: Delivery = null) {
  return {
    id: invitation.id,
    email: invitation.email,
    name: invitation.name,
    role: invitation.role,
    clientId: invitation.clientId,
    expiresAt: invitation.expiresAt,
    sends: invitation.sends,
    lastSentAt: invitation.lastSentAt,
    invitedBy: invitation.invitedBy,
    createdAt: invitation.createdAt,
    // The latest send's email: sending, sent, retrying (SMTP failed in passing) or failed for good, and since when.
    delivery,
  };
}

/** A pending invitation the caller may manage; anything else (another firm's, a role above theirs) is not found. */
async function manageable(ctx: AuthenticatedContext, id: string): Promise<AccountInvitation> {
  const invitation = await AccountInvitation.query().findById(id).forUpdate();
  if (!invitation || !mayInvite(ctx.state.user.role, invitation.role)) throw notFound('No such invitation.');
  if (invitation.acceptedAt || invitation.revokedAt) throw conflict('invitation_closed', 'This invitation was already accepted or revoked.');
  return invitation;
}

/**
 * An inviter's standing backs their pending invitations: when a user is deactivated or given a role
 * that may not issue some of them, those end now (revoked by whoever made the change, audited as
 * `invitation.revoked`). Acceptance checks the same (`inviterStillMay`) for changes made elsewhere.
 */
export async function endInvitationsBeyondInviter(trx: Knex.Transaction, inviter: { id: string; role: string; active: boolean }, by: string): Promise<number> {
  const pending = await AccountInvitation.query(trx).where({ invited_by: inviter.id }).whereNull('accepted_at').whereNull('revoked_at').forUpdate();
  const ended = pending.filter((invitation) => !inviter.active || !mayInvite(inviter.role, invitation.role));
  if (ended.length === 0) return 0;
  await setAuditAction(trx, 'invitation.revoked');
  await AccountInvitation.query(trx)
    .whereIn('id', ended.map((invitation) => invitation.id))
    .patch({ revokedAt: new Date(), revokedBy: by, tokenHash: null } as Partial<AccountInvitation>);
  await setAuditAction(trx, null);
  return ended.length;
}

/** Whether the person who sent an invitation is still active and may still invite its role. */
async function inviterStillMay(invitation: AccountInvitation): Promise<boolean> {
  const inviter = await User.query().findById(invitation.invitedBy);
  return inviter !== undefined && inviter.active && mayInvite(inviter.role, invitation.role);
}

/**
 * The pending invitation `id` (in the link's firm transaction) whose inviter still vouches for it, or
 * 410. `lock` takes its row for the acceptance (FOR UPDATE, before the first audited write).
 */
async function acceptable(id: string, options: { lock?: boolean } = {}): Promise<AccountInvitation> {
  const query = AccountInvitation.query().findById(id);
  const invitation = await (options.lock ? query.forUpdate() : query);
  if (!invitation || !invitation.isPending()) throw linkExpired();
  // An inviter deactivated or demoted since (in the console too) no longer vouches for it.
  if (!(await inviterStillMay(invitation))) throw linkExpired();
  return invitation;
}

/** The link holder's 409: the address has an account (no firm named); the web app's invite page explains it. */
const emailTakenAtLink = () =>
  conflict('email_taken', 'This email address already has a Taalmel account, and an address signs in to one firm only: sign in with it, or ask for an invitation to another address.');

export function invitationRoutes(deps: { knex: Knex; mailer: AccountMailer; linkThrottle: LinkThrottle }): RouteSpec[] {
  /** The pending invitation a link opens, in that firm's scope; 410 for used, revoked or expired links. */
  async function openLink(ctx: { ip: string; state: { requestId: string } }, token: string) {
    await deps.linkThrottle.admit(ctx.ip);
    const found = await lookupAccountLink(deps.knex, 'invitation', token);
    if (!found || found.ended || found.expiresAt.getTime() <= Date.now()) {
      await deps.linkThrottle.recordFailure(ctx.ip);
      throw linkExpired();
    }
    return found;
  }
  /**
   * An address signs in to one firm only, so a link to an address that has an account (here or in
   * another firm) cannot be accepted. Only the link's holder (the address's owner) learns it: the
   * email they got is the same as any invitation's (docs/accounts.md, "An address with an account elsewhere").
   */
  async function refuseTakenAddress(email: string): Promise<void> {
    if (await emailHasAccount(deps.knex, email)) throw emailTakenAtLink();
  }
  const linkScope = (firmId: string, ctx: { ip: string; state: { requestId: string } }) => ({
    firmId,
    actor: { userId: null, email: 'invitation-link', role: 'system' },
    requestId: ctx.state.requestId,
    ip: ctx.ip,
  });

  return [
    route({
      method: 'post',
      path: '/api/invitations',
      action: 'invitations.manage',
      body: createBody,
      async handler(ctx, { body }) {
        if (!mayInvite(ctx.state.user.role, body.role)) throw forbidden('forbidden', 'Managers invite staff, reviewers and client (portal) users only.');
        if (body.clientId && !(await Client.query().findById(body.clientId))) throw invalidInput({ fields: { clientId: 'no such client in this firm' } });
        const { email } = body;
        if (await User.query().whereRaw('lower(email) = ?', [email]).first()) throw conflict('email_taken', 'A user with this email already exists.');
        const now = new Date();
        let invitation: AccountInvitation;
        try {
          await setAuditAction(ctx.state.trx, 'invitation.created');
          invitation = await AccountInvitation.query().insertAndFetch({
            email,
            name: body.name,
            role: body.role,
            clientId: body.clientId ?? null,
            expiresAt: invitationExpiry(now),
            sends: 1,
            invitedBy: ctx.state.user.id,
          } as Partial<AccountInvitation>);
          await setAuditAction(ctx.state.trx, null);
        } catch (error) {
          if (isUniqueViolation(error)) throw conflict('already_invited', 'This email has a pending invitation: resend it instead.');
          throw error;
        }
        deps.mailer.sendAfterCommit(ctx.state.trx, { firmId: ctx.state.user.firmId, kind: 'invitation', subjectId: invitation.id, key: '1' });
        ctx.status = 201;
        ctx.body = { id: invitation.id, email: invitation.email, role: invitation.role, expiresAt: invitation.expiresAt };
      },
    }),
    route({
      method: 'get',
      path: '/api/invitations',
      action: 'invitations.manage',
      query: listQuery,
      async handler(ctx, { query }) {
        const after = decodeCursor(query.cursor, 2);
        const q = AccountInvitation.query().whereNull('accepted_at').whereNull('revoked_at').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(query.limit + 1);
        if (after) q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [String(after[0]), String(after[1])]);
        const result = page(await q, query.limit, (i) => [i.createdAt.toISOString(), i.id]);
        const slots = result.items.map((i) => accountEmailSlotKey({ kind: 'invitation', subjectId: i.id, key: String(i.sends) }));
        const rows = await OutboxMessage.query().whereIn('slot_key', slots).select('slot_key', 'status', 'error', 'sent_at', 'updated_at');
        const bySlot = new Map(rows.map((r) => [r.slotKey, r]));
        ctx.body = { items: result.items.map((i, n) => presentInvitation(i, deliveryOf(bySlot.get(slots[n] ?? '')))), nextCursor: result.nextCursor };
      },
    }),
    route({
      method: 'post',
      path: '/api/invitations/:id/resend',
      action: 'invitations.manage',
      params: idParams,
      async handler(ctx, { params }) {
        const invitation = await manageable(ctx, params.id);
        await setAuditAction(ctx.state.trx, 'invitation.resent');
        const sends = invitation.sends + 1;
        // The earlier link stops working now, not when the new email is out.
        const expiresAt = invitationExpiry(new Date());
        await AccountInvitation.query().findById(invitation.id).patch({ sends, tokenHash: null, expiresAt } as Partial<AccountInvitation>);
        await setAuditAction(ctx.state.trx, null);
        deps.mailer.sendAfterCommit(ctx.state.trx, { firmId: ctx.state.user.firmId, kind: 'invitation', subjectId: invitation.id, key: String(sends) });
        ctx.status = 202;
        // A JSON answer like the creation's (a bare 202 would be Koa's text "Accepted").
        ctx.body = { id: invitation.id, email: invitation.email, role: invitation.role, expiresAt };
      },
    }),
    route({
      method: 'delete',
      path: '/api/invitations/:id',
      action: 'invitations.manage',
      params: idParams,
      async handler(ctx, { params }) {
        const invitation = await manageable(ctx, params.id);
        await setAuditAction(ctx.state.trx, 'invitation.revoked');
        await AccountInvitation.query().findById(invitation.id).patch({ revokedAt: new Date(), revokedBy: ctx.state.user.id, tokenHash: null } as Partial<AccountInvitation>);
        await setAuditAction(ctx.state.trx, null);
        ctx.status = 204;
      },
    }),
    route({
      method: 'get',
      path: '/api/invitations/by-token/:token',
      action: 'public',
      params: tokenParams,
      async handler(ctx, { params }) {
        const found = await openLink(ctx, params.token);
        const shown = await inTenantTransaction(deps.knex, linkScope(found.firmId, ctx), async () => {
          const [invitation, firm] = await Promise.all([AccountInvitation.query().findById(found.id), Firm.query().findById(found.firmId)]);
          if (!invitation || !firm || !(await inviterStillMay(invitation))) throw linkExpired();
          return { firmName: firm.name, email: invitation.email, name: invitation.name, role: invitation.role, expiresAt: invitation.expiresAt };
        });
        // After the firm's transaction: the lookup takes a connection of its own, and one request must
        // never hold a connection while it waits for a second (links opened at once would fill the pool).
        await refuseTakenAddress(shown.email);
        ctx.body = shown;
      },
    }),
    route({
      method: 'post',
      path: '/api/invitations/by-token/:token/accept',
      action: 'public',
      params: tokenParams,
      body: acceptBody,
      async handler(ctx, { params, body }) {
        const found = await openLink(ctx, params.token);
        const scope = linkScope(found.firmId, ctx);
        // Checked first, refused before the hash as before: a link that cannot be accepted costs no argon2 work.
        const { email } = await inTenantTransaction(deps.knex, scope, () => acceptable(found.id));
        await refuseTakenAddress(email);
        assertPasswordAcceptable(body.password, email, 'password');
        // The hash (argon2id: tens of milliseconds of CPU, far more under load) holds no connection, no
        // lock and no transaction: inside the transaction, links used at once held the pool's connections
        // while they hashed (docs/security-limits.md, "Account links").
        const passwordHash = await hashPassword(body.password);
        const user = await inTenantTransaction(deps.knex, scope, async (trx) => {
          // Locked and checked again: two acceptances of one link at once make one user, the other gets
          // 410; a link revoked, or an inviter demoted, while this hashed is refused as it would have been.
          const invitation = await acceptable(found.id, { lock: true });
          let created: User;
          try {
            await setAuditAction(trx, 'invitation.accepted');
            // An address given an account meanwhile meets the users' unique email: the same 409.
            created = await User.query().insertAndFetch({
              email: invitation.email,
              name: body.name ?? invitation.name,
              role: invitation.role,
              clientId: invitation.clientId,
              passwordHash,
            } as Partial<User>);
          } catch (error) {
            if (isUniqueViolation(error)) throw emailTakenAtLink();
            throw error;
          }
          await AccountInvitation.query().findById(invitation.id).patch({ acceptedAt: new Date(), acceptedUserId: created.id, tokenHash: null } as Partial<AccountInvitation>);
          await setAuditAction(trx, null);
          return created;
        });
        ctx.status = 201;
        ctx.body = { user: presentUserRecord(user) };
      },
    }),
  ];
}
