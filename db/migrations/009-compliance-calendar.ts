import type { Knex } from 'knex';
import type { ReturnRule } from '../../domain/calendar';
import { auditTriggerSql } from '../audit-triggers';
import { enableTenantRls } from '../rls';

/**
 * The compliance calendar (docs/calendar.md).
 *
 * Platform tables, the same for every firm, read-only to the application:
 * - `calendar_rules`: the recurring returns as data (which return, for which clients, which periods,
 *   due when). A changed due day is a new row with its own validity, never an edit of code.
 * - `national_holidays`: the fixed national holidays for the years served.
 *
 * Firm tables (row-level security, audit trigger, grants as narrow as the routes need):
 * - `firm_calendar_settings`: Saturdays working, the target-date buffer, the warning days.
 * - `firm_holidays`: the firm's own days off and per-state holidays (state_code null: every state).
 * - `calendar_extensions`: notified extensions, one return and period, all or some states. Append
 *   only: a later extension for the same return and period supersedes an earlier one when the
 *   calendar is computed, so every deadline keyed to (client, return, period) sees the new date.
 * - `filings`: a return filed for a client and period (ARN, date); one per client, return and period.
 * - `client_frequency_changes`: monthly ↔ quarterly from a quarter on, so history stays right.
 * - `calendar_alerts` and `calendar_sweeps`: what the daily sweep already announced (a deadline
 *   that became due soon or overdue, keyed by its effective due date) and which days it ran for, so
 *   a retried or repeated sweep notifies nobody twice.
 *
 * Clients gain an owner (a staff user of the same firm), a scheme (regular or composition), a
 * turnover band and their own target-date buffer.
 */

export const CALENDAR_RULES_009: ReturnRule[] = [
  // Before QRMP (periods up to December 2020): quarterly GSTR-1 at the end of the month after the
  // quarter, GSTR-3B monthly for every regular taxpayer.
  { id: 'gstr1-quarterly-2017', returnType: 'GSTR-1', cadence: 'quarterly', scheme: 'regular', filingFrequency: 'quarterly', qrmpGroup: null, monthsOfQuarter: null, dueMonthOffset: 1, dueDay: 31, turnoverBands: null, validFrom: '2017-07', validTo: '2020-12' },
  { id: 'gstr3b-monthly-2017', returnType: 'GSTR-3B', cadence: 'monthly', scheme: 'regular', filingFrequency: null, qrmpGroup: null, monthsOfQuarter: null, dueMonthOffset: 1, dueDay: 20, turnoverBands: null, validFrom: '2017-07', validTo: '2020-12' },
  // Monthly filers.
  { id: 'gstr1-monthly', returnType: 'GSTR-1', cadence: 'monthly', scheme: 'regular', filingFrequency: 'monthly', qrmpGroup: null, monthsOfQuarter: null, dueMonthOffset: 1, dueDay: 11, turnoverBands: null, validFrom: '2017-07', validTo: null },
  { id: 'gstr3b-monthly', returnType: 'GSTR-3B', cadence: 'monthly', scheme: 'regular', filingFrequency: 'monthly', qrmpGroup: null, monthsOfQuarter: null, dueMonthOffset: 1, dueDay: 20, turnoverBands: null, validFrom: '2021-01', validTo: null },
  // QRMP (from the January–March 2021 quarter).
  { id: 'gstr1-qrmp', returnType: 'GSTR-1', cadence: 'quarterly', scheme: 'regular', filingFrequency: 'quarterly', qrmpGroup: null, monthsOfQuarter: null, dueMonthOffset: 1, dueDay: 13, turnoverBands: null, validFrom: '2021-01', validTo: null },
  { id: 'iff-qrmp', returnType: 'IFF', cadence: 'monthly', scheme: 'regular', filingFrequency: 'quarterly', qrmpGroup: null, monthsOfQuarter: [1, 2], dueMonthOffset: 1, dueDay: 13, turnoverBands: null, validFrom: '2021-01', validTo: null },
  { id: 'gstr3b-qrmp-a', returnType: 'GSTR-3B', cadence: 'quarterly', scheme: 'regular', filingFrequency: 'quarterly', qrmpGroup: 'A', monthsOfQuarter: null, dueMonthOffset: 1, dueDay: 22, turnoverBands: null, validFrom: '2021-01', validTo: null },
  { id: 'gstr3b-qrmp-b', returnType: 'GSTR-3B', cadence: 'quarterly', scheme: 'regular', filingFrequency: 'quarterly', qrmpGroup: 'B', monthsOfQuarter: null, dueMonthOffset: 1, dueDay: 24, turnoverBands: null, validFrom: '2021-01', validTo: null },
  // Composition: CMP-08 quarterly, GSTR-4 yearly (period: the financial year's last month).
  { id: 'cmp08', returnType: 'CMP-08', cadence: 'quarterly', scheme: 'composition', filingFrequency: null, qrmpGroup: null, monthsOfQuarter: null, dueMonthOffset: 1, dueDay: 18, turnoverBands: null, validFrom: '2019-04', validTo: null },
  { id: 'gstr4-annual', returnType: 'GSTR-4', cadence: 'annual', scheme: 'composition', filingFrequency: null, qrmpGroup: null, monthsOfQuarter: null, dueMonthOffset: 1, dueDay: 30, turnoverBands: null, validFrom: '2020-03', validTo: null },
  // Annual returns of regular taxpayers: GSTR-9 (optional up to ₹2 crore), GSTR-9C above ₹5 crore.
  { id: 'gstr9', returnType: 'GSTR-9', cadence: 'annual', scheme: 'regular', filingFrequency: null, qrmpGroup: null, monthsOfQuarter: null, dueMonthOffset: 9, dueDay: 31, turnoverBands: ['2cr_to_5cr', 'above_5cr'], validFrom: '2018-03', validTo: null },
  { id: 'gstr9c', returnType: 'GSTR-9C', cadence: 'annual', scheme: 'regular', filingFrequency: null, qrmpGroup: null, monthsOfQuarter: null, dueMonthOffset: 9, dueDay: 31, turnoverBands: ['above_5cr'], validFrom: '2021-03', validTo: null },
];

