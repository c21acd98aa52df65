/**
 * The daily export of every firm's audit chain head (sequence number and hash) to a file beside
 * the backups and to the log: a copy outside the database, so that truncating the trail or
 * recomputing the whole chain after an edit is detectable later. Each run also checks that the
 * heads of the previous export are still in the chain, unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { verifyAuditChain } from '../db/audit';
import { allFirmIds } from '../db/firms';
import { inFirmJobTransaction } from '../db/tenant';
import type { BackupDeps } from './backup-deps';
import { AUDIT_CHAIN_BROKEN } from '../workflows/audit-heads-definitions';

export type ChainHead = { firmId: string; seq: number | null; hash: string | null; ok: boolean; firstBrokenId: string | null };
export type ChainHeadsExport = { date: string; exportedAt: string; heads: ChainHead[] };
export type ChainHeadsResult = { file: string; firms: number; problems: string[] };

export const AUDIT_HEADS_FOLDER = 'audit-heads';

function previousExport(folder: string, date: string): ChainHeadsExport | null {
  if (!fs.existsSync(folder)) return null;
  const earlier = fs.readdirSync(folder).filter((f) => /^\d{4}-\d{2}-\d{2}\.json$/.test(f) && f < `${date}.json`).sort();
  const last = earlier.at(-1);
  return last ? (JSON.parse(fs.readFileSync(path.join(folder, last), 'utf8')) as ChainHeadsExport) : null;
}

export function createAuditHeadActivities(deps: { knex: Knex; logger: Logger; backup?: BackupDeps }) {
  return {
    async exportAuditChainHeads(date: string): Promise<ChainHeadsResult> {
      if (!deps.backup) throw ApplicationFailure.nonRetryable('this worker has no backup folder configured (ActivityDeps.backup)');
      const folder = path.join(deps.backup.dir, AUDIT_HEADS_FOLDER);
      const previous = new Map((previousExport(folder, date)?.heads ?? []).map((h) => [h.firmId, h]));
      const heads: ChainHead[] = [];
      const problems: string[] = [];
      // Deleted firms too: a sealed chain's head is the proof of its deletion.
      for (const firmId of await allFirmIds(deps.knex, { includeDeleted: true })) {
        const head = await inFirmJobTransaction(deps.knex, firmId, 'audit-heads', async (trx) => {
          const verified = await verifyAuditChain(trx, firmId);
          const before = previous.get(firmId);
          if (before?.seq && before.hash) {
            // A head exported before the chain moved to version 2 (migration 011) matches the old hash it kept.
            const row = await trx('audit_events').where({ firm_id: firmId, seq: before.seq }).first('hash', 'hash_v1');
            if (row?.hash !== before.hash && row?.hash_v1 !== before.hash) problems.push(`firm ${firmId}: the event at seq ${before.seq} no longer has the hash exported earlier (truncated or rewritten trail)`);
          }
          return { firmId, seq: verified.head?.seq ?? null, hash: verified.head?.hash ?? null, ok: verified.ok, firstBrokenId: verified.firstBrokenId };
        });
        if (!head.ok) problems.push(`firm ${firmId}: chain broken at event ${head.firstBrokenId}`);
        deps.logger.info({ firmId, seq: head.seq, hash: head.hash, ok: head.ok }, 'audit chain head');
        heads.push(head);
      }
      fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
      const file = path.join(folder, `${date}.json`);
      const body: ChainHeadsExport = { date, exportedAt: new Date().toISOString(), heads };
      fs.writeFileSync(`${file}.partial`, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
      fs.renameSync(`${file}.partial`, file);
      if (problems.length) {
        deps.logger.error({ problems }, 'audit chain check failed');
        throw ApplicationFailure.nonRetryable(`audit chain check failed: ${problems.join('; ')}`, AUDIT_CHAIN_BROKEN);
      }
      return { file, firms: heads.length, problems };
    },
  };
}
