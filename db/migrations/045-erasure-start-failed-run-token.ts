import type { Knex } from 'knex';
import { auditTriggerSql } from '../audit-triggers';

/**
 * `client_erasures.start_failed_run_token`: the run token whose start the api asked Temporal for and
 * saw refused (the request answered 503). With `started_run_token` (migration 039) it tells the three
 * ways a `running` erasure can show no run of its current token in Temporal apart:
 * - its start is recorded: the run ended and Temporal forgot it (a restart);
 * - its start is recorded as refused: the start never happened (started, no restart);
 * - neither: the api stopped around the start, so a run may have been accepted and ended (terminated
 *   before its first step recorded it) and been forgotten since. That is taken for a restart too,
 *   audited, never for a first start (docs/data-export-and-erasure.md, "When nothing runs").
 * Bookkeeping like the recorded start, not a decision: a quiet column of the audit trigger.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE client_erasures ADD COLUMN start_failed_run_token uuid');
  await knex.raw('DROP TRIGGER client_erasures_audit ON client_erasures');
  await knex.raw(auditTriggerSql('client_erasures', 'client_erasure', [], ['started_run_token', 'start_failed_run_token']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER client_erasures_audit ON client_erasures');
  await knex.raw(auditTriggerSql('client_erasures', 'client_erasure', [], ['started_run_token']));
  await knex.raw('ALTER TABLE client_erasures DROP COLUMN start_failed_run_token');
}
