import type { Knex } from 'knex';

/**
 * Re-linking a notice's reply to another notice of the same case (docs/notices.md "Re-linking a
 * reply"). Draft versions and reviews stay append only in their content: the application may now
 * change only which notice they belong to (`notice_id`, and `updated_at`), column by column, so the
 * database itself refuses any change to a draft's text, its cited documents, its author or a review's
 * decision. The audit trigger records each move with the row before and after.
 */
const MOVABLE = ['notice_drafts', 'notice_reviews'];

function columnGrants(): string {
  const statements = MOVABLE.map((table) => `EXECUTE format('GRANT UPDATE (notice_id, updated_at) ON ${table} TO %I', app_role);`).join('\n        ');
  // The application role's name is known only to the migration run (migrator.ts sets it).
  return `
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        ${statements}
      END IF;
    END $$;`;
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw(columnGrants());
}

/** Every role holding these column grants loses them (a bare knex rollback does not know the application role's name). */
const REVOKE_ALL = `
  DO $$
  DECLARE r record;
  BEGIN
    FOR r IN
      SELECT DISTINCT c.relname AS tbl, pg_get_userbyid(acl.grantee) AS grantee
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid, aclexplode(a.attacl) acl
      WHERE c.oid IN (${MOVABLE.map((t) => `'${t}'::regclass`).join(', ')}) AND a.attname IN ('notice_id', 'updated_at') AND acl.privilege_type = 'UPDATE' AND acl.grantee <> 0
    LOOP
      EXECUTE format('REVOKE UPDATE (notice_id, updated_at) ON %I FROM %I', r.tbl, r.grantee);
    END LOOP;
  END $$;`;

export async function down(knex: Knex): Promise<void> {
  await knex.raw(REVOKE_ALL);
}
