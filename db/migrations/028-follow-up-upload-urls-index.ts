import type { Knex } from 'knex';

/**
 * The client's link counts its upload URLs issued and neither used nor expired before it issues
 * another (docs/security-limits.md, "The client's link"): `link_id = ? AND status =
 * 'awaiting_upload' AND upload_expires_at > now()`, with the soonest expiry for Retry-After, under
 * the link row's lock. The index holds only the URLs still awaiting their file (a link's few, never
 * the files received), keyed by link and expiry: the count reads a link's own entries past now, and
 * the soonest is the first of them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX follow_up_files_awaiting_upload_idx ON follow_up_files (link_id, upload_expires_at) WHERE status = 'awaiting_upload'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS follow_up_files_awaiting_upload_idx');
}