/** Fixed-date national holidays for 2017 (GST's first year) to 2035. Festival and state days are the firm's to add. */
export function nationalHolidays009(): Array<{ date: string; name: string }> {
  const rows: Array<{ date: string; name: string }> = [];
  for (let year = 2017; year <= 2035; year += 1) {
    rows.push({ date: `${year}-01-26`, name: 'Republic Day' }, { date: `${year}-08-15`, name: 'Independence Day' }, { date: `${year}-10-02`, name: 'Gandhi Jayanti' });
  }
  return rows;
}

const PERIOD_CHECK = '^[0-9]{4}-(0[1-9]|1[0-2])$';
const RETURN_TYPES = ['GSTR-1', 'IFF', 'GSTR-3B', 'CMP-08', 'GSTR-4', 'GSTR-9', 'GSTR-9C'];
/** [table, audit entity type, portal users limited by client_id] */
const FIRM_TABLES: Array<[string, string, boolean]> = [
  ['firm_calendar_settings', 'calendar_settings', false],
  ['firm_holidays', 'firm_holiday', false],
  ['calendar_extensions', 'calendar_extension', false],
  ['filings', 'filing', true],
  ['client_frequency_changes', 'client_frequency_change', true],
  ['calendar_alerts', 'calendar_alert', true],
  ['calendar_sweeps', 'calendar_sweep', false],
];

