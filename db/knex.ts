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
  /**
   * Log in as the application role itself with this password, instead of as the URL's user (the
   * owner) followed by SET ROLE: such a connection cannot RESET ROLE or SET ROLE to anyone else.
   */
  appRolePassword?: string;
  applicationName?: string;
  /** Where knex's own warnings go (it would print them to the console); errors are thrown anyway. */
  log?: { warn(message: string): void; error(message: string): void };
  /** Server-side limits of every connection of this pool (see SessionTimeouts). */
  timeouts?: SessionTimeouts;
  /** How long a caller waits for a free connection before knex gives up (KnexTimeoutError). */
  acquireTimeoutMs?: number;
};

/**
 * Limits PostgreSQL enforces on each connection, so no caller can hold a connection or a lock
 * without bound: a statement that runs too long is cancelled, a lock wait ends with an error instead
 * of queueing forever, and a transaction left idle (its client hung or gone) is ended by the server,
 * which releases its locks and gives the connection back. 0 means no limit.
 */
export type SessionTimeouts = { statementMs: number; lockMs: number; idleInTransactionMs: number };

/** The api's requests: short statements, short lock waits, never a transaction idle for long. */
export const API_SESSION_TIMEOUTS: SessionTimeouts = { statementMs: 15_000, lockMs: 5_000, idleInTransactionMs: 10_000 };

/** Long jobs (the worker's activities) may run long statements, but never sit idle in a transaction. */
export const JOB_SESSION_TIMEOUTS: SessionTimeouts = { statementMs: 0, lockMs: 0, idleInTransactionMs: 10 * 60_000 };

/**
 * How often the server checks, while a statement runs or waits for a lock, that the client is still
 * there: a connection we cut (a stop past its grace) ends its backend within seconds, not when the
 * lock finally comes.
 */
const CLIENT_CHECK_MS = 2_000;

/** Every live connection of each pool, so a stop past its grace can cut them (destroyKnex). */
const connectionsOf = new WeakMap<Knex, Set<pg.Client>>();
/** The platform role of each pool that runs as an application role (see platformRoleOf). */
const platformRoles = new WeakMap<Knex, string>();

/** The platform role that goes with an application role (migration 008). */
export const platformRoleFor = (appRole: string) => `${appRole}_platform`;

/**
 * The role platform work of this pool switches to for one transaction (db/tenant.ts), or undefined
 * for a pool that connects as the owner (already a member of it).
 */
export function platformRoleOf(knex: Knex): string | undefined {
  return platformRoles.get(knex);
}

/** The URL with the application role as its user. */
function loginAs(url: string, role: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(role);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

export function createKnex(options: DatabaseOptions): Knex {
  const { appRole } = options;
  const connections = new Set<pg.Client>();
  const track = (connection: pg.Client) => {
    connections.add(connection);
    connection.once('end', () => connections.delete(connection));
  };
  const knex = knexFactory({
    client: 'pg',
    // The timeouts travel in the startup packet: set before the first query, no extra round trip.
    connection: {
      connectionString: appRole && options.appRolePassword ? loginAs(options.url, appRole, options.appRolePassword) : options.url,
      application_name: options.applicationName ?? 'taalmel',
      ...(options.timeouts
        ? {
            statement_timeout: options.timeouts.statementMs,
            lock_timeout: options.timeouts.lockMs,
            idle_in_transaction_session_timeout: options.timeouts.idleInTransactionMs,
            options: `-c client_connection_check_interval=${CLIENT_CHECK_MS}`,
          }
        : {}),
    },
    pool: {
      min: 0,
      max: options.poolMax ?? 10,
      afterCreate(connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) {
        track(connection);
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
    acquireConnectionTimeout: options.acquireTimeoutMs ?? 10_000,
    log: {
      warn: (message: string) => options.log?.warn(message),
      error: (message: string) => options.log?.error(message),
      deprecate: (method: string, alternative: string) => options.log?.warn(`knex: ${method} is deprecated, use ${alternative}`),
      debug: () => undefined,
    },
  });
  connectionsOf.set(knex, connections);
  if (appRole) platformRoles.set(knex, platformRoleFor(appRole));
  return knex;
}

/**
 * Closes a pool within a time limit. knex waits for every borrowed connection to come back, which a
 * request stuck on a lock may not do for a while; past the limit the remaining connections are cut
 * (their statements fail, their transactions are rolled back by the server) and the pool finishes.
 */
export async function destroyKnex(knex: Knex, limitMs: number): Promise<'clean' | 'cut'> {
  const destroyed = knex.destroy();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), limitMs);
  });
  const outcome = await Promise.race([destroyed.then(() => 'clean' as const), late]);
  clearTimeout(timer);
  if (outcome === 'clean') return 'clean';
  for (const connection of connectionsOf.get(knex) ?? []) {
    // end() sends Terminate and closes the socket; a pending query fails and knex lets it go.
    connection.end().catch(() => undefined);
  }
  // The cut connections fail their queries at once; should knex still not finish, stop waiting.
  await Promise.race([destroyed, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  return 'cut';
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
