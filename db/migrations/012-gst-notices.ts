import type { Knex } from 'knex';
import { NOTICE_FORMS, NOTICE_STATES } from '../../domain/notices';
import { secureFirmTable, type TablePrivilege } from './helpers/firm-table';

/**
 * GST notices (docs/notices.md).
 *
 * Platform table, read-only to the application: `notice_forms`, the form catalogue (reply window and
 * its unit, usual owner, what answers it, what is at stake, which other clocks it starts).
 *
 * Firm tables (row-level security, audit trigger, grants as narrow as the routes and the workflow need):
 * - `notices`: one per firm, GSTIN and portal reference; its dates, amounts, periods, years, state,
 *   assignee, drafter, approver, ARN and outcome. The unique key makes a second intake find the first.
 * - `notice_drafts`: every version of the reply text with the documents it cites (append only).
 * - `notice_reviews`: every review decision (approved or changes requested, with the comment).
 * - `notice_hearings`: hearings entered by hand, with the adjournments counted.
 * - `notice_alerts`: every reminder or escalation step that fired, keyed by the step (which names the
 *   date it is about), so a retried activity or a restarted worker tells nobody twice.
 */

const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
/** [table, audit entity type, portal users limited by client_id, the application's privileges] */
const FIRM_TABLES: Array<[string, string, boolean, TablePrivilege[]]> = [
  ['notices', 'notice', true, ['SELECT', 'INSERT', 'UPDATE']],
  ['notice_drafts', 'notice_draft', false, ['SELECT', 'INSERT']],
  ['notice_reviews', 'notice_review', false, ['SELECT', 'INSERT']],
  ['notice_hearings', 'notice_hearing', false, ['SELECT', 'INSERT', 'UPDATE']],
  ['notice_alerts', 'notice_alert', false, ['SELECT', 'INSERT']],
];

