/**
 * Email to the firm's own people through the outbox, once per slot: the outbox row is written under
 * its unique slot key in the caller's transaction (status `sending`) and the SMTP call is made only
 * after that commits. A retry finds the row and sends nothing; a row a crashed attempt left
 * `sending` is settled as sent-but-unconfirmed rather than risk a second email (docs/follow-ups.md
 * "Email"). Bodies are not stored.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { OutboxMessage } from '../db/models/outbox-message';
import { inFirmJobTransaction, setAuditAction } from '../db/tenant';
import type { RenderedEmail } from '../domain/follow-ups';
import { deliver, type OutgoingEmail, type SmtpRoute } from './mail-transport';

export type QueuedMail = { rowId: string; route: SmtpRoute; email: OutgoingEmail };

/** Writes one staff email's outbox row (inside a firm transaction); null when its slot was used already. */
export async function queueStaffMail(trx: Knex.Transaction, route: SmtpRoute, mail: { slotKey: string; clientId: string | null; template: string; to: string; rendered: RenderedEmail; followUpIds?: string[] }): Promise<QueuedMail | null> {
  if (await OutboxMessage.query().findOne({ slot_key: mail.slotKey })) return null;
  const messageId = `<${randomUUID()}@taalmel>`;
  await setAuditAction(trx, 'email.sending');
  const row = await OutboxMessage.query().insertAndFetch({ clientId: mail.clientId, slotKey: mail.slotKey, audience: 'staff', template: mail.template, recipient: mail.to, subject: mail.rendered.subject, status: 'sending', messageId, followUpIds: mail.followUpIds ?? [] } as Partial<OutboxMessage>);
  await setAuditAction(trx, null);
  return { rowId: row.id, route, email: { to: mail.to, ...mail.rendered, messageId } };
}

/** Sends queued emails (after their rows committed) and records each outcome; returns how many went. */
export async function sendQueuedMail(knex: Knex, firmId: string, job: string, queued: QueuedMail[]): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  for (const m of queued) {
    const outcome = await deliver(m.route, m.route.from, m.email);
    await inFirmJobTransaction(knex, firmId, job, async (trx) => {
      await setAuditAction(trx, outcome.ok ? 'email.sent' : 'email.failed');
      await OutboxMessage.query().findById(m.rowId).where('status', 'sending').patch(outcome.ok ? ({ status: 'sent', sentAt: new Date() } as Partial<OutboxMessage>) : ({ status: 'failed', error: outcome.error } as Partial<OutboxMessage>));
    });
    if (outcome.ok) sent += 1;
  }
  return { sent, failed: queued.length - sent };
}

/** Rows under `slotPrefix` an interrupted attempt left `sending`: recorded as sent, unconfirmed, never sent again. */
export async function settleUnconfirmed(trx: Knex.Transaction, slotPrefix: string): Promise<number> {
  await setAuditAction(trx, 'email.sent');
  const settled = await OutboxMessage.query()
    .where('slot_key', 'like', `${slotPrefix.replace(/[\\%_]/g, '\\$&')}%`)
    .where('status', 'sending')
    .patch({ status: 'sent', sentAt: new Date(), error: 'delivery not confirmed: the sending attempt was interrupted; not sent again' } as Partial<OutboxMessage>);
  await setAuditAction(trx, null);
  return settled;
}
