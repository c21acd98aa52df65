import type { Knex } from 'knex';
import { auditTriggerSql } from '../audit-triggers';

/**
 * The checklist link's token hash becomes a secret column of the audit trail, as the invitation's
 * and the password reset's are (migration 013): migration 010 put `follow_up_links` under the
 * trail with no secret column, so each link's SHA-256 was written into its audit snapshots, where
 * every firm admin and reviewer can read it. From now on it is written `[secret]`. Audit events
 * already written keep their snapshots: they are hash-chained, and rewriting them would break the
 * chain (docs/security-and-tenancy.md, "Audit trail").
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER follow_up_links_audit ON follow_up_links');
  await knex.raw(auditTriggerSql('follow_up_links', 'follow_up_link', ['token_hash'], ['last_used_at']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER follow_up_links_audit ON follow_up_links');
  await knex.raw(auditTriggerSql('follow_up_links', 'follow_up_link', [], ['last_used_at']));
}
