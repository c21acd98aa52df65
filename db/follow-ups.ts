/**
 * Follow-up rows, each change in the caller's tenant transaction (so the audit triggers record it
 * with the caller's actor): ending a request and revoking its links, the checklist links, the
 * in-app notifications of the escalation ladder, and cancelling the requests of a closed period or
 * notice.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { QueryBuilder } from 'objection';
import { normaliseEmail } from '../domain/email';
import type { NotificationKind } from '../domain/notifications';
import { FollowUp, FollowUpItem, FollowUpLink, type FollowUpStatus } from './models/follow-up';
import { Notification } from './models/notification';
import { OutboxMessage } from './models/outbox-message';
import { User } from './models/user';
import { lockNoticeKey } from './period-lock';
import { setAuditAction } from './tenant';

export const LIVE_STATUSES: FollowUpStatus[] = ['open', 'snoozed', 'exhausted'];

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new link for one follow-up: 256 random bits; only its hash is stored. */
export async function createLinkToken(followUp: FollowUp, days: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await FollowUpLink.query().insert({
    clientId: followUp.clientId,
    followUpId: followUp.id,
    tokenHash: hashLinkToken(token),
    expiresAt: new Date(Date.now() + days * 86_400_000),
  } as Partial<FollowUpLink>);
  return token;
}

export async function outstandingItems(followUpId: string): Promise<FollowUpItem[]> {
  return FollowUpItem.query().where({ follow_up_id: followUpId, status: 'outstanding' }).orderBy('position');
}

type Addressee = { audience: 'client' } | { audience: 'supplier'; recipient: string };

/**
 * A supplier's messages by its address under the one email rule (domain/email.ts): the address
 * asked about normalised, and the stored one lower-cased, since letters sent before every write
 * lower-cased it keep the capitals they went out with (the outbox records what was sent).
 */
function toSupplier(query: QueryBuilder<OutboxMessage, OutboxMessage[]>, to: Addressee): void {
  if (to.audience === 'supplier') query.whereRaw('lower(recipient) = ?', [normaliseEmail(to.recipient)]);
}

/**
 * The client's one message of a business day that went out or is going out: to the client, or for
 * a supplier chase to that supplier's address for this client. The day is the instants it spans in
 * the asking follow-up's clock (`from` inclusive, `to` exclusive), so requests whose compressed
 * clocks (tests, demos) start apart still agree on what "today" holds; on the real clock this is
 * the IST calendar day. Read under the client's row lock by the sender, and at creation to plan the
 * first message.
 */
export async function messageOfDay(clientId: string, day: { from: number; to: number }, to: Addressee): Promise<OutboxMessage | undefined> {
  return OutboxMessage.query()
    .where({ client_id: clientId, audience: to.audience })
    .modify(toSupplier, to)
    // Acknowledgements of what the client sent carry no day: they answer the client, they are not the day's message.
    .whereNotNull('client_day')
    .where('created_at', '>=', new Date(day.from))
    .where('created_at', '<', new Date(day.to))
    .whereIn('status', ['sending', 'sent'])
    .orderBy('created_at')
    .first();
}

/**
 * A message of the day (same span and recipient as `messageOfDay`) that listed this request and
 * failed: the client never heard of the request that day.
 */
export async function failedMessageOfDay(clientId: string, day: { from: number; to: number }, followUpId: string, to: Addressee): Promise<OutboxMessage | undefined> {
  return OutboxMessage.query()
    .where({ client_id: clientId, audience: to.audience, status: 'failed' })
    .modify(toSupplier, to)
    .whereNotNull('client_day')
    .where('created_at', '>=', new Date(day.from))
    .where('created_at', '<', new Date(day.to))
    .whereRaw('follow_up_ids @> ?::jsonb', [JSON.stringify([followUpId])])
    .first();
}

/** Ends a live follow-up (completed or cancelled) and revokes its links; false when it had already ended. */
export async function endFollowUp(trx: Knex.Transaction, followUpId: string, status: 'completed' | 'cancelled', note: string | null, action: string): Promise<boolean> {
  await setAuditAction(trx, action);
  const changed = await FollowUp.query()
    .findById(followUpId)
    .whereIn('status', LIVE_STATUSES)
    .patch({ status, endedAt: new Date(), endNote: note, nextMessageAt: null } as Partial<FollowUp>);
  if (changed) {
    await setAuditAction(trx, 'follow_up.links_revoked');
    await FollowUpLink.query().where({ follow_up_id: followUpId }).whereNull('revoked_at').patch({ revokedAt: new Date() } as Partial<FollowUpLink>);
  }
  await setAuditAction(trx, null);
  return changed > 0;
}

/** Cancels the live follow-ups of a client's period (its close was approved); returns their workflow ids. */
export async function cancelFollowUpsOfPeriod(trx: Knex.Transaction, clientId: string, period: string): Promise<string[]> {
  const live = await FollowUp.query().where({ client_id: clientId, period }).whereIn('status', LIVE_STATUSES).forNoKeyUpdate();
  for (const row of live) await endFollowUp(trx, row.id, 'cancelled', `period ${period} closed`, 'follow_up.cancelled_period_closed');
  return live.map((row) => row.workflowId);
}

/** Cancels the live follow-ups asking for a notice's documents (the notice was closed); returns their workflow ids. */
export async function cancelFollowUpsOfNotice(trx: Knex.Transaction, noticeId: string): Promise<string[]> {
  // Held to commit, as a create for this notice holds it: one sees the other (db/period-lock.ts).
  await lockNoticeKey(trx, noticeId);
  const live = await FollowUp.query().where({ notice_id: noticeId }).whereIn('status', LIVE_STATUSES).forNoKeyUpdate();
  for (const row of live) await endFollowUp(trx, row.id, 'cancelled', 'the notice was closed', 'follow_up.cancelled_notice_closed');
  return live.map((row) => row.workflowId);
}

export type Audience = 'owner' | 'manager' | 'firm_admin';

/**
 * One in-app notification per person for a follow-up event (`key` makes a retry a no-op). The
 * owner is the follow-up's owner; managers and firm admins are every active one of the firm.
 */
export async function audienceOf(followUp: FollowUp, audience: Audience): Promise<User[]> {
  return audience === 'owner' ? User.query().where({ id: followUp.ownerId, active: true }) : User.query().where({ role: audience, active: true }).orderBy('id');
}

export async function notifyFirm(followUp: FollowUp, audience: Audience, kind: NotificationKind, key: string, payload: Record<string, unknown>): Promise<string[]> {
  const users = await audienceOf(followUp, audience);
  const notified: string[] = [];
  for (const user of users) {
    const already = await Notification.query().where({ user_id: user.id, kind }).whereRaw(`payload->>'key' = ?`, [key]).first();
    if (already) continue;
    await Notification.query().insert({ userId: user.id, kind, payload: { ...payload, key, followUpId: followUp.id, clientId: followUp.clientId, title: followUp.title } } as Partial<Notification>);
    notified.push(user.id);
  }
  return notified;
}
