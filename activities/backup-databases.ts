/**
 * Databases beside the application's on the same server: the drill's scratch copies and the target
 * of a real restore. CREATE/DROP DATABASE may be issued from a connection to any database, so the
 * owner's own URL serves (the role needs CREATEDB, which the database owner of the embedded server
 * and of a typical managed server has).
 */
import pg from 'pg';
import { databaseNameOf, databaseUrlFor } from '../db/knex';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'taalmel-backup' });
  // A server that ends the connection between queries (a restore terminating sessions, a shutdown)
  // emits 'error' on the client; unheard, that event would end the worker. The next query rejects.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A connection for CREATE/DROP of `target`: never a connection to `target` itself. */
function maintenanceUrl(ownerUrl: string, target: string): string {
  return databaseNameOf(ownerUrl) === target ? databaseUrlFor(ownerUrl, 'postgres') : ownerUrl;
}

export async function databaseExists(ownerUrl: string, name: string): Promise<boolean> {
  return withClient(ownerUrl, async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    return (rowCount ?? 0) > 0;
  });
}

export async function createDatabase(ownerUrl: string, name: string): Promise<void> {
  await withClient(maintenanceUrl(ownerUrl, name), async (client) => {
    // template0: a clean copy, whatever someone added to template1.
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE template0 ENCODING 'UTF8'`);
  });
}

/** Drops the database, disconnecting anyone still in it; absent is fine. */
export async function dropDatabase(ownerUrl: string, name: string): Promise<void> {
  await withClient(maintenanceUrl(ownerUrl, name), async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  });
}

export async function renameDatabase(ownerUrl: string, from: string, to: string): Promise<void> {
  await withClient(maintenanceUrl(maintenanceUrl(ownerUrl, from), to), async (client) => {
    // RENAME needs the database idle: end the sessions still in it (ops stopped the services first).
    await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [from]);
    await client.query(`ALTER DATABASE ${pg.escapeIdentifier(from)} RENAME TO ${pg.escapeIdentifier(to)}`);
  });
}

/** What a database holds outside the system schemas: a restore refuses to overwrite a non-empty one. */
export async function userObjectCount(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `select (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname <> 'information_schema' and n.nspname !~ '^pg_' and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f'))
            + (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname <> 'information_schema' and n.nspname !~ '^pg_'
                  and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')) as n`,
    );
    return Number(rows[0]?.n ?? 0);
  });
}
