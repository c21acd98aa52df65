/**
 * After a restore, delete again every firm the erasure log says was deleted: a backup taken before a
 * firm's deletion must not bring back its users, sessions, settings or secrets. The clients of the
 * firm are in the log as client erasures of their own and are re-applied first (erasure-log.ts);
 * this deletes what is left of the firm with the same code as the firm deletion workflow (rows
 * deleted, the firm row made a tombstone, the audit trail redacted and sealed), and writes the
 * deletion's record. A firm already gone from the copy is skipped, so re-applying twice changes nothing.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { eraseClientRows } from '../db/client-erasure';
import { deleteFirmRows, remainingFirmRows } from '../db/firm-deletion';
import { applyScope } from '../db/tenant';
import { firmDeletionWorkflowId } from '../workflows/firm-deletion-definitions';

export type FirmDeletionLogEntry = { deletionId: string; firmId: string; dataDeletedAt: string };

const ENTRY = /^firm-[0-9a-f-]{36}\.json$/;

export function readFirmDeletionLog(dir: string): FirmDeletionLogEntry[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => ENTRY.test(f))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as FirmDeletionLogEntry)
    .sort((a, b) => a.dataDeletedAt.localeCompare(b.dataDeletedAt));
}

function scoped<T>(owner: Knex, firmId: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return owner.transaction(async (trx) => {
    await applyScope(trx, { firmId, actor: { userId: null, email: 'system:restore', role: 'system' } });
    return fn(trx);
  });
}

/** Re-applies the logged firm deletions to the database behind `owner` (the restored copy); returns the deletions applied. */
export async function reapplyFirmDeletions(owner: Knex, logDir: string, say: (line: string) => void = () => undefined): Promise<string[]> {
  const applied: string[] = [];
  for (const entry of readFirmDeletionLog(logDir)) {
    const done = await scoped(owner, entry.firmId, async (trx) => {
      // Explicit firm filters throughout: the restoring owner may be a superuser, whom row-level security does not bind.
      const firm = (await trx('firms').where({ id: entry.firmId }).first('id', 'deleted_at')) as { id: string; deleted_at: Date | null } | undefined;
      if (!firm) return false;
      const remaining = await remainingFirmRows(trx, entry.firmId);
      if (firm.deleted_at && Object.values(remaining).every((n) => n === 0)) return false;
      // Normally none: each client's own erasure was re-applied before. One the log missed goes the same way.
      for (const { id } of (await trx('clients').select('id').where({ firm_id: entry.firmId })) as Array<{ id: string }>) await eraseClientRows(trx, { firmId: entry.firmId, clientId: id, erasureId: randomUUID() });
      const deleted = await deleteFirmRows(trx, { firmId: entry.firmId, deletionId: entry.deletionId });
      const record = { status: 'completed', deleted: JSON.stringify(deleted), data_deleted_at: trx.fn.now(), completed_at: trx.fn.now(), updated_at: trx.fn.now() };
      // The restored copy may hold the deletion's row from before it finished (scheduled or running), or none at all.
      await trx('firm_deletions')
        .insert({
          id: entry.deletionId,
          firm_id: entry.firmId,
          workflow_id: firmDeletionWorkflowId(entry.firmId, entry.deletionId),
          requested_via: 'operator',
          reason: `re-applied after a restore (deleted ${entry.dataDeletedAt})`,
          execute_after: entry.dataDeletedAt,
          ...record,
        })
        .onConflict('id')
        .merge(record);
      return true;
    });
    if (done) {
      say(`re-applied firm deletion ${entry.deletionId} (firm ${entry.firmId}, deleted ${entry.dataDeletedAt})`);
      applied.push(entry.deletionId);
    }
  }
  return applied;
}

/** Rows of logged deleted firms still in the copy, as `firm <id> <table>` → count (kept records not counted). */
export async function firmDeletionLeftovers(owner: Knex, logDir: string): Promise<Record<string, number>> {
  const left: Record<string, number> = {};
  for (const entry of readFirmDeletionLog(logDir)) {
    const remaining = await scoped(owner, entry.firmId, (trx) => remainingFirmRows(trx, entry.firmId));
    for (const [table, n] of Object.entries(remaining)) if (n > 0) left[`firm ${entry.firmId} ${table}`] = n;
  }
  return left;
}
