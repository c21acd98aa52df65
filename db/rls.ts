/**
 * Row-level security for firm-scoped tables. The application sets, inside each transaction,
 * `app.firm_id` (and `app.client_id` for portal users) with set_config(..., true); the policies
 * compare rows against them. After a transaction ends a pooled connection reports the setting as
 * '' rather than NULL, hence the NULLIF. ENABLE + FORCE: the table owner is bound too (only roles
 * with BYPASSRLS, which the application role is not, escape).
 */
import type { Knex } from 'knex';

export const RLS_HELPERS_SQL = `
CREATE OR REPLACE FUNCTION app_current_firm() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('app.firm_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_current_client() RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT NULLIF(current_setting('app.client_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_is_system() RETURNS boolean LANGUAGE sql STABLE AS
  $$ SELECT coalesce(current_setting('app.system', true), '') = 'on' $$;
`;

export type TenantRlsOptions = {
  /** The column holding the firm id (`id` for the firms table itself). */
  firmColumn?: string;
  /** For portal users, the column that must equal their client (`id` for the clients table). */
  clientColumn?: string;
};

export async function enableTenantRls(knex: Knex, table: string, options: TenantRlsOptions = {}): Promise<void> {
  const firm = options.firmColumn ?? 'firm_id';
  const clientRule = options.clientColumn ? ` AND (app_current_client() IS NULL OR ${options.clientColumn} = app_current_client())` : '';
  await knex.raw(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
  await knex.raw(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
  await knex.raw(`CREATE POLICY ${table}_tenant ON ${table}
    USING (${firm} = app_current_firm()${clientRule})
    WITH CHECK (${firm} = app_current_firm())`);
}
