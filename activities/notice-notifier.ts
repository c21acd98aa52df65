/**
 * How notice reminders and escalations reach people: an in-app notification (the `notifications`
 * table, read with GET /api/notifications) and, when the worker has mail settings, an email to each
 * person through the outbox. Both are written in the caller's transaction, the one that records the
 * step as fired, so a step's messages exist exactly when the step does; the emails' SMTP calls are
 * made after that commits (`send`), each under its own slot key (`notice:<id>:<step key>:<user>`),
 * so a retried activity or a restarted worker never emails anyone twice.
 */
import type { Knex } from 'knex';
import { User } from '../db/models/user';
import type { RenderedEmail } from '../domain/follow-ups';
import type { NotificationKind } from '../domain/notifications';
import { smtpRouteForFirm, type MailDeps } from './mail-transport';
import { queueStaffMail, sendQueuedMail, settleUnconfirmed, type QueuedMail } from './staff-mail';

export type NoticeMessage = { firmId: string; userIds: string[]; kind: NotificationKind; payload: Record<string, unknown> };

/** The email side of a message: its slot (one per person under it), its template name and its body per recipient. */
export type NoticeEmail = { slotPrefix: string; clientId: string; template: string; render: (recipientName: string) => RenderedEmail };

export type NoticeNotifier = {
  /** In the caller's transaction: the notifications, and each email's outbox row; returns the emails to send after the commit. */
  deliver(trx: Knex.Transaction, message: NoticeMessage, email?: NoticeEmail): Promise<QueuedMail[]>;
  /** After the commit: the SMTP calls, each outbox row marked sent or failed. */
  send(firmId: string, queued: QueuedMail[]): Promise<void>;
  /** A retry of a step that already fired: emails an interrupted attempt left unconfirmed are settled, never resent. */
  settle(trx: Knex.Transaction, slotPrefix: string): Promise<void>;
};

async function notifyInApp(trx: Knex.Transaction, message: NoticeMessage): Promise<void> {
  if (message.userIds.length === 0) return;
  await trx('notifications').insert(message.userIds.map((userId) => ({ firm_id: message.firmId, user_id: userId, kind: message.kind, payload: message.payload })));
}

/** In-app only: what a worker without mail settings does, and the drafter's "changes requested" note. */
export const inAppNotifier: NoticeNotifier = {
  async deliver(trx, message) {
    await notifyInApp(trx, message);
    return [];
  },
  async send() {},
  async settle() {},
};

export function createNoticeNotifier(deps: { knex: Knex; mail?: MailDeps }): NoticeNotifier {
  const { mail } = deps;
  if (!mail) return inAppNotifier;
  return {
    async deliver(trx, message, email) {
      await notifyInApp(trx, message);
      if (!email || message.userIds.length === 0) return [];
      const route = await smtpRouteForFirm(mail);
      const queued: QueuedMail[] = [];
      for (const user of await User.query().whereIn('id', message.userIds).where({ active: true }).orderBy('id')) {
        const one = await queueStaffMail(trx, route, { slotKey: `${email.slotPrefix}:${user.id}`, clientId: email.clientId, template: email.template, to: user.email, rendered: email.render(user.name) });
        if (one) queued.push(one);
      }
      return queued;
    },
    async send(firmId, queued) {
      await sendQueuedMail(deps.knex, firmId, 'notice', queued);
    },
    async settle(trx, slotPrefix) {
      await settleUnconfirmed(trx, `${slotPrefix}:`);
    },
  };
}
