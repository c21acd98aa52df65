/**
 * What a restored copy needs before it goes live, besides the erasure log (activities/erasure-log.ts):
 *
 * - Sessions. A backup holds the sessions that were open when it was taken; a sign-out, a password
 *   change or an admin's revocation made since then is not in it. Every session the copy holds is
 *   therefore revoked (reason `restored_from_backup`), so no token issued before the restore is
 *   accepted again: everyone signs in afresh. One owner transaction per firm, with the firm's scope,
 *   so the audit trail records each revocation as `auth.session_revoked` by `system:restore`.
 * - The backup catalogue. The copy's `backups` rows are those of the moment of the dump (the backup
 *   restored from is still "running" in it, later backups are absent). The catalogue is platform
 *   bookkeeping about files outside the database, so the truth is carried over: the rows of the
 *   catalogue as it stood before the restore (when it can still be read), then, for any backup whose
 *   files are in the folder but whose row is missing or unfinished, the row its manifest describes
 *   (status `dumped`: its drill is not known).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { applyScope, setAuditAction } from '../../db/tenant';
import { BACKUPS_TABLE, listBackups, type BackupRow } from '../../db/models/backup-catalogue';
import type { BackupManifest } from '../../activities/backup-files';

export const RESTORE_REVOKE_REASON = 'restored_from_backup';

/** Revokes every session still open in the restored copy; returns how many. */
export async function revokeRestoredSessions(copy: Knex): Promise<number> {
  // Firm tables are under forced row-level security, the owner too: the firms are listed in the
  // platform's system context, and each firm's sessions are seen in that firm's scope only.
  const firms = await copy.transaction(async (trx) => {
    await applyScope(trx, { firmId: '', actor: { userId: null, email: 'system:restore', role: 'system' }, system: true });
    return (await trx('firms').select('id')) as Array<{ id: string }>;
  });
  let revoked = 0;
  for (const { id: firmId } of firms) {
    revoked += await copy.transaction(async (trx): Promise<number> => {
      await applyScope(trx, { firmId, actor: { userId: null, email: 'system:restore', role: 'system' } });
      await setAuditAction(trx, 'auth.session_revoked');
      return (await trx('sessions').where({ firm_id: firmId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now(), revoked_reason: RESTORE_REVOKE_REASON, updated_at: trx.fn.now() })) as number;
    });
  }
  return revoked;
}

const JSON_COLUMNS = ['counts', 'drill_durations', 'drill_counts', 'drill_mismatches', 'drill_checks'] as const;

/**
 * A row as knex inserts it: jsonb columns as JSON text (pg would send a JS array as a SQL array),
 * and only the columns the copy's table has: a backup taken before a migration that added one
 * (`columns`) is restored with the older table, and its restore must not fail on the newer column.
 */
function insertable(row: Partial<BackupRow>, columns: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (!columns.has(column)) continue;
    out[column] = value !== undefined && value !== null && (JSON_COLUMNS as readonly string[]).includes(column) ? JSON.stringify(value) : value;
  }
  return out;
}

function manifests(dir: string): BackupManifest[] {
  const found: BackupManifest[] = [];
  if (!fs.existsSync(dir)) return found;
  // <dir>/<YYYY>/<MM>/<id>.manifest.json (activities/backup-files.ts)
  for (const year of fs.readdirSync(dir).filter((y) => /^\d{4}$/.test(y))) {
    for (const month of fs.readdirSync(path.join(dir, year)).filter((m) => /^\d{2}$/.test(m))) {
      const monthDir = path.join(dir, year, month);
      for (const file of fs.readdirSync(monthDir).filter((f) => f.endsWith('.manifest.json'))) {
        try {
          found.push(JSON.parse(fs.readFileSync(path.join(monthDir, file), 'utf8')) as BackupManifest);
        } catch {
          // A manifest that cannot be read describes nothing; the catalogue keeps what it had.
        }
      }
    }
  }
  return found;
}

function fromManifest(m: BackupManifest): Partial<BackupRow> {
  return {
    id: m.id,
    file: m.file,
    size_bytes: m.sizeBytes,
    sha256: m.sha256,
    server_version: m.serverVersion,
    pg_dump_version: m.pgDumpVersion,
    schema_migration: m.schemaMigration,
    counts: m.counts,
    dump_finished_at: new Date(m.createdAt),
    status: 'dumped',
    failure_reason: null,
  };
}

/**
 * Makes the copy's catalogue the true one: `before` is the catalogue as it stood before the restore
 * (null when it could not be read), `backupDir` the folder of the dumps. Returns the rows changed.
 */
export async function carryCatalogue(copy: Knex, before: BackupRow[] | null, backupDir: string): Promise<number> {
  return copy.transaction(async (trx) => {
    let changed = 0;
    // The copy's own columns (none: a backup from before the catalogue existed, nothing to carry).
    const columns = new Set(Object.keys(await trx(BACKUPS_TABLE).columnInfo()));
    if (columns.size === 0) return 0;
    for (const row of before ?? []) {
      await trx(BACKUPS_TABLE).insert(insertable(row, columns)).onConflict('id').merge();
      changed += 1;
    }
    const rows = new Map((await listBackups(trx)).map((r) => [r.id, r]));
    for (const manifest of manifests(backupDir)) {
      const row = rows.get(manifest.id);
      if (row && row.status !== 'running') continue;
      const known = fromManifest(manifest);
      if (row) {
        await trx(BACKUPS_TABLE).where({ id: manifest.id }).update(insertable({ ...known, updated_at: new Date() }, columns));
      } else {
        // The id is also its workflow id (workflows/backup-definitions.ts); the run is not known.
        const kind = /^backup-\d{4}-\d{2}-\d{2}$/.test(manifest.id) ? 'scheduled' : 'on_demand';
        await trx(BACKUPS_TABLE).insert(insertable({ ...known, kind, workflow_id: manifest.id, workflow_run_id: '', created_at: new Date(manifest.createdAt) }, columns));
      }
      changed += 1;
    }
    return changed;
  });
}

/** The catalogue before the restore, from DATABASE_URL's database; null when it cannot be read. */
export async function readCatalogue(owner: Knex): Promise<BackupRow[] | null> {
  try {
    return await listBackups(owner);
  } catch {
    return null;
  }
}
