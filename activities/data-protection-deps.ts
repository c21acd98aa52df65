/** What the client export and erasure activities need beyond the application's knex and logger. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { RotationPolicy } from '../domain/backup-rotation';

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

/** A ZIP's path inside the export folder; names are ours (`<export id>.zip`), never a user's. */
export function exportFileName(exportId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(exportId)) throw new Error('not an export id');
  return `${exportId}.zip`;
}
