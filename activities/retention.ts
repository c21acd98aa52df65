/**
 * The nightly retention run's activities (workflows/retention.ts). The plan is read and computed in
 * the firm's own transaction as the application role (row-level security); each due item is then
 * purged in a transaction of its own as the database owner, because only the owner may open the
 * period lock's retention exception (migration 020). Every purge is recorded and audited in the
 * transaction that deletes, so a retried call finds the record and deletes nothing twice.
 */
import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { allFirmIds } from '../db/firms';
import { loadRetentionSettings, loadRetentionState, purgeRetentionItem, retentionRunTotals } from '../db/retention';
import { inFirmJobTransaction } from '../db/tenant';
import { dueRetentionItems, type RetentionTotals } from '../domain/retention';
import type { RetentionBatchResult } from '../workflows/retention-definitions';
import { ownerTransaction, withOwnerConnection, type DataProtectionDeps } from './data-protection-deps';

const JOB = 'retention';
const ACTOR = { userId: null, email: `system:${JOB}`, role: 'system' };

export function createRetentionActivities(deps: { knex: Knex; logger: Logger; dataProtection?: DataProtectionDeps }) {
  return {
    /** Firms that chose a retention period for some class: the others keep everything, and their nights write nothing. */
    async listRetentionFirms(): Promise<string[]> {
      const firms: string[] = [];
      for (const firmId of await allFirmIds(deps.knex)) {
        const { settings } = await inFirmJobTransaction(deps.knex, firmId, JOB, (trx) => loadRetentionSettings(trx, firmId));
        if (Object.values(settings).some((months) => months !== null)) firms.push(firmId);
      }
      return firms;
    },

    /** The firm's run of the day (one per firm and day: a second run of the day reuses it). */
    async startRetentionRun(input: { firmId: string; day: string; workflowId: string }): Promise<string> {
      return inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        await trx('retention_runs').insert({ firm_id: input.firmId, day: input.day, workflow_id: input.workflowId }).onConflict(['firm_id', 'day']).ignore();
        const run = await trx('retention_runs').where({ firm_id: input.firmId, day: input.day }).first('id', 'status');
        if (run.status !== 'running') await trx('retention_runs').where({ id: run.id }).update({ status: 'running', workflow_id: input.workflowId, failure_reason: null, updated_at: trx.fn.now() });
        return run.id as string;
      });
    },

    /** Purges up to `limit` of the items due on the day; `more` when due items remain. */
    async purgeDueRetention(input: { firmId: string; day: string; runId: string; limit: number }): Promise<RetentionBatchResult> {
      const due = await inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        const state = await loadRetentionState(trx, input.firmId);
        return dueRetentionItems({ ...state, today: input.day });
      });
      const result: RetentionBatchResult = { purged: 0, alreadyPurged: 0, skipped: 0, more: false };
      if (!due.length) return result;
      await withOwnerConnection(deps, 'taalmel-retention', async (owner) => {
        for (const item of due.slice(0, input.limit)) {
          Context.current().heartbeat({ clientId: item.clientId, period: item.period, dataClass: item.dataClass });
          const outcome = await ownerTransaction(owner, { firmId: input.firmId, actor: ACTOR }, (trx) => purgeRetentionItem(trx, input.firmId, input.runId, item));
          if (outcome.outcome === 'purged') result.purged += 1;
          else if (outcome.outcome === 'already_purged') result.alreadyPurged += 1;
          else result.skipped += 1;
        }
      });
      // Only when this batch made progress: an item that keeps being skipped cannot loop the run.
      result.more = due.length > input.limit && result.purged + result.alreadyPurged > 0;
      deps.logger.info({ firmId: input.firmId, runId: input.runId, ...result }, 'retention: batch purged');
      return result;
    },

    async finishRetentionRun(input: { firmId: string; runId: string; status: 'completed' | 'failed'; failure: string | null }): Promise<RetentionTotals> {
      return inFirmJobTransaction(deps.knex, input.firmId, JOB, async (trx) => {
        const totals = await retentionRunTotals(trx, input.firmId, input.runId);
        await trx('retention_runs')
          .where({ id: input.runId })
          .update({ status: input.status, totals: JSON.stringify(totals), failure_reason: input.failure?.slice(0, 2000) ?? null, finished_at: trx.fn.now(), updated_at: trx.fn.now() });
        return totals;
      });
    },
  };
}
