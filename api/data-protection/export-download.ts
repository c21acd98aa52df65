/**
 * Spending an export's single-use download URL (docs/data-export-and-erasure.md). The row is read,
 * the ZIP opened with no transaction open, and only then is the URL spent in one short transaction:
 * the row locked (FOR NO KEY UPDATE), checked again, and `downloaded_at` written (an audited write,
 * so the firm's audit lock). Nothing slower than those two statements runs while the row is held,
 * and no row lock waits on a file system (docs/architecture.md, "Locks").
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { inTenantTransaction, setAuditAction, type TenantScope } from '../../db/tenant';
import type { ExportRow } from './present';

export type DownloadOutcome = { row: ExportRow; fd: number } | { refused: 'used' | 'not_ready' | 'expired' | 'missing' };

function refusalOf(row: ExportRow | undefined): DownloadOutcome | null {
  const usable = row && row.status === 'ready' && !row.downloaded_at && new Date(row.expires_at) > new Date();
  if (usable) return null;
  return { refused: row?.downloaded_at ? 'used' : row && row.status !== 'expired' && new Date(row.expires_at) > new Date() ? 'not_ready' : 'expired' };
}

/** The outcome of one download; an open `fd` is the caller's to stream (and so to close). */
export async function spendDownload(deps: { knex: Knex; exportDir: string }, scope: TenantScope, exportId: string, ip: string): Promise<DownloadOutcome> {
  const seen = (await inTenantTransaction(deps.knex, scope, (trx) => trx('client_exports').where({ id: exportId }).first())) as ExportRow | undefined;
  const early = refusalOf(seen);
  if (early) return early;
  // The file is opened before the URL is spent: an api that does not see the workers' export
  // folder (or a ZIP lost from it) answers so and leaves the URL unused.
  let fd: number;
  try {
    fd = fs.openSync(path.join(deps.exportDir, path.basename(seen!.file_name ?? '')), 'r');
  } catch {
    return { refused: 'missing' };
  }
  try {
    const outcome = await inTenantTransaction(deps.knex, scope, async (trx): Promise<DownloadOutcome> => {
      const row = (await trx('client_exports').where({ id: exportId }).forNoKeyUpdate().first()) as ExportRow | undefined;
      // Another download spent it (or it expired) since the read above: refused as that one finds it.
      const late = refusalOf(row) ?? (row!.file_name !== seen!.file_name ? { refused: 'not_ready' as const } : null);
      if (late) return late;
      // Single use: the request that flips downloaded_at (under the row lock) gets the file; every later one is refused.
      await setAuditAction(trx, 'client.export_downloaded');
      const [taken] = (await trx('client_exports')
        .where({ id: exportId })
        .update({ downloaded_at: trx.fn.now(), downloaded_ip: ip, updated_at: trx.fn.now() })
        .returning('*')) as ExportRow[];
      return { row: taken!, fd };
    });
    if ('refused' in outcome) fs.closeSync(fd);
    return outcome;
  } catch (error) {
    fs.closeSync(fd); // the URL was not spent: the transaction rolled back
    throw error;
  }
}
