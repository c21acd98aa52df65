/**
 * What a worker can see of the database it serves: proves, end to end, that a workflow reached an
 * activity, the activity reached PostgreSQL through the application role, and the schema is current.
 */
import type { Knex } from 'knex';
import { migrationStatus } from '../db/migrator';

export type DatabaseDescription = {
  serverVersion: string;
  currentUser: string;
  isSuperuser: boolean;
  bypassesRls: boolean;
  latestMigration: string | null;
  migrationCount: number;
};

export function createSelfCheckActivities(deps: { knex: Knex }) {
  return {
    async describeDatabase(): Promise<DatabaseDescription> {
      const { rows } = await deps.knex.raw<{ rows: Array<{ version: string; current_user: string; rolsuper: boolean; rolbypassrls: boolean }> }>(
        `select current_setting('server_version') as version, current_user, r.rolsuper, r.rolbypassrls
           from pg_roles r where r.rolname = current_user`,
      );
      const row = rows[0];
      if (!row) throw new Error('current_user has no pg_roles row');
      const status = await migrationStatus(deps.knex);
      return {
        serverVersion: row.version,
        currentUser: row.current_user,
        isSuperuser: row.rolsuper,
        bypassesRls: row.rolbypassrls,
        latestMigration: status.latest,
        migrationCount: status.count,
      };
    },
  };
}

export type SelfCheckActivities = ReturnType<typeof createSelfCheckActivities>;
