/**
 * The backup folder (BACKUP_DIR). Layout, meant to be synced as-is to object storage:
 *
 *   <BACKUP_DIR>/<YYYY>/<MM>/<backup id>.dump           pg_dump custom format
 *   <BACKUP_DIR>/<YYYY>/<MM>/<backup id>.dump.sha256    `sha256sum -c` format
 *   <BACKUP_DIR>/<YYYY>/<MM>/<backup id>.manifest.json  id, time, size, checksum, versions, row counts
 *
 * The manifest makes each dump self-describing: the catalogue lives in the database being backed
 * up, so after losing that database the manifest is what a restore checks the copy against.
 * Year and month are UTC. A dump is written as `.partial` and renamed only once complete.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseCounts } from '../domain/backup-counts';

export type BackupManifest = {
  id: string;
  createdAt: string;
  file: string;
  sizeBytes: number;
  sha256: string;
  database: string;
  serverVersion: string;
  pgDumpVersion: string;
  schemaMigration: string | null;
  counts: DatabaseCounts;
};

export function backupRelativePath(backupId: string, createdAt: Date): string {
  const year = String(createdAt.getUTCFullYear());
  const month = String(createdAt.getUTCMonth() + 1).padStart(2, '0');
  return path.posix.join(year, month, `${backupId}.dump`);
}

/** The absolute path of a catalogued file, refusing anything that would leave the backup folder. */
export function resolveInBackupDir(dir: string, relative: string): string {
  const root = path.resolve(dir);
  const full = path.resolve(root, relative);
  if (!full.startsWith(root + path.sep)) throw new Error(`backup file ${relative} is outside the backup folder ${root}`);
  return full;
}

export function sidecarPaths(dumpPath: string): { sha256: string; manifest: string } {
  return { sha256: `${dumpPath}.sha256`, manifest: dumpPath.replace(/\.dump$/, '') + '.manifest.json' };
}

/**
 * SHA-256 of a file, streamed (dumps can be large); `onProgress` gets the bytes read so far. Aborting
 * `signal` stops it with the signal's reason (an activity's cancellation).
 */
export async function sha256File(file: string, onProgress?: (bytes: number) => void, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    signal?.throwIfAborted();
    hash.update(chunk);
    bytes += chunk.length;
    onProgress?.(bytes);
  }
  return hash.digest('hex');
}

export function writeSidecars(dumpPath: string, manifest: BackupManifest): void {
  const paths = sidecarPaths(dumpPath);
  fs.writeFileSync(paths.sha256, `${manifest.sha256}  ${path.basename(dumpPath)}\n`, { mode: 0o600 });
  fs.writeFileSync(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
}

/** Deletes a dump and its sidecars; files already gone are fine (a previous attempt got there). */
export function removeBackupFiles(dumpPath: string): void {
  const paths = sidecarPaths(dumpPath);
  for (const file of [dumpPath, `${dumpPath}.partial`, paths.sha256, paths.manifest]) fs.rmSync(file, { force: true });
}

/** Finds a backup's manifest by id when the catalogue is not available (the database is lost). */
export function findManifest(dir: string, backupId: string): { manifest: BackupManifest; dumpPath: string } | null {
  const root = path.resolve(dir);
  if (!fs.existsSync(root)) return null;
  const wanted = `${backupId}.manifest.json`;
  for (const year of fs.readdirSync(root)) {
    const yearDir = path.join(root, year);
    if (!fs.statSync(yearDir).isDirectory()) continue;
    for (const month of fs.readdirSync(yearDir)) {
      const candidate = path.join(yearDir, month, wanted);
      if (fs.existsSync(candidate)) {
        const manifest = JSON.parse(fs.readFileSync(candidate, 'utf8')) as BackupManifest;
        return { manifest, dumpPath: resolveInBackupDir(root, manifest.file) };
      }
    }
  }
  return null;
}

/**
 * Creates (or empties) a file readable by this user only, before a tool writes into it: pg_dump
 * keeps the mode of a file that exists, so a dump in progress is never readable by others (a new
 * file would get the process's umask, typically world-readable).
 */
export function createPrivateFile(file: string): void {
  fs.writeFileSync(file, '', { mode: 0o600 });
  fs.chmodSync(file, 0o600); // writeFileSync keeps the mode of a file left by an earlier attempt
}
