/** What the backup and drill activities need beyond the application's knex and logger. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { RotationPolicy } from '../domain/backup-rotation';
import type { SanityCheck } from './backup-sanity-checks';
import { BackupSetupError } from './backup-tools';

export type BackupDeps = {
  /** The database owner's URL (DATABASE_URL): pg_dump, the counts and the scratch databases use it. */
  databaseUrl: string;
  /** The backup folder (BACKUP_DIR); every worker must see the same one (a shared volume). */
  dir: string;
  pgDumpPath: string;
  pgRestorePath: string;
  rotation: RotationPolicy;
  /** Rotation's calendar (the scheduler's time zone). */
  timeZone: string;
  /** Replaces the default sanity checks of the drill (see backup-sanity-checks.ts). */
  sanityChecks?: SanityCheck[];
  /** The erasure log (ERASURE_LOG_DIR): the drill re-applies it to its copy and checks no erased client is back. */
  erasureLogDir?: string;
};

export type BackupActivityDeps = { knex: Knex; logger: Logger; backup?: BackupDeps };

export function requireBackupDeps(deps: BackupActivityDeps): BackupDeps {
  if (!deps.backup) {
    throw ApplicationFailure.nonRetryable('this worker has no backup configuration (ActivityDeps.backup): start it through ops/services.ts', 'BackupSetupError');
  }
  return deps.backup;
}

/** Setup problems are final (a person must act); anything else may be transient and is retried. */
export async function definitive<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof BackupSetupError) throw ApplicationFailure.nonRetryable(error.message, 'BackupSetupError');
    throw error;
  }
}
