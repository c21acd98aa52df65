/**
 * A request's slot listed early in another request's message (docs/follow-ups.md, "One message a
 * day"): the client's message of the slot's day, written by another of the client's requests, already
 * listed this request's open items and was sent, so the slot is recorded `merged` into it at once
 * rather than at its own send time, and never sent. The sending request's workflow tells this one's
 * (the `listedInMessage` signal); this reads the outbox, which alone says what the client was sent.
 */
import type { Knex } from 'knex';
import { Client } from '../db/models/client';
import { FollowUp } from '../db/models/follow-up';
import { OutboxMessage } from '../db/models/outbox-message';
import { LIVE_STATUSES, messageOfDay } from '../db/follow-ups';
import { inFirmJobTransaction, setAuditAction } from '../db/tenant';
import { instantOf, positionOf } from '../domain/follow-ups';
import { followUpSlotKey } from '../workflows/follow-up-definitions';
import { JOB, lockClient, resultOf } from './follow-up-outbox';

export type MergeEarlyInput = { firmId: string; followUpId: string; key: string; kind: 'initial' | 'interval' | 'anchored' | 'overdue'; scheduledAt: number };
/**
 * `none`: nothing was recorded (no sent message of the slot's day lists this request, or the request
 * ended). Otherwise what the slot's outbox row says, `at` the instant the workflow shows it at: for a
 * merge, when the message it rode in was written (the instant the one-message-a-day rule dates it by).
 */
export type MergeEarlyResult = { status: 'none' } | { status: 'sent' | 'merged' | 'skipped' | 'failed'; at: number; mergedInto?: string };

export function createEarlyMergeActivities(deps: { knex: Knex }) {
  return {
    async followUpMergeEarly(input: MergeEarlyInput): Promise<MergeEarlyResult> {
      const slotKey = followUpSlotKey(input.followUpId, input.key);
      return inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx): Promise<MergeEarlyResult> => {
        const followUp = await FollowUp.query().findById(input.followUpId);
        // A supplier chase's letter lists itself only: it never rides in the client's message.
        if (!followUp || followUp.recipient === 'supplier') return { status: 'none' };
        // Under the client's lock, as the senders: the day's message and this slot's row are settled.
        await lockClient(trx, followUp.clientId);
        const existing = await OutboxMessage.query().findOne({ slot_key: slotKey });
        if (existing) {
          // This activity's earlier attempt wrote it (then timed out): answered as that attempt would have.
          const status = resultOf(existing);
          const target = status === 'merged' && existing.mergedInto ? await OutboxMessage.query().findById(existing.mergedInto) : undefined;
          return target ? { status, at: target.createdAt.getTime(), mergedInto: target.id } : { status, at: existing.createdAt.getTime() };
        }
        if (!LIVE_STATUSES.includes(followUp.status)) return { status: 'none' };
        const client = await Client.query().findById(followUp.clientId);
        if (!client) return { status: 'none' };
        const day = positionOf(followUp.clock, input.scheduledAt).day;
        // The same message the slot's own send would merge into at its time, once it is sent; one
        // still going out is left to that send, which waits for its fate.
        const today = await messageOfDay(client.id, { from: instantOf(followUp.clock, day, 0), to: instantOf(followUp.clock, day + 1, 0) }, { audience: 'client' });
        if (!today || today.status !== 'sent' || !today.followUpIds.includes(followUp.id)) return { status: 'none' };
        await setAuditAction(trx, 'email.merged');
        await OutboxMessage.query().insert({
          clientId: client.id,
          followUpId: followUp.id,
          slotKey,
          audience: 'client',
          template: `reminder.${input.kind}`,
          recipient: client.email,
          clientDay: day,
          scheduledAt: new Date(input.scheduledAt),
          subject: `(merged into "${today.subject}")`,
          status: 'merged',
          mergedInto: today.id,
        } as Partial<OutboxMessage>);
        await setAuditAction(trx, null);
        return { status: 'merged', at: today.createdAt.getTime(), mergedInto: today.id };
      });
    },
  };
}
