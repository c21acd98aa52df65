import type { Knex } from 'knex';
import { auditTriggerSql } from '../audit-triggers';

/**
 * `client_erasures.started_run_token`: the run token whose workflow start Temporal accepted (or whose
 * run a request or status read saw). Temporal forgets a closed run after the namespace's retention;
 * without this column an erasure left `running` whose run closed and was forgotten looked like a
 * decision whose start never happened, and was started again without a restart audit event. With it,
 * a record whose current token is known to have started, and whose run Temporal no longer shows, is a
 * run that ended: restarted (audited) like any other (docs/data-export-and-erasure.md, "Client
 * erasure"). Null until a start is recorded, and for erasures whose runs carry no token.
 *
 * Recording a start is bookkeeping, not a decision (the decision and its audit event were written
 * before the start): the audit trigger is recreated with the column as a quiet one, so that write
 * adds no event and takes no audit lock.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE client_erasures ADD COLUMN started_run_token uuid');
  await knex.raw('DROP TRIGGER client_erasures_audit ON client_erasures');
  await knex.raw(auditTriggerSql('client_erasures', 'client_erasure', [], ['started_run_token']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER client_erasures_audit ON client_erasures');
  await knex.raw(auditTriggerSql('client_erasures', 'client_erasure', [], []));
  await knex.raw('ALTER TABLE client_erasures DROP COLUMN started_run_token');
}