function platformReadOnly(table: string): string {
  return `
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        EXECUTE format('GRANT SELECT ON ${table} TO %I', app_role);
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${table} FROM %I', app_role);
      END IF;
    END $$;`;
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notice_forms', (t) => {
    t.text('form').primary();
    t.text('provision').notNullable();
    t.text('title').notNullable();
    t.text('answer').notNullable();
    t.smallint('window_days').nullable().checkBetween([1, 366]);
    t.text('window_unit').notNullable().checkIn(['calendar', 'working']);
    t.text('owner').notNullable().checkIn(['staff', 'manager', 'firm_admin']);
    t.boolean('blocks_return').notNullable();
    t.boolean('registration_at_stake').notNullable();
    t.specificType('clocks', 'text[]').notNullable();
  });
  await knex('notice_forms').insert(
    NOTICE_FORMS.map((f) => ({
      form: f.form, provision: f.provision, title: f.title, answer: f.answer, window_days: f.windowDays, window_unit: f.windowUnit, owner: f.owner,
      blocks_return: f.blocksReturn, registration_at_stake: f.registrationAtStake, clocks: f.clocks,
    })),
  );

  await knex.schema.createTable('notices', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.text('gstin').notNullable();
    t.text('form').notNullable().references('notice_forms.form');
    t.text('reference').notNullable();
    t.text('case_id').nullable();
    t.text('din').nullable();
    t.specificType('sections', 'text[]').notNullable().defaultTo('{}');
    t.specificType('periods', 'text[]').notNullable().defaultTo('{}');
    t.specificType('financial_years', 'text[]').notNullable().defaultTo('{}');
    t.text('issued_on').nullable().checkRegex(DATE);
    t.text('served_on').notNullable().checkRegex(DATE);
    /** The date on the notice (intake) and one entered by hand later; the plan reads both. */
    t.text('due_date_on_notice').nullable().checkRegex(DATE);
    t.text('manual_due_date').nullable().checkRegex(DATE);
    t.text('extended_due_date').nullable().checkRegex(DATE);
    t.text('extension_reference').nullable();
    t.text('manual_target_date').nullable().checkRegex(DATE);
    t.decimal('tax', 16, 2).nullable();
    t.decimal('interest', 16, 2).nullable();
    t.decimal('penalty', 16, 2).nullable();
    t.text('description').nullable();
    t.text('issuing_office').nullable();
    t.text('state').notNullable().defaultTo('received').checkIn([...NOTICE_STATES]);
    // The api checks the assignee is an active member of the firm (row-level security hides others).
    // A plain key to users: a composite one would pin migration 009's (firm_id, id) constraint.
    t.uuid('assignee_id').nullable().references('users.id');
    t.uuid('drafted_by').nullable().references('users.id');
    t.uuid('submitted_by').nullable().references('users.id');
    t.timestamp('submitted_at', { useTz: true }).nullable();
    t.uuid('approved_by').nullable().references('users.id');
    t.timestamp('approved_at', { useTz: true }).nullable();
    t.text('arn').nullable();
    t.text('filed_on').nullable().checkRegex(DATE);
    t.text('outcome').nullable();
    t.text('order_form').nullable();
    t.text('order_date').nullable().checkRegex(DATE);
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.text('workflow_id').notNullable();
    /** When the dates last changed: reminder offsets before it are skipped. */
    t.timestamp('dates_changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** Tests only: the plan compressed around the intake instant (null in real time). */
    t.double('time_scale').nullable();
    t.uuid('created_by').nullable().references('users.id');
    t.timestamps(true, true);
    t.unique(['firm_id', 'gstin', 'reference']);
    t.unique(['firm_id', 'id']);
  });
  await knex.raw('CREATE INDEX notices_open ON notices (firm_id, state) WHERE state <> \'closed\'');

  await knex.schema.createTable('notice_drafts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('notice_id').notNullable();
    t.foreign(['firm_id', 'notice_id']).references(['firm_id', 'id']).inTable('notices').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.text('text').notNullable();
    t.specificType('document_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.uuid('drafted_by').notNullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['firm_id', 'notice_id', 'version']);
  });

  await knex.schema.createTable('notice_reviews', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('notice_id').notNullable();
    t.foreign(['firm_id', 'notice_id']).references(['firm_id', 'id']).inTable('notices').onDelete('CASCADE');
    t.text('decision').notNullable().checkIn(['approved', 'changes_requested']);
    t.text('comment').nullable();
    t.uuid('reviewer_id').notNullable().references('users.id');
    t.integer('draft_version').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('notice_hearings', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('notice_id').notNullable();
    t.foreign(['firm_id', 'notice_id']).references(['firm_id', 'id']).inTable('notices').onDelete('CASCADE');
    t.timestamp('at', { useTz: true }).notNullable();
    t.text('place').nullable();
    t.smallint('adjournments').notNullable().defaultTo(0);
    t.text('last_reason').nullable();
    t.boolean('override_used').notNullable().defaultTo(false);
    t.timestamps(true, true);
  });

  await knex.schema.createTable('notice_alerts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('notice_id').notNullable();
    t.foreign(['firm_id', 'notice_id']).references(['firm_id', 'id']).inTable('notices').onDelete('CASCADE');
    t.text('step_key').notNullable();
    t.text('audience').notNullable().checkIn(['assignee', 'manager', 'firm_admin', 'drafter']);
    t.text('reason').notNullable();
    t.timestamp('planned_at', { useTz: true }).notNullable();
    t.integer('recipients').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['firm_id', 'notice_id', 'step_key']);
  });

  // Forced row-level security, the audit trigger and exactly these privileges; nothing is deleted.
  for (const [table, entity, clientScoped, privileges] of FIRM_TABLES) {
    await secureFirmTable(knex, table, { ...(clientScoped ? { clientColumn: 'client_id' } : {}), grants: privileges, audit: { entity } });
  }
  // The catalogue changes only by migration.
  await knex.raw(platformReadOnly('notice_forms'));
}

export async function down(knex: Knex): Promise<void> {
  for (const [table] of [...FIRM_TABLES].reverse()) await knex.schema.dropTable(table);
  await knex.schema.dropTable('notice_forms');
}
