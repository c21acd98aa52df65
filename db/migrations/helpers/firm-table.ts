/**
 * Everything a table of firm data needs before the application may touch it, in one call that every
 * migration adding such a table makes (docs/security-and-tenancy.md, "Adding a firm table"):
 * - row-level security, ENABLEd and FORCEd (the owner is bound too), with the tenant policy: a row
 *   is visible and writable only inside its firm's transaction, and, for portal users, only when it
 *   belongs to their client;
 * - the audit trigger, so every change writes an audit event in the same transaction whatever code
 *   path made it (or an explicit statement that the table is not audited row by row, and why);
 * - optionally the period lock, so a closed period's rows refuse every change;
 * - exactly the privileges the application role needs: the listed ones granted, every other one
 *   revoked (migration 001's default privileges would otherwise give it DELETE as well).
 * Migrations 001–007 ran before this helper and keep their own statements.
 */
import type { Knex } from 'knex';
import { auditTriggerSql } from '../../audit-triggers';
import { enableTenantRls } from '../../rls';

export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export type FirmTableOptions = {
  /** The firm column (`firm_id` unless said otherwise). */
  firmColumn?: string;
  /** The client column portal users are limited by; omit for tables portal users never read. */
  clientColumn?: string;
  /** What the application role may do. Leave DELETE out for rows that are never deleted. */
  grants: TablePrivilege[];
  /**
   * The audit trail's entity name, the columns written as `[secret]` and the columns whose changes
   * alone write no event; or `{ notAudited: 'why' }` for bulk tables audited once per operation.
   */
  audit: { entity: string; secretColumns?: string[]; quietColumns?: string[] } | { notAudited: string };
  /** The table has a `period` column and a closed period's rows must refuse every change. */
  periodLock?: boolean;
};

const ALL: TablePrivilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function grantsSql(table: string, grants: TablePrivilege[]): string {
  const revoked = [...ALL.filter((p) => !grants.includes(p)), 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
  // The application role's name is known only to the migration run (the session setting the
  // migrator sets); without it (a bare knex migrate) the grants are left to the operator.
  return `
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        ${grants.length ? `EXECUTE format('GRANT ${grants.join(', ')} ON ${table} TO %I', app_role);` : ''}
        EXECUTE format('REVOKE ${revoked.join(', ')} ON ${table} FROM %I', app_role);
      END IF;
    END $$;`;
}

export async function secureFirmTable(knex: Knex, table: string, options: FirmTableOptions): Promise<void> {
  for (const name of [table, options.firmColumn, options.clientColumn]) {
    if (name !== undefined && !IDENTIFIER.test(name)) throw new Error(`secureFirmTable: "${name}" is not a plain identifier`);
  }
  if (!options.grants.includes('SELECT')) throw new Error(`secureFirmTable: ${table} must at least be readable by the application`);
  if ('notAudited' in options.audit && !options.audit.notAudited.trim()) throw new Error(`secureFirmTable: say why ${table} is not audited row by row`);

  await enableTenantRls(knex, table, { firmColumn: options.firmColumn, clientColumn: options.clientColumn });
  if ('entity' in options.audit) {
    await knex.raw(auditTriggerSql(table, options.audit.entity, options.audit.secretColumns ?? [], options.audit.quietColumns ?? []));
  }
  if (options.periodLock) {
    // period_lock_row() is migration 005's: it refuses changes to rows of a closed period.
    await knex.raw(`CREATE TRIGGER ${table}_period_lock BEFORE INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION period_lock_row()`);
  }
  await knex.raw(grantsSql(table, options.grants));
}
