/**
 * Sanity checks the restore drill runs on the restored copy, after the row counts. Each check gets
 * an owner connection to the copy and answers ok or not, with a detail an operator can act on. A
 * check that throws counts as failed (its message, scrubbed of database values, is the detail).
 * A worker can be handed its own list through ActivityDeps.backup.sanityChecks (tests do).
 */
import type { Knex } from 'knex';
import { verifyAllAuditChains } from '../db/audit';
import { scrubDatabaseError } from '../db/scrub-db-error';
import type { DrillCheckResult } from '../db/models/backup-catalogue';

export type SanityCheckContext = {
  /** Owner connection to the restored copy (row-level security does not hide rows from it). */
  knex: Knex;
  backupId: string;
  /** The migration the copy must be at: the one recorded in the backup's snapshot. */
  expectedMigration: string | null;
};

export type SanityCheck = {
  name: string;
  run(context: SanityCheckContext): Promise<{ ok: boolean; detail: string }>;
};

/** The copy's knex_migrations ends at the migration the backup recorded (the code's latest when taken). */
export const migrationsAtExpectedVersion: SanityCheck = {
  name: 'migrations-at-expected-version',
  async run({ knex, expectedMigration }) {
    const hasTable = await knex.schema.hasTable('knex_migrations');
    if (!hasTable) return { ok: false, detail: 'the restored copy has no knex_migrations table' };
    const latest = (await knex('knex_migrations').orderBy('id', 'desc').first<{ name: string } | undefined>('name'))?.name ?? null;
    if (!expectedMigration) return { ok: false, detail: `the backup recorded no migration; the copy is at ${latest ?? 'nothing'}` };
    return latest === expectedMigration
      ? { ok: true, detail: `at ${latest}` }
      : { ok: false, detail: `the copy is at ${latest ?? 'nothing'}, expected ${expectedMigration}` };
  },
};

/** Every firm's audit hash chain verifies in the copy: the trail came back whole and unedited. */
export const auditChainsIntact: SanityCheck = {
  name: 'audit-chains-intact',
  async run({ knex }) {
    if (!(await knex.schema.hasTable('audit_events'))) return { ok: false, detail: 'the restored copy has no audit_events table' };
    const { ok, chains } = await verifyAllAuditChains(knex);
    const broken = chains.filter((c) => !c.ok);
    return ok
      ? { ok: true, detail: `${chains.length} chains, ${chains.reduce((n, c) => n + c.checked, 0)} events verified` }
      : { ok: false, detail: broken.map((c) => `firm ${c.firmId ?? 'platform'}: broken at event ${c.firstBrokenId}`).join('; ') };
  },
};

export function defaultSanityChecks(): SanityCheck[] {
  return [migrationsAtExpectedVersion, auditChainsIntact];
}

export async function runSanityChecks(checks: SanityCheck[], context: SanityCheckContext): Promise<DrillCheckResult[]> {
  const results: DrillCheckResult[] = [];
  for (const check of checks) {
    try {
      const { ok, detail } = await check.run(context);
      results.push({ name: check.name, ok, detail });
    } catch (error) {
      // The detail is stored and shown: a database error's text may quote the copy's rows.
      results.push({ name: check.name, ok: false, detail: `the check threw: ${scrubDatabaseError(error as Error).message}` });
    }
  }
  return results;
}
