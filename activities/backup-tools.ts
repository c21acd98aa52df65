/**
 * pg_dump and pg_restore as child processes. They must be the server's major version: pg_dump
 * refuses a newer server, and a dump from a newer pg_dump may not restore with an older pg_restore.
 * The password travels in the environment (PGPASSWORD), never on the command line where `ps` shows it.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ClientBase } from 'pg';

const execFileAsync = promisify(execFile);

export type ToolPaths = { pgDump: string; pgRestore: string };

export type ToolVersion = { binary: string; version: string; major: number };

/** A definitive problem with the tools or the setup: retrying will not help, a person must act. */
export class BackupSetupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackupSetupError';
  }
}

const INSTALL_HINT = (major: number) =>
  `install the PostgreSQL ${major} client tools (Debian/Ubuntu: \`apt-get install postgresql-client-${major}\`, ` +
  `from apt.postgresql.org when your release lacks it) and point BACKUP_PG_DUMP_PATH and BACKUP_PG_RESTORE_PATH at them`;

export async function toolVersion(binary: string): Promise<ToolVersion> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(binary, ['--version'], { timeout: 15_000 }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BackupSetupError(
      code === 'ENOENT'
        ? `${binary} was not found (set BACKUP_PG_DUMP_PATH / BACKUP_PG_RESTORE_PATH, or put it on PATH)`
        : `${binary} --version failed: ${(error as Error).message}`,
    );
  }
  // "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(stdout);
  if (!match) throw new BackupSetupError(`${binary} --version printed something unexpected: ${stdout.trim()}`);
  return { binary, version: stdout.trim(), major: Number(match[1]) };
}

export type ServerVersion = { version: string; versionNum: number; major: number };

export async function serverVersionOf(client: ClientBase): Promise<ServerVersion> {
  const { rows } = await client.query<{ version: string; num: string }>(
    `select current_setting('server_version') as version, current_setting('server_version_num') as num`,
  );
  const row = rows[0];
  if (!row) throw new Error('the server did not report its version');
  const versionNum = Number(row.num);
  return { version: row.version, versionNum, major: Math.floor(versionNum / 10_000) };
}

/** Refuses a tool whose major version differs from the server's, saying what to install. */
export function assertSameMajor(tool: ToolVersion, server: ServerVersion): void {
  if (tool.major === server.major) return;
  const name = path.basename(tool.binary);
  throw new BackupSetupError(
    `${name} at ${tool.binary} is PostgreSQL ${tool.major} but the server is PostgreSQL ${server.major} (${server.version}): ${INSTALL_HINT(server.major)}`,
  );
}

/** How libpq tools reach a database: a password-less connection string plus PGPASSWORD. */
export function libpqTarget(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: '15' };
  if (password) env.PGPASSWORD = password;
  else delete env.PGPASSWORD;
  return { dbname: parsed.toString(), env };
}

export type RunToolOptions = {
  env: NodeJS.ProcessEnv;
  /**
   * Aborting stops the tool (an activity's cancellation, or a failure elsewhere in the step): SIGTERM,
   * then SIGKILL if it has not exited after `killAfterMs`. The promise then rejects with the
   * signal's reason (an activity's CancelledFailure) once the tool has exited, never before.
   */
  signal?: AbortSignal;
  /** Called every `tickMs` while the tool runs: the activity heartbeats from here. */
  onTick?: () => void;
  tickMs?: number;
  /** After a stop, how long the tool has before SIGKILL (default TOOL_KILL_AFTER_MS). */
  killAfterMs?: number;
};

/** How long a stopped tool has to exit on SIGTERM (pg_dump and pg_restore close their connection) before SIGKILL. */
export const TOOL_KILL_AFTER_MS = 5_000;

function stopReason(signal: AbortSignal, binary: string): unknown {
  return signal.reason ?? new Error(`${path.basename(binary)} was stopped`);
}

/** Runs a tool to completion; a non-zero exit rejects with the end of its stderr. */
export function runTool(binary: string, args: string[], options: RunToolOptions): Promise<void> {
  const { signal } = options;
  // Already cancelled: do not start it at all.
  if (signal?.aborted) return Promise.reject(stopReason(signal, binary));
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env: options.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8_000);
    });
    const tick = options.onTick ? setInterval(options.onTick, options.tickMs ?? 5_000) : null;
    let killer: NodeJS.Timeout | null = null;
    const abort = () => {
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? TOOL_KILL_AFTER_MS);
    };
    signal?.addEventListener('abort', abort, { once: true });
    let settled = false;
    const finish = (error: unknown) => {
      if (settled) return;
      settled = true;
      if (tick) clearInterval(tick);
      if (killer) clearTimeout(killer);
      signal?.removeEventListener('abort', abort);
      if (error) reject(error);
      else resolve();
    };
    child.once('error', (error) => finish(child.pid === undefined ? new BackupSetupError(`${binary} could not start: ${error.message}`) : error));
    // A stopped tool is done once it has exited (a process it started could hold stderr open longer).
    child.once('exit', () => {
      if (signal?.aborted) finish(stopReason(signal, binary));
    });
    child.once('close', (code, killedBy) => {
      if (signal?.aborted) finish(stopReason(signal, binary));
      else if (code === 0) finish(null);
      else {
        const why = killedBy ? `was killed by ${killedBy}` : `exited with ${code}`;
        finish(new Error(`${path.basename(binary)} ${why}${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
      }
    });
  });
}
