import type { Knex } from 'knex';
import { RLS_HELPERS_SQL } from '../rls';

/**
 * The platform role. Platform work (backups, restore drills, walking every firm) is the only work
 * that may use the system context (`app.system`), which sees platform rows and lists firms. Until
 * now any connection could switch it on with set_config; from here app_is_system() also needs the
 * current role to be the platform role (or a member of it, like the tables' owner). The application
 * role is not a member, so a connection that logs in as the application role (the api's, see
 * docs/security-limits.md) can neither switch the context on nor SET ROLE to the platform role: a
 * raw query or an injection in the api stays in its firm. The platform role may do what the
 * application role may (it inherits its grants) and nothing more: no BYPASSRLS, no ownership.
 *
 * The application role may now log in, with a password the operator sets (never in a migration),
 * so the api need not connect as the owner and SET ROLE (a RESET ROLE would undo that).
 */
const PLATFORM_ROLE_SETUP = `
DO $setup$
DECLARE
  app_role text := current_setting('taalmel.app_role');
  platform_role text := current_setting('taalmel.app_role') || '_platform';
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = platform_role) THEN
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', platform_role);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database of this cluster created it at the same moment
    END;
  END IF;
  EXECUTE format('ALTER ROLE %I NOSUPERUSER NOBYPASSRLS', platform_role);
  IF NOT pg_has_role(platform_role, app_role, 'MEMBER') THEN
    EXECUTE format('GRANT %I TO %I', app_role, platform_role);
  END IF;
  IF NOT pg_has_role(current_user, platform_role, 'MEMBER') THEN
    EXECUTE format('GRANT %I TO %I', platform_role, current_user);
  END IF;
  EXECUTE format('ALTER ROLE %I LOGIN', app_role);
  EXECUTE format(
    $f$CREATE OR REPLACE FUNCTION app_is_system() RETURNS boolean LANGUAGE sql STABLE AS
       $body$ SELECT coalesce(current_setting('app.system', true), '') = 'on' AND pg_has_role(current_user, %L, 'MEMBER') $body$ $f$,
    platform_role);
END $setup$;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(PLATFORM_ROLE_SETUP);
}

export async function down(knex: Knex): Promise<void> {
  // Back to the earlier helpers; the roles are the cluster's (other databases may use them) and stay.
  await knex.raw(RLS_HELPERS_SQL);
}
