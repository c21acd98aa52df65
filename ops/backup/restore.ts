/**
 * A real restore of a backup into a database on the same server, for `npm run ops:restore`. It runs
 * in the command's own process, not on a worker: on the day it is needed, the workers may be down.
 *
 * 1. Find the backup: in the catalogue, or (the database being lost) by its manifest in the folder.
 * 2. Verify the file's SHA-256 against what was recorded.
 * 3. An absent or empty target is restored into directly. A non-empty target is refused unless
 *    `force`; with `force` the dump is restored into a new database beside it, checked, and only
 *    then swapped in by renaming: the old one is kept as `<target>_before_<time>`, not dropped.
 * 4. pg_restore in a single transaction (all or nothing), then exact row counts compared with the
 *    backup's; a copy that does not match is dropped and the target left as it was.
 * 5. The erasure log is re-applied to the copy (activities/erasure-log.ts): a client erased after the
 *    backup was taken is erased again before the copy goes live.
 * 6. Every session in the copy is revoked (a sign-out made after the backup must not be undone), and
 *    the copy's backup catalogue is made the true one (restore-aftercare.ts).
 *
 * Replacing a database the api, worker or scheduler is connected to is refused: they would go on
 * writing to the renamed old one, or fail underneath. Stop them first.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import fs from 'node:fs';
import { compareCounts, describeMismatches, totalRows, type DatabaseCounts } from '../../domain/backup-counts';
import { databaseNameOf, databaseUrlFor } from '../../db/knex';
import { findBackup } from '../../db/models/backup-catalogue';
import { scrubDatabaseError } from '../../db/scrub-db-error';
import { createDatabase, databaseExists, dropDatabase, renameDatabase, userObjectCount } from '../../activities/backup-databases';
import { countDatabase, restoreDump } from '../../activities/backup-drill';
import { findManifest, resolveInBackupDir, sha256File } from '../../activities/backup-files';
import { ownerKnex } from './command';
import { reapplyErasures } from '../../activities/erasure-log';
import { carryCatalogue, readCatalogue, revokeRestoredSessions } from './restore-aftercare';

export type RestoreOptions = {
  /** The database owner's URL on the server to restore to (DATABASE_URL). */
  ownerUrl: string;
  backupDir: string;
  pgRestorePath: string;
  backupId: string;
  target: string;
  force: boolean;
  say?: (line: string) => void;
  now?: Date;
  /** The erasure log to re-apply to the restored copy (absent: nothing to re-apply). */
  erasureLogDir?: string;
};

export type RestoreResult = {
  target: string;
  previousRenamedTo: string | null;
  tables: number;
  rows: number;
  source: 'catalogue' | 'manifest';
  durationMs: number;
  /** Erasures of the log that the backup predated, applied again to the copy. */
  erasuresReapplied: string[];
  /** Sessions of the copy revoked: everyone signs in again. */
  sessionsRevoked: number;
  /** Catalogue rows set from the catalogue before the restore and the backup folder's manifests. */
  catalogueRowsCarried: number;
};

export class RestoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The services' connections (ops/services.ts names them); ops commands use other names. */
const SERVICE_APPLICATIONS = ['taalmel-api', 'taalmel-worker'];

/** The api and worker processes connected to `database` right now (the scheduler uses only Temporal). */
async function serviceConnections(owner: Knex, database: string): Promise<string[]> {
  const { rows } = await owner.raw(
    'select application_name as name, count(*)::int as n from pg_stat_activity where datname = ? and application_name = any(?) group by application_name order by 1',
    [database, SERVICE_APPLICATIONS],
  );
  return (rows as Array<{ name: string; n: number }>).map((r) => `${r.name} (${r.n})`);
}

type Located = { dumpPath: string; sha256: string; counts: DatabaseCounts; source: 'catalogue' | 'manifest' };

async function locate(options: RestoreOptions, say: (line: string) => void): Promise<Located> {
  try {
    const knex = ownerKnex(options.ownerUrl);
    const row = await findBackup(knex, options.backupId).finally(() => knex.destroy());
    if (row?.file && row.sha256 && row.counts) {
      if (row.status !== 'verified') say(`warning: ${options.backupId} is "${row.status}" (drill ${row.drill_status}): it has not been proven by a passing drill`);
      return { dumpPath: resolveInBackupDir(options.backupDir, row.file), sha256: row.sha256, counts: row.counts, source: 'catalogue' };
    }
  } catch (error) {
    say(`the catalogue could not be read (${scrubDatabaseError(error as Error).message}); looking for the backup's manifest in ${options.backupDir}`);
  }
  const found = findManifest(options.backupDir, options.backupId);
  if (!found) throw new RestoreRefused(`backup ${options.backupId} is neither in the catalogue nor in ${options.backupDir}`);
  return { dumpPath: found.dumpPath, sha256: found.manifest.sha256, counts: found.manifest.counts, source: 'manifest' };
}

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15); // 20261120_093012
}

