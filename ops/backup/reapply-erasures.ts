/**
 * After a restore, erase again every client the erasure log names that the restored copy still
 * holds: a backup taken before an erasure must not bring the client back. The log lives outside the
 * database (one `<erasure id>.json` per erasure, ids only), so it survives the restore. Each
 * erasure runs in its own owner transaction with the same code as the erasure workflow; a client
 * already absent is skipped, so re-applying twice changes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { eraseClientRows } from '../../db/client-erasure';
import { applyScope } from '../../db/tenant';
import { clientErasureWorkflowId } from '../../workflows/client-erasure-definitions';

export type ErasureLogEntry = { erasureId: string; firmId: string; clientId: string; dataDeletedAt: string };

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
      if (!client) return false;
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
  return applied;
}
