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

/**
 * Sign-in attempts that belong to no firm (an unknown email, a throttled attempt) are recorded in the
 * platform chain of the audit trail, so an attack is visible. The api has no system context, so it
 * records them through this one function, which runs as its owner and can write nothing else: two
 * actions, no actor, the details it is given. EXECUTE goes to the application role only.
 */
const SIGN_IN_EVENTS = `
CREATE OR REPLACE FUNCTION record_signin_event(event_action text, details jsonb, event_request_id text, event_ip text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET app.system = 'on' SET app.firm_id = '' AS $fn$
BEGIN
  IF event_action NOT IN ('auth.login_failed', 'auth.login_throttled') THEN
    RAISE EXCEPTION 'record_signin_event: % is not a sign-in event', event_action USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO audit_events (firm_id, actor_id, actor_email, actor_role, action, entity_type, entity_id, before, after, request_id, ip, seq, prev_hash, hash)
  VALUES (NULL, NULL, 'anonymous', 'anonymous', event_action, 'sign_in', NULL, NULL, details, nullif(event_request_id, ''), nullif(event_ip, ''), 0, '', '');
END $fn$;
REVOKE ALL ON FUNCTION record_signin_event(text, jsonb, text, text) FROM PUBLIC;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(PLATFORM_ROLE_SETUP);
  await knex.raw(SIGN_IN_EVENTS);
  await knex.raw(`DO $grant$ BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION record_signin_event(text, jsonb, text, text) TO %I', current_setting('taalmel.app_role'));
  END $grant$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS record_signin_event(text, jsonb, text, text)');
  // Back to the earlier helpers; the roles are the cluster's (other databases may use them) and stay.
  await knex.raw(RLS_HELPERS_SQL);
}