export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const say = options.say ?? (() => undefined);
  const started = Date.now();
  const { target, ownerUrl } = options;
  if (!DATABASE_NAME.test(target)) throw new RestoreRefused(`"${target}" is not a plain database name (lower-case letters, digits, _)`);

  const backup = await locate(options, say);
  if (!fs.existsSync(backup.dumpPath)) throw new RestoreRefused(`the backup file ${backup.dumpPath} is missing`);
  say(`verifying the SHA-256 of ${backup.dumpPath}`);
  const actual = await sha256File(backup.dumpPath);
  if (actual !== backup.sha256) throw new RestoreRefused(`checksum mismatch: ${backup.dumpPath} has SHA-256 ${actual}, recorded ${backup.sha256}; refusing to restore it`);

  const exists = await databaseExists(ownerUrl, target);
  const objects = exists ? await userObjectCount(databaseUrlFor(ownerUrl, target)) : 0;
  if (objects > 0 && !options.force) {
    throw new RestoreRefused(`database ${target} is not empty (${objects} tables, views, sequences or functions); rerun with --force to replace it (the current one is kept, renamed)`);
  }

  const replacing = objects > 0;
  const owner = ownerKnex(ownerUrl);
  const [connected, catalogueBefore] = await Promise.all([replacing ? serviceConnections(owner, target) : [], readCatalogue(owner)]).finally(() => owner.destroy());
  if (connected.length) {
    throw new RestoreRefused(`database ${target} is in use by ${connected.join(', ')}: stop the api, worker and scheduler first (Ctrl-C for \`npm start\`), then restore`);
  }
  const restoreInto = replacing ? `${target.slice(0, 40)}_restoring_${randomBytes(4).toString('hex')}` : target;
  if (!exists || replacing) await createDatabase(ownerUrl, restoreInto);
  try {
    say(`restoring into ${restoreInto}`);
    await restoreDump({ ownerUrl, database: restoreInto, dumpPath: backup.dumpPath, pgRestorePath: options.pgRestorePath, singleTransaction: true });
    const counts = await countDatabase(ownerUrl, restoreInto);
    const mismatches = compareCounts(backup.counts, counts);
    if (mismatches.length) throw new Error(describeMismatches(mismatches));
    say(`restored ${Object.keys(counts.tables).length} tables, ${totalRows(counts)} rows: the counts match the backup's`);
    const copy = ownerKnex(databaseUrlFor(ownerUrl, restoreInto));
    let erasuresReapplied: string[] = [];
    let sessionsRevoked = 0;
    let catalogueRowsCarried = 0;
    try {
      if (options.erasureLogDir) erasuresReapplied = await reapplyErasures(copy, options.erasureLogDir, say);
      sessionsRevoked = await revokeRestoredSessions(copy);
      say(`revoked ${sessionsRevoked} session(s) the backup held: everyone signs in again`);
      catalogueRowsCarried = await carryCatalogue(copy, catalogueBefore, options.backupDir);
      say(`backup catalogue: ${catalogueRowsCarried} row(s) set from the catalogue before the restore and the manifests in ${options.backupDir}`);
    } finally {
      await copy.destroy();
    }

    let previousRenamedTo: string | null = null;
    if (replacing) {
      previousRenamedTo = `${target.slice(0, 40)}_before_${stamp(options.now ?? new Date())}`;
      if (databaseNameOf(ownerUrl) === target) say(`note: ${target} is DATABASE_URL's own database; its open sessions are ended`);
      await renameDatabase(ownerUrl, target, previousRenamedTo);
      await renameDatabase(ownerUrl, restoreInto, target);
      say(`${target} replaced; the previous database is kept as ${previousRenamedTo} (drop it once satisfied)`);
    }
    return { target, previousRenamedTo, tables: Object.keys(counts.tables).length, rows: totalRows(counts), source: backup.source, durationMs: Date.now() - started, erasuresReapplied, sessionsRevoked, catalogueRowsCarried };
  } catch (error) {
    // Leave nothing half-restored: the copy goes (a replaced target was never touched).
    if (replacing || !exists) await dropDatabase(ownerUrl, restoreInto).catch(() => undefined);
    throw error;
  }
}
