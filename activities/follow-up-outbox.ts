/**
 * The follow-up outbox's settling rules: the client lock its senders take, settling a message still
 * `sending`, and what a failed message does to the slots merged into it. One source for the send,
 * escalation and acknowledgement activities (activities/follow-ups.ts) and for reading a merged
 * slot's fate.
 */
import type { Knex } from 'knex';
import { FollowUp } from '../db/models/follow-up';
import { OutboxMessage } from '../db/models/outbox-message';
import { notifyFirm } from '../db/follow-ups';
import { inFirmJobTransaction, setAuditAction } from '../db/tenant';

/** The job the follow-up activities write as (their audit actor is `system:follow-up`). */
export const JOB = 'follow-up';

/** The outbox error of a slot listed in the client's message of the day that failed: it failed with it. */
export const LISTED_IN_FAILED = 'the message it was listed in failed';

/**
 * A message still `sending` this long after its row was written has outlived the attempt that wrote
 * it: that attempt timed out or its worker died (the margin, at most 30 s, covers workers' clocks).
 */
export function outlivedItsSend(target: OutboxMessage, now: number, sendTimeoutMs: number | undefined): boolean {
  return sendTimeoutMs !== undefined && now - target.createdAt.getTime() > sendTimeoutMs + Math.min(sendTimeoutMs, 30_000);
}

/** Settles a message still `sending`, in the caller's transaction; a message settled already is left as it is. */
export async function settleSending(trx: Knex.Transaction, rowId: string, outcome: { ok: true; response: string } | { ok: false; error: string }, unconfirmed = false): Promise<void> {
  await setAuditAction(trx, outcome.ok ? 'email.sent' : 'email.failed');
  await OutboxMessage.query()
    .findById(rowId)
    .where('status', 'sending')
    .patch(outcome.ok ? ({ status: 'sent', sentAt: new Date(), error: unconfirmed ? 'delivery not confirmed: the sending attempt was interrupted; not sent again' : null } as Partial<OutboxMessage>) : ({ status: 'failed', error: outcome.error } as Partial<OutboxMessage>));
  await setAuditAction(trx, null);
}

/**
 * One sender per client at a time: the daily cap and the merge read a settled outbox, and a message
 * failing marks what was merged into it (markDelivery). Taken before any audited write. FOR NO KEY
 * UPDATE conflicts with itself (senders of one client take turns) and with a change or deletion of
 * the client, but not with the FOR KEY SHARE a foreign-key check takes: a transaction that holds
 * the firm's audit lock (every audited write takes it) and then writes a row referencing this
 * client (a new follow-up, a link) goes through, where FOR UPDATE would deadlock with this
 * transaction's next audited write.
 */
export async function lockClient(trx: Knex.Transaction, clientId: string): Promise<void> {
  await trx.raw('select id from clients where id = ? for no key update', [clientId]);
}

/** Marks the slots merged into a message that failed: they failed with it (`resultOf` shows them failed). */
export async function failMergedInto(trx: Knex.Transaction, rowId: string): Promise<void> {
  await setAuditAction(trx, 'email.skipped');
  await OutboxMessage.query().where({ merged_into: rowId, status: 'merged' }).patch({ status: 'skipped', error: LISTED_IN_FAILED } as Partial<OutboxMessage>);
  await setAuditAction(trx, null);
}

export function resultOf(row: Pick<OutboxMessage, 'status' | 'error'>): 'sent' | 'merged' | 'skipped' | 'failed' {
  if (row.status === 'skipped' && row.error === LISTED_IN_FAILED) return 'failed';
  return row.status === 'sending' ? 'sent' : row.status;
}
/** The error a message keeps when its attempt failed after a merge or a retry had recorded it sent (`markDelivery`). */
export function failedAfterRecordedSent(error: string): string {
  return `delivery not confirmed: recorded sent while its attempt was still going; that attempt then failed (${error}); not sent again`;
}

/**
 * Records a message's delivery and answers what the outbox now says of it: `sent`, `failed`, or
 * `skipped` for a row that is neither (erased with its client meanwhile, or skipped): such a row is
 * left as it is and nobody is told anything of it. On failure, under the client's lock: the slots
 * merged into it fail with it, and the owner of every request it listed is told
 * (`follow_up.delivery_failed`). A message a merge (or its own retry) already recorded sent, once
 * its attempt outlived its timeout, stays sent, as do the slots merged into it: the owners are told
 * its delivery is not confirmed (`follow_up.delivery_unconfirmed`, with the server's reply), never
 * that it failed, and its row keeps that reply.
 */
export async function markDelivery(knex: Knex, firmId: string, rowId: string, outcome: { ok: true; response: string } | { ok: false; error: string }, followUp: { id: string; ownerId: string }, unconfirmed = false): Promise<'sent' | 'failed' | 'skipped'> {
  return inFirmJobTransaction(knex, firmId, JOB, async (trx) => {
    if (!outcome.ok) {
      // Under the client's lock, as the senders: a nudge merging into this message either
      // committed first (and is marked failed below) or finds it failed and sends.
      const row = await OutboxMessage.query().findById(rowId);
      if (row?.clientId) await lockClient(trx, row.clientId);
    }
    await settleSending(trx, rowId, outcome, unconfirmed);
    const settled = await OutboxMessage.query().findById(rowId);
    // Only a row that is sent or failed speaks of this message: an erased row (its client's erasure
    // deleted it, and will delete what would be written of it here) or a skipped one is left alone.
    const recorded = settled?.status === 'failed' || settled?.status === 'sent' ? settled.status : 'skipped';
    if (outcome.ok || recorded === 'skipped') return recorded;
    const failed = recorded === 'failed';
    if (failed) {
      await failMergedInto(trx, rowId);
    } else {
      await setAuditAction(trx, 'email.unconfirmed');
      await OutboxMessage.query().findById(rowId).patch({ error: failedAfterRecordedSent(outcome.error) } as Partial<OutboxMessage>);
      await setAuditAction(trx, null);
    }
    // Every request the message listed went unheard, or may have (their first messages merged into
    // a failed one wait for the next day): each owner is told, not only the sender's.
    const kind = failed ? 'follow_up.delivery_failed' : 'follow_up.delivery_unconfirmed';
    const listed = [followUp.id, ...(settled?.followUpIds ?? []).filter((id) => id !== followUp.id)];
    for (const id of listed) {
      const row = await FollowUp.query().findById(id);
      const prefix = failed ? 'delivery_failed' : 'delivery_unconfirmed';
      const key = id === followUp.id ? `${prefix}:${rowId}` : `${prefix}:${rowId}:${id}`;
      if (row) await notifyFirm(row, 'owner', kind, key, { outboxId: rowId, error: outcome.error });
    }
    return recorded;
  });
}
