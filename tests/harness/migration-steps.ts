/**
 * For the tests of a data migration on a real PostgreSQL: undo one migration, run it again with
 * `migrateLatest` while recording which firm was in scope as each row changed, or run its step as
 * a role row-level security binds.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import { migrations } from '../../db/migrations';
import { migrateLatest } from '../../db/migrator';
import { TEST_APP_ROLE, type TestDatabase } from './database';

/** The product's migrations, as knex takes them for a single step down or up. */
export const productMigrations: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map((m) => m.name),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations.find((m) => m.name === name)!.module,
};

/** Undoes the one migration `name` (its down), so the next `migrateLatest` runs it again. */
export async function undoMigration(db: TestDatabase, name: string): Promise<void> {
  await db.owner.migrate.down({ migrationSource: productMigrations, name });
}

export type ScopeSeen = { tbl: string; row_firm: string; scope: string };

/**
 * Runs the pending migrations (expecting `name` alone) while a trigger on each of `tables` records,
 * for every row updated, its table, its firm and the firm in scope (`app.firm_id`). The harness's
 * owner is a superuser, whom row-level security does not bind, so only a migration's own filter
 * keeps each step to its firm: a row whose firm is not the scope's shows a step that leaked.
 */
export async function scopesSeenMigrating(db: TestDatabase, name: string, tables: readonly string[]): Promise<ScopeSeen[]> {
  await db.owner.raw(`
    CREATE TABLE test_scope_seen (tbl text, row_firm uuid, scope text);
    CREATE FUNCTION test_record_scope() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO test_scope_seen VALUES (TG_TABLE_NAME, NEW.firm_id, current_setting('app.firm_id', true)); RETURN NULL; END $$;
    ${tables.map((t) => `CREATE TRIGGER ${t}_test_scope_seen AFTER UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION test_record_scope();`).join('\n')}`);
  try {
    await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual([name]);
    return (await db.owner.raw('SELECT tbl, row_firm, scope FROM test_scope_seen')).rows;
  } finally {
    await db.owner.raw(`${tables.map((t) => `DROP TRIGGER ${t}_test_scope_seen ON ${t};`).join(' ')} DROP FUNCTION test_record_scope(); DROP TABLE test_scope_seen`);
  }
}

/**
 * Runs migration `name`'s up as the platform role (migration 008; the owner is a member of it): a
 * role row-level security binds and that may use the system context, as a production owner that
 * is no superuser.
 */
export async function runStepAsPlatformRole(db: TestDatabase, name: string): Promise<void> {
  const step = migrations.find((m) => m.name === name)!.module;
  await db.owner.transaction(async (trx) => {
    await trx.raw(`SET LOCAL ROLE ${pg.escapeIdentifier(`${TEST_APP_ROLE}_platform`)}`);
    await step.up(trx);
  });
}
