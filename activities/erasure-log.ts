/**
 * After a restore, erase again every client the erasure log names that the restored copy still
 * holds: a backup taken before an erasure must not bring the client back. The log lives outside the
 * database (one `<erasure id>.json` per erasure, ids only), so it survives the restore. Each
 * erasure runs in its own owner transaction with the same code as the erasure workflow; a client
 * already absent is skipped, so re-applying twice changes nothing. Firm deletions in the log
 * (firm-deletion-log.ts) are re-applied after the client erasures. `ops:restore` re-applies it to
 * the copy it puts live; the restore drill re-applies it to its scratch copy and checks the result.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { CLIENT_ID_TABLES_SQL, CLIENT_TABLES } from '../db/client-data-catalogue';
import { erasureRows, mergeParentIds, type ParentIds } from '../db/client-data';
import { eraseClientRows } from '../db/client-erasure';
import { countClientNotifications, eraseClientNotifications } from '../db/client-notifications';
import type { DrillCheckResult } from '../db/models/backup-catalogue';
import { applyScope } from '../db/tenant';
import { clientErasureWorkflowId } from '../workflows/client-erasure-definitions';
import { firmDeletionLeftovers, reapplyFirmDeletions } from './firm-deletion-log';

/**
 * One erasure in the log. `parentIds`: the client's notice ids the deletion read (ids only), by
 * which the drill counts a notice's rows left behind once the notice is gone; absent from entries
 * written before they were kept.
 */
export type ErasureLogEntry = { erasureId: string; firmId: string; clientId: string; dataDeletedAt: string; parentIds?: ParentIds };

export function readErasureLog(dir: string): ErasureLogEntry[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^[0-9a-f-]{36}\.json$/.test(f))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ErasureLogEntry)
    .sort((a, b) => a.dataDeletedAt.localeCompare(b.dataDeletedAt));
}

/** Re-applies the log to the database behind `owner` (the restored copy); returns the erasures applied. */
export async function reapplyErasures(owner: Knex, logDir: string, say: (line: string) => void = () => undefined): Promise<string[]> {
  const applied: string[] = [];
  for (const entry of readErasureLog(logDir)) {
    const done = await owner.transaction(async (trx) => {
      await applyScope(trx, { firmId: entry.firmId, actor: { userId: null, email: 'system:restore', role: 'system' } });
      const client = await trx('clients').where({ id: entry.clientId, firm_id: entry.firmId }).first('id');
      if (!client) {
        // Erased before erasures took the firm's notifications about the client along: take them now.
        await eraseClientNotifications(trx, { clientIds: [entry.clientId], parentIds: entry.parentIds ?? {} });
        return false;
      }
      const deleted = await eraseClientRows(trx, entry);
      const record = {
        status: 'completed',
        deleted: JSON.stringify(deleted),
        data_deleted_at: trx.fn.now(),
        completed_at: trx.fn.now(),
        updated_at: trx.fn.now(),
      };
      // The restored copy may hold the erasure's row from before it finished, or none at all.
      await trx('client_erasures')
        .insert({ id: entry.erasureId, firm_id: entry.firmId, client_id: entry.clientId, workflow_id: clientErasureWorkflowId(entry.firmId, entry.clientId), reason: `re-applied after a restore (erased ${entry.dataDeletedAt})`, ...record })
        .onConflict(['firm_id', 'client_id'])
        .merge(record);
      return true;
    });
    if (done) {
      say(`re-applied erasure ${entry.erasureId} (client ${entry.clientId} of firm ${entry.firmId}, erased ${entry.dataDeletedAt})`);
      applied.push(entry.erasureId);
    }
  }
  // Then what is left of deleted firms (their clients' erasures are in the log above).
  applied.push(...(await reapplyFirmDeletions(owner, logDir, say)));
  return applied;
}

/**
 * Rows of a logged client still in the copy, per table (tables an erasure keeps are not counted).
 * A table reached through a parent is counted by the parent ids the erasures kept (client-data.ts,
 * erasureRows): those in the log, and those in the copy's erasure records (a re-applied erasure
 * writes the ids it read in this copy). A row whose parent was another client's is not counted.
 * The owner connection is firm-wide, as the counts need.
 */
async function leftovers(owner: Knex, log: readonly ErasureLogEntry[]): Promise<Record<string, number>> {
  const left: Record<string, number> = {};
  if (log.length === 0) return left;
  let parentIds: ParentIds = {};
  for (const entry of log) parentIds = mergeParentIds(parentIds, entry.parentIds);
  const records = (await owner('client_erasures').whereIn('id', log.map((e) => e.erasureId)).select('deleted')) as Array<{ deleted: { parentIds?: ParentIds } | null }>;
  for (const record of records) parentIds = mergeParentIds(parentIds, record.deleted?.parentIds);
  const scope = { clientIds: [...new Set(log.map((e) => e.clientId))], parentIds };
  const { rows } = await owner.raw(CLIENT_ID_TABLES_SQL);
  // The database's tables with a client_id, and those the catalogue reaches through a parent.
  const withClientId = (rows as Array<{ table: string }>).map((r) => r.table);
  const throughParent = Object.keys(CLIENT_TABLES).filter((t) => CLIENT_TABLES[t]?.through);
  const tables = [...withClientId, ...throughParent].filter((t) => CLIENT_TABLES[t]?.erase === 'delete');
  for (const table of [...tables, 'clients']) {
    const query = table === 'clients' ? owner(table).whereIn('id', scope.clientIds) : erasureRows(owner, table, scope);
    const n = Number(((await query.count({ n: '*' })) as Array<{ n: string }>)[0]?.n ?? 0);
    if (n > 0) left[table] = n;
  }
  const notifications = await countClientNotifications(owner, scope);
  if (notifications > 0) left.notifications = notifications;
  return left;
}

/**
 * The restore drill's erasure check on its scratch copy: re-apply the log as a restore would, then
 * prove that no logged client has a row left. Passes with an empty log (nothing to check).
 */
export async function erasureLogCheck(copy: Knex, logDir: string): Promise<DrillCheckResult> {
  const log = readErasureLog(logDir);
  const reapplied = await reapplyErasures(copy, logDir);
  const left = { ...(await leftovers(copy, log)), ...(await firmDeletionLeftovers(copy, logDir)) };
  const ok = Object.keys(left).length === 0;
  const detail = ok
    ? erasureLogDetail(log.length, reapplied.length)
    : `rows of erased clients remain after re-applying the log: ${Object.entries(left).map(([t, n]) => `${t} ${n}`).join(', ')}`;
  return { name: 'erasure-log', ok, detail };
}

/**
 * The passing check's words (docs/data-export-and-erasure.md). Only an erasure that had to be
 * re-applied says the backup predates it: a copy that holds none of the logged clients was taken
 * after their erasures (or before the clients existed), and saying otherwise would send an operator
 * looking for a stale backup that is not there.
 */
export function erasureLogDetail(logged: number, reapplied: number): string {
  const what = reapplied > 0 ? `${reapplied} re-applied to this copy (the backup predates them)` : logged > 0 ? 'none needed re-applying (this copy holds none of their clients)' : 'nothing to re-apply';
  return `${logged} erasure(s) in the log; ${what}; no erased client's rows remain`;
}
