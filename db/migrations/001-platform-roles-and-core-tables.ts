import type { Knex } from 'knex';

/**
 * The application role: it can log in only through SET ROLE from the connecting user, is not a
 * superuser, does not own the tables and cannot bypass row-level security. Roles are cluster-wide,
 * so creating it is idempotent; privileges are per database.
 */
const APP_ROLE_SETUP = `
DO $$
DECLARE app_role text := current_setting('taalmel.app_role');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app_role) THEN
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', app_role);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database of this cluster created it at the same moment
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app_role AND (rolsuper OR rolbypassrls)) THEN
    EXECUTE format('ALTER ROLE %I NOSUPERUSER NOBYPASSRLS', app_role);
  END IF;
  IF NOT pg_has_role(current_user, app_role, 'MEMBER') THEN
    EXECUTE format('GRANT %I TO %I', app_role, current_user);
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I', app_role);
  -- knex created its bookkeeping table before these defaults existed; the app only reads it.
  EXECUTE format('GRANT SELECT ON knex_migrations TO %I', app_role);
END $$;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(APP_ROLE_SETUP);

  await knex.schema.createTable('firms', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('slug').notNullable().unique();
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.timestamps(true, true);
  });

  await knex.schema.createTable('clients', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.text('name').notNullable();
    t.string('gstin', 15).notNullable();
    t.text('email').notNullable();
    t.text('filing_frequency').notNullable().checkIn(['monthly', 'quarterly']);
    t.string('state_code', 2).notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamps(true, true);
    t.unique(['firm_id', 'gstin']);
    t.unique(['firm_id', 'id']);
  });

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').nullable();
    t.text('email').notNullable();
    t.text('name').notNullable();
    t.text('role').notNullable().checkIn(['firm_admin', 'manager', 'reviewer', 'staff', 'client']);
    t.boolean('active').notNullable().defaultTo(true);
    t.text('password_hash').notNullable();
    t.timestamps(true, true);
    // A portal user's client must belong to the same firm.
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
  });
  await knex.raw('CREATE UNIQUE INDEX users_email_unique ON users (lower(email))');
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_client_only_for_portal
    CHECK ((role = 'client') = (client_id IS NOT NULL))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
  await knex.schema.dropTable('clients');
  await knex.schema.dropTable('firms');
}
