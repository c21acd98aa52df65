import type { Knex } from 'knex';
import { secureFirmTable } from './helpers/firm-table';

/**
 * Accounts a firm runs by itself (docs/accounts.md): invitations and password resets.
 *
 * - `account_invitations`: one row per invitation. The link's token is 256 random bits that exist
 *   only in the email; the row keeps its SHA-256. Every send (the first and each resend) draws a new
 *   token, so only the latest link works. At most one pending invitation per email and firm.
 * - `password_resets`: one row per "forgot password" request of a known user, with the hash of its
 *   link's token. Using one (or asking for a newer one) ends it.
 * - `account_link_lookup(kind, hash)` (SECURITY DEFINER): the link is opened without a session, so its
 *   row cannot be found inside a firm's scope first; the function returns the one matching row's
 *   ids and state and nothing else, and everything after it runs in that firm's scope.
 * - The outbox gets the audience `account` for these emails (addressed to a person by their own
 *   address, outside any client's daily cap).
 */
const LOOKUP_FUNCTION = `
CREATE FUNCTION account_link_lookup(kind_in text, token_hash_in text)
RETURNS TABLE (id uuid, firm_id uuid, expires_at timestamptz, ended boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT i.id, i.firm_id, i.expires_at, (i.accepted_at IS NOT NULL OR i.revoked_at IS NOT NULL)
    FROM account_invitations i WHERE kind_in = 'invitation' AND i.token_hash = token_hash_in
  UNION ALL
  SELECT r.id, r.firm_id, r.expires_at, (r.used_at IS NOT NULL OR r.ended_at IS NOT NULL)
    FROM password_resets r WHERE kind_in = 'reset' AND r.token_hash = token_hash_in
$$;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('account_invitations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.text('email').notNullable();
    t.text('name').notNullable();
    t.text('role').notNullable().checkIn(['firm_admin', 'manager', 'reviewer', 'staff', 'client']);
    /** The client a portal user will belong to (required for role client, refused otherwise). */
    t.uuid('client_id').nullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    /** SHA-256 of the latest link's token; null until the first email is prepared. */
    t.text('token_hash').nullable().unique();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    /** How many emails were asked for (the first and each resend): each send's outbox slot. */
    t.integer('sends').notNullable().defaultTo(1);
    t.timestamp('last_sent_at', { useTz: true }).nullable();
    t.uuid('invited_by').notNullable().references('users.id');
    t.timestamp('accepted_at', { useTz: true }).nullable();
    t.uuid('accepted_user_id').nullable().references('users.id').onDelete('SET NULL');
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.uuid('revoked_by').nullable().references('users.id');
    t.timestamps(true, true);
    t.check('(role = ? ) = (client_id IS NOT NULL)', ['client'], 'account_invitations_client_only_for_portal');
  });
  await knex.raw(`CREATE UNIQUE INDEX account_invitations_pending_email ON account_invitations (firm_id, lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL`);
  await secureFirmTable(knex, 'account_invitations', {
    clientColumn: 'client_id',
    grants: ['SELECT', 'INSERT', 'UPDATE'],
    audit: { entity: 'invitation', secretColumns: ['token_hash'], quietColumns: ['last_sent_at'] },
  });

  await knex.schema.createTable('password_resets', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    // An erased portal user takes their reset requests along.
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('token_hash').nullable().unique();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    /** A newer request of the same user ended this one. */
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.text('requested_ip').nullable();
    t.timestamps(true, true);
  });
  await knex.raw('CREATE INDEX password_resets_user_idx ON password_resets (firm_id, user_id, created_at)');
  await secureFirmTable(knex, 'password_resets', {
    grants: ['SELECT', 'INSERT', 'UPDATE'],
    audit: { entity: 'password_reset', secretColumns: ['token_hash'] },
  });

  await knex.raw('ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_audience_check');
  await knex.raw(`ALTER TABLE outbox ADD CONSTRAINT outbox_audience_check CHECK (audience IN ('client', 'staff', 'account'))`);

  await knex.raw(LOOKUP_FUNCTION);
  await knex.raw(`
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      REVOKE ALL ON FUNCTION account_link_lookup(text, text) FROM PUBLIC;
      IF app_role IS NOT NULL AND app_role <> '' THEN
        EXECUTE format('GRANT EXECUTE ON FUNCTION account_link_lookup(text, text) TO %I', app_role);
      END IF;
    END $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS account_link_lookup(text, text)');
  await knex.raw(`DELETE FROM outbox WHERE audience = 'account'`);
  await knex.raw('ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_audience_check');
  await knex.raw(`ALTER TABLE outbox ADD CONSTRAINT outbox_audience_check CHECK (audience IN ('client', 'staff'))`);
  await knex.schema.dropTable('password_resets');
  await knex.schema.dropTable('account_invitations');
}
