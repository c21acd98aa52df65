/**
 * The fate of a nudge merged into a client's message that was still going out (docs/follow-ups.md):
 * a nudge is merged at once rather than wait for that message, so its workflow later asks here
 * whether the message was sent, and shows the nudge failed if it failed.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import { OutboxMessage } from '../db/models/outbox-message';
import { inFirmJobTransaction } from '../db/tenant';
import { followUpSlotKey, MERGE_TARGET_SENDING } from '../workflows/follow-up-definitions';
import { failMergedInto, JOB, lockClient, outlivedItsSend, resultOf, settleSending } from './follow-up-outbox';

export function createMergeOutcomeActivities(deps: { knex: Knex }) {
  return {
    /**
     * The fate of a nudge merged into a message that was still going out: `merged` once that message
     * is sent, `failed` once it failed (its outbox row then says so). Retried while the message is
     * still going out; once the message has outlived its sending attempt it is settled as the
     * merge of a scheduled slot settles it (sent, unconfirmed).
     */
    async followUpMergeOutcome(input: { firmId: string; followUpId: string; key: string; sendTimeoutMs?: number }): Promise<{ status: 'sent' | 'merged' | 'skipped' | 'failed' }> {
      const slotKey = followUpSlotKey(input.followUpId, input.key);
      return inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        const unlocked = await OutboxMessage.query().findOne({ slot_key: slotKey });
        if (!unlocked) return { status: 'skipped' };
        if (unlocked.clientId) await lockClient(trx, unlocked.clientId);
        const row = (await OutboxMessage.query().findOne({ slot_key: slotKey }))!;
        if (row.status !== 'merged' || !row.mergedInto) return { status: resultOf(row) };
        const target = await OutboxMessage.query().findById(row.mergedInto);
        if (target?.status === 'sending') {
          if (!outlivedItsSend(target, Date.now(), input.sendTimeoutMs)) throw ApplicationFailure.retryable(`the message ${target.id} this was merged into is still going out`, MERGE_TARGET_SENDING);
          await settleSending(trx, target.id, { ok: true, response: '' }, true);
        } else if (target?.status === 'failed') {
          // Failed before failures marked what was merged into them.
          await failMergedInto(trx, target.id);
          return { status: 'failed' };
        }
        return { status: 'merged' };
      });
    },
  };
}
