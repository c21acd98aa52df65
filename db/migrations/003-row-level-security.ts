import type { Knex } from 'knex';
import { enableTenantRls, RLS_HELPERS_SQL } from '../rls';

/** Row-level security on every firm-scoped table (a test fails if a table with firm_id lacks it). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(RLS_HELPERS_SQL);
  await enableTenantRls(knex, 'firms', { firmColumn: 'id' });
  // Platform jobs (re-encrypting secrets, exporting audit chain heads) walk the firms one by one.
  await knex.raw(`CREATE POLICY firms_system_list ON firms FOR SELECT USING (app_is_system())`);
  await enableTenantRls(knex, 'clients', { clientColumn: 'id' });
  await enableTenantRls(knex, 'users');
  // Sign-in happens before any firm is known: the one row whose email is being signed in with is
  // visible, and only for reading.
  await knex.raw(`CREATE POLICY users_login_lookup ON users FOR SELECT
    USING (lower(email) = NULLIF(current_setting('app.login_email', true), ''))`);
  for (const table of ['sessions', 'user_known_ips', 'notifications', 'firm_secrets']) await enableTenantRls(knex, table);

  // Platform events (no firm) are visible and writable only in an explicit system context.
  await knex.raw('ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY');
  await knex.raw('ALTER TABLE audit_events FORCE ROW LEVEL SECURITY');
  await knex.raw(`CREATE POLICY audit_events_tenant ON audit_events
    USING (firm_id = app_current_firm() OR (firm_id IS NULL AND app_is_system()))
    WITH CHECK (firm_id = app_current_firm() OR (firm_id IS NULL AND app_is_system()))`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_events', 'firm_secrets', 'notifications', 'user_known_ips', 'sessions', 'users', 'clients', 'firms']) {
    await knex.raw(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
    await knex.raw(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
  }
}