function grants(statements: string[]): string {
  return `
    DO $$
    DECLARE app_role text := current_setting('taalmel.app_role', true);
    BEGIN
      IF app_role IS NOT NULL AND app_role <> '' THEN
        ${statements.map((s) => `EXECUTE format('${s}', app_role);`).join('\n        ')}
      END IF;
    END $$;`;
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('calendar_rules', (t) => {
    t.text('id').primary();
    t.text('return_type').notNullable().checkIn(RETURN_TYPES);
    t.text('cadence').notNullable().checkIn(['monthly', 'quarterly', 'annual']);
    t.text('scheme').notNullable().checkIn(['regular', 'composition']);
    t.text('filing_frequency').nullable().checkIn(['monthly', 'quarterly']);
    t.text('qrmp_group').nullable().checkIn(['A', 'B']);
    t.specificType('months_of_quarter', 'smallint[]').nullable();
    t.smallint('due_month_offset').notNullable().checkBetween([0, 24]);
    t.smallint('due_day').notNullable().checkBetween([1, 31]);
    t.specificType('turnover_bands', 'text[]').nullable();
    t.text('valid_from').notNullable().checkRegex(PERIOD_CHECK);
    t.text('valid_to').nullable().checkRegex(PERIOD_CHECK);
  });
  await knex('calendar_rules').insert(
    CALENDAR_RULES_009.map((r) => ({
      id: r.id, return_type: r.returnType, cadence: r.cadence, scheme: r.scheme, filing_frequency: r.filingFrequency, qrmp_group: r.qrmpGroup,
      months_of_quarter: r.monthsOfQuarter, due_month_offset: r.dueMonthOffset, due_day: r.dueDay, turnover_bands: r.turnoverBands, valid_from: r.validFrom, valid_to: r.validTo,
    })),
  );

  await knex.schema.createTable('national_holidays', (t) => {
    t.date('date').primary();
    t.text('name').notNullable();
  });
  await knex('national_holidays').insert(nationalHolidays009());

  await knex.raw('ALTER TABLE users ADD CONSTRAINT users_firm_owner_key UNIQUE (firm_id, id)');
  await knex.schema.alterTable('clients', (t) => {
    t.uuid('owner_id').nullable();
    t.foreign(['firm_id', 'owner_id'], 'clients_owner_same_firm').references(['firm_id', 'id']).inTable('users');
    t.text('scheme').notNullable().defaultTo('regular').checkIn(['regular', 'composition']);
    t.text('turnover_band').nullable().checkIn(['up_to_2cr', '2cr_to_5cr', 'above_5cr']);
    t.smallint('target_buffer_days').nullable().checkBetween([0, 30]);
  });

  await knex.schema.createTable('firm_calendar_settings', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().unique().references('firms.id').onDelete('RESTRICT');
    t.boolean('saturdays_working').notNullable().defaultTo(true);
    t.smallint('target_buffer_days').notNullable().defaultTo(2).checkBetween([0, 30]);
    t.smallint('warning_days').notNullable().defaultTo(7).checkBetween([0, 60]);
    t.timestamps(true, true);
  });

  await knex.schema.createTable('firm_holidays', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.date('date').notNullable();
    t.text('name').notNullable();
    t.string('state_code', 2).nullable();
    t.timestamps(true, true);
  });
  await knex.raw(`CREATE UNIQUE INDEX firm_holidays_day ON firm_holidays (firm_id, date, coalesce(state_code, ''))`);

  await knex.schema.createTable('calendar_extensions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.text('return_type').notNullable().checkIn(RETURN_TYPES);
    t.text('period').notNullable().checkRegex(PERIOD_CHECK);
    t.specificType('state_codes', 'text[]').nullable();
    t.date('due_date').notNullable();
    t.text('reference').notNullable();
    t.uuid('created_by').nullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX calendar_extensions_key ON calendar_extensions (firm_id, return_type, period)');

  await knex.schema.createTable('filings', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.text('return_type').notNullable().checkIn(RETURN_TYPES);
    t.text('period').notNullable().checkRegex(PERIOD_CHECK);
    t.date('filed_on').notNullable();
    t.text('arn').notNullable();
    t.uuid('created_by').nullable().references('users.id');
    t.timestamps(true, true);
    t.unique(['firm_id', 'client_id', 'return_type', 'period']);
  });

  await knex.schema.createTable('client_frequency_changes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    /** A quarter's first month: frequency changes only at a quarter boundary. */
    t.text('from_period').notNullable().checkRegex('^[0-9]{4}-(01|04|07|10)$');
    t.text('frequency').notNullable().checkIn(['monthly', 'quarterly']);
    t.text('previous_frequency').notNullable().checkIn(['monthly', 'quarterly']);
    t.uuid('created_by').nullable().references('users.id');
    t.timestamps(true, true);
    t.unique(['firm_id', 'client_id', 'from_period']);
  });

  await knex.schema.createTable('calendar_alerts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.uuid('client_id').notNullable();
    t.foreign(['firm_id', 'client_id']).references(['firm_id', 'id']).inTable('clients');
    t.text('return_type').notNullable().checkIn(RETURN_TYPES);
    t.text('period').notNullable().checkRegex(PERIOD_CHECK);
    t.text('kind').notNullable().checkIn(['due_soon', 'overdue']);
    /** The effective due date the alert was about: an extension re-arms alerts for the new date. */
    t.date('due_date').notNullable();
    t.date('sweep_day').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['firm_id', 'client_id', 'return_type', 'period', 'kind', 'due_date']);
  });

  await knex.schema.createTable('calendar_sweeps', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('firm_id').notNullable().references('firms.id').onDelete('RESTRICT');
    t.date('day').notNullable();
    t.integer('alerts').notNullable();
    t.integer('notifications').notNullable();
    t.text('workflow_id').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['firm_id', 'day']);
  });

  for (const [table, entity, clientScoped] of FIRM_TABLES) {
    await enableTenantRls(knex, table, clientScoped ? { clientColumn: 'client_id' } : {});
    await knex.raw(auditTriggerSql(table, entity));
  }

  // The default privileges of migration 001 grant every table to the app; narrow them to what the
  // routes and the sweep do. Rules and national holidays change only by migration.
  await knex.raw(
    grants([
      'GRANT SELECT ON calendar_rules, national_holidays TO %I',
      'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON calendar_rules, national_holidays FROM %I',
      'GRANT SELECT, INSERT, UPDATE ON firm_calendar_settings, client_frequency_changes TO %I',
      'REVOKE DELETE, TRUNCATE ON firm_calendar_settings, client_frequency_changes FROM %I',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON firm_holidays TO %I',
      'REVOKE TRUNCATE ON firm_holidays FROM %I',
      'GRANT SELECT, INSERT ON calendar_extensions, filings, calendar_alerts, calendar_sweeps TO %I',
      'REVOKE UPDATE, DELETE, TRUNCATE ON calendar_extensions, filings, calendar_alerts, calendar_sweeps FROM %I',
    ]),
  );
}

export async function down(knex: Knex): Promise<void> {
  for (const [table] of [...FIRM_TABLES].reverse()) await knex.schema.dropTable(table);
  await knex.schema.alterTable('clients', (t) => {
    t.dropForeign(['firm_id', 'owner_id'], 'clients_owner_same_firm');
    t.dropColumns('owner_id', 'scheme', 'turnover_band', 'target_buffer_days');
  });
  await knex.raw('ALTER TABLE users DROP CONSTRAINT users_firm_owner_key');
  await knex.schema.dropTable('national_holidays');
  await knex.schema.dropTable('calendar_rules');
}
