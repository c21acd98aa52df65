/**
 * How notice reminders and escalations reach people. Today: in-app notifications (the
 * `notifications` table, read with GET /api/notifications), written in the caller's transaction so
 * a step is recorded as fired exactly when its messages are. Email joins here as a second channel
 * once the firm's outgoing mail is available to activities; the workflow and the plan do not change.
 */
import type { Knex } from 'knex';

export type NoticeMessage = { firmId: string; userIds: string[]; kind: string; payload: Record<string, unknown> };

export type NoticeNotifier = { deliver(trx: Knex.Transaction, message: NoticeMessage): Promise<void> };

export const inAppNotifier: NoticeNotifier = {
  async deliver(trx, message) {
    if (message.userIds.length === 0) return;
    await trx('notifications').insert(message.userIds.map((userId) => ({ firm_id: message.firmId, user_id: userId, kind: message.kind, payload: message.payload })));
  },
};
