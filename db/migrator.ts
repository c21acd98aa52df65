/**
 * Migrations are TypeScript modules listed in db/migrations/index.ts, so they load the same way
 * under tsx, jest and compiled JavaScript (knex's own directory scanning would need a loader).
 * They run as the tables' owner on a single connection that carries the application role's name
 * in the session setting `taalmel.app_role`, which the migrations use to grant privileges.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import { createKnex } from './knex';
import { migrations } from './migrations';

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map((m) => m.name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = migrations.find((m) => m.name === name);
    if (!found) throw new Error(`Unknown migration ${name}`);
    return found.module;
  },
};

export type MigrateOptions = { url: string; appRole: string };

export async function migrateLatest(options: MigrateOptions): Promise<string[]> {
  const owner = createKnex({ url: options.url, poolMax: 1, applicationName: 'taalmel-migrate' });
  try {
    await owner.raw(`select set_config('taalmel.app_role', ?, false)`, [options.appRole]);
    const [, applied] = (await owner.migrate.latest({ migrationSource: source })) as [number, string[]];
    return applied;
  } finally {
    await owner.destroy();
  }
}

/**
 * The last migration of the list up to which every one has run. Numbers are handed out ahead of
 * merging, so a database may run 017 after 019: the order they ran in says nothing, and a schema
 * missing an earlier migration is not at the latest one whatever ran last.
 */
export function appliedThrough(listed: string[], applied: Iterable<string>): string | null {
  const done = new Set(applied);
  let through: string | null = null;
  for (const name of listed) {
    if (!done.has(name)) break;
    through = name;
  }
  return through;
}

export async function migrationStatus(knex: Knex): Promise<{ latest: string | null; count: number }> {
  const rows: Array<{ name: string }> = await knex('knex_migrations').select('name').orderBy('id');
  return { latest: appliedThrough(migrations.map((m) => m.name), rows.map((r) => r.name)), count: rows.length };
}

export const latestMigrationName: string | null = migrations.at(-1)?.name ?? null;

/**
 * Lets the application role log in with this password (run by the owner). Production operators do
 * this once themselves; the dev stack does it with a password of its own at every start.
 */
export async function setAppRolePassword(owner: Knex, appRole: string, password: string): Promise<void> {
  // ALTER ROLE takes no bound parameters: the name is quoted as an identifier, the password as a literal.
  await owner.raw(`ALTER ROLE ${pg.escapeIdentifier(appRole)} WITH LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
}
