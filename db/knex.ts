/**
 * Two kinds of connection pools:
 * - the app pool: every connection switches to the application role (not superuser, not the
 *   tables' owner, no BYPASSRLS) as soon as it is created, so row-level security applies to every
 *   query the api and the activities make;
 * - the owner pool: migrations and platform maintenance (backups, audit tamper checks in tests).
 */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// Dates and timestamps come back as JS Dates; bigint counts as numbers (row counts fit).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export type DatabaseOptions = {
  url: string;
  poolMax?: number;
  /** When set, each pooled connection runs SET ROLE to it before first use. */
  appRole?: string;
  applicationName?: string;
  /** Where knex's own warnings go (it would print them to the console); errors are thrown anyway. */
  log?: { warn(message: string): void; error(message: string): void };
};

export function createKnex(options: DatabaseOptions): Knex {
  const { appRole } = options;
  return knexFactory({
    client: 'pg',
    connection: { connectionString: options.url, application_name: options.applicationName ?? 'taalmel' },
    pool: {
      min: 0,
      max: options.poolMax ?? 10,
      afterCreate(connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) {
        if (!appRole) {
          done(null, connection);
          return;
        }
        // Role names cannot be bound parameters; the config validated it as a plain identifier.
        connection.query(`SET ROLE ${pg.escapeIdentifier(appRole)}`).then(
          () => done(null, connection),
          (error: Error) => done(error, connection),
        );
      },
    },
    acquireConnectionTimeout: 10_000,
    log: {
      warn: (message: string) => options.log?.warn(message),
      error: (message: string) => options.log?.error(message),
      deprecate: (method: string, alternative: string) => options.log?.warn(`knex: ${method} is deprecated, use ${alternative}`),
      debug: () => undefined,
    },
  });
}

/** The same server, another database: used to create and drop scratch databases. */
export function databaseUrlFor(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function databaseNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}
