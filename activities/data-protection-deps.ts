/** What the client export and erasure activities need beyond the application's knex and logger. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { RotationPolicy } from '../domain/backup-rotation';
import { createKnex } from '../db/knex';
import { applyScope } from '../db/tenant';

export type DataProtectionDeps = {
  /** Where export ZIPs are written (every worker and the api must see the same folder). */
  exportDir: string;
  /** Root of the client files that catalogued tables name (fileColumn); exported and erased with their rows. */
  fileStoreDir: string;
  /**
   * The database owner's URL: the erasure deletes rows the application role may not (locked
   * periods, close requests, decisions) and redacts audit events, which only the owner may update.
   */
  ownerUrl: string;
  /** Base64 Ed25519 seed of the platform's certificate key (db/security/certificate-key.ts); required to certify. */
  certificateKey: string | undefined;
  /** The backup rotation, for when the last backup holding erased data ages out. */
  rotation: RotationPolicy;
  /** The erasure log (ids only), beside the backups and outside the database: restores re-apply it. */
  erasureLogDir: string;
};

export type DataProtectionActivityDeps = { knex: Knex; logger: Logger; dataProtection?: DataProtectionDeps };

export function requireDataProtection(deps: DataProtectionActivityDeps): DataProtectionDeps {
  if (!deps.dataProtection) {
    throw ApplicationFailure.nonRetryable('this worker has no data protection configuration (ActivityDeps.dataProtection): start it through ops/services.ts', 'DataProtectionSetupError');
  }
  return deps.dataProtection;
}

/**
 * The database owner's connection for one step, opened and closed around it. Erasure, firm deletion
 * and the retention purge delete what the application role may not (locked periods, audit
 * redaction); keeping the owner out of any pool means no other code path can borrow it.
 */
export async function withOwnerConnection<T>(deps: DataProtectionActivityDeps, applicationName: string, work: (owner: Knex) => Promise<T>): Promise<T> {
  const owner = createKnex({ url: requireDataProtection(deps).ownerUrl, poolMax: 1, applicationName });
  try {
    return await work(owner);
  } finally {
    await owner.destroy();
  }
}

export type OwnerScope = { firmId: string; actor: Parameters<typeof applyScope>[1]['actor'] };

/** One owner transaction scoped to a firm and a system actor (audit triggers record who did it). */
export function ownerTransaction<T>(owner: Knex, scope: OwnerScope, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return owner.transaction(async (trx) => {
    await applyScope(trx, scope);
    return work(trx);
  });
}

/** A ZIP's name inside the export folder (domain/data-protection.ts: the api removes a dead export's files by it too). */
export { clientExportFileName as exportFileName } from '../domain/data-protection';
