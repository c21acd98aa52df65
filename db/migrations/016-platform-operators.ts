import type { Knex } from 'knex';

/**
 * Platform operators: the people who run Taalmel (not users of any firm). Today they have one
 * right: the payload codec endpoint (`POST /codec/decode`, `/codec/encode`), through which the
 * Temporal Web UI and CLI read the payloads the codec sealed (docs/operations.md).
 *
 * An operator is made by `npm run ops:create-operator`, which prints a random token once; only its
 * SHA-256 is stored. The table belongs to the platform: the application role has no privilege on it
 * at all. The api reaches it through one SECURITY DEFINER function that checks a token hash and, in
 * the same statement, writes the request to the platform chain of the audit trail (granted or
 * refused, with the number of payloads and never their content); EXECUTE goes to the application
 * role only.
 */

const CODEC_ACCESS = `
CREATE FUNCTION codec_operator_access(token_sha256 text, operation text, payload_count integer, temporal_namespace text, event_request_id text, event_ip text)
RETURNS TABLE (operator_id uuid, operator_email text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET app.system = 'on' SET app.firm_id = '' AS $fn$
DECLARE found platform_operators%ROWTYPE;
BEGIN
  IF operation NOT IN ('decode', 'encode', 'sign_in') THEN
    RAISE EXCEPTION 'codec_operator_access: % is not a codec operation', operation USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO found FROM platform_operators o WHERE o.token_hash = token_sha256 AND o.revoked_at IS NULL;
  IF found.id IS NULL THEN
    INSERT INTO audit_events (firm_id, actor_id, actor_email, actor_role, action, entity_type, entity_id, before, after, request_id, ip, seq, prev_hash, hash)
    VALUES (NULL, NULL, 'anonymous', 'anonymous', 'codec.refused', 'payload_codec', NULL, NULL,
      jsonb_build_object('operation', operation, 'payloads', payload_count, 'namespace', temporal_namespace), nullif(event_request_id, ''), nullif(event_ip, ''), 0, '', '');
    RETURN;
  END IF;
  UPDATE platform_operators SET last_used_at = now() WHERE id = found.id;
  INSERT INTO audit_events (firm_id, actor_id, actor_email, actor_role, action, entity_type, entity_id, before, after, request_id, ip, seq, prev_hash, hash)
  VALUES (NULL, found.id, found.email, 'platform_operator', 'codec.' || operation, 'payload_codec', NULL, NULL,
    jsonb_build_object('payloads', payload_count, 'namespace', temporal_namespace), nullif(event_request_id, ''), nullif(event_ip, ''), 0, '', '');
  operator_id := found.id;
  operator_email := found.email;
  RETURN NEXT;
END $fn$;
REVOKE ALL ON FUNCTION codec_operator_access(text, text, integer, text, text, text) FROM PUBLIC;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('platform_operators', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('email').notNullable();
    t.text('name').notNullable();
    /** SHA-256 (hex) of the operator's token; the token itself is shown once and never stored. */
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE UNIQUE INDEX platform_operators_active_email ON platform_operators (lower(email)) WHERE revoked_at IS NULL');
  await knex.raw(`DO $revoke$ BEGIN
    EXECUTE format('REVOKE ALL ON platform_operators FROM %I', current_setting('taalmel.app_role'));
  END $revoke$`);
  await knex.raw(CODEC_ACCESS);
  await knex.raw(`DO $grant$ BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION codec_operator_access(text, text, integer, text, text, text) TO %I', current_setting('taalmel.app_role'));
  END $grant$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS codec_operator_access(text, text, integer, text, text, text)');
  await knex.schema.dropTableIfExists('platform_operators');
}
