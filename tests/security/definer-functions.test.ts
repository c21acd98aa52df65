/**
 * Functions that run as the tables' owner (SECURITY DEFINER) see past row-level security, so who
 * may execute them is part of the tenancy boundary. On a migrated database: none may be executed by
 * PUBLIC; the application roles may execute only the ones the api calls (listed here, each with its
 * reason); every other one (the triggers') by the owner alone, since a role that may execute a
 * trigger function can put it on a temporary table of its own. A new owner-run function fails this
 * test until it is listed. The period lock's functions are the case in point (migration 042):
 * borrowed, they told firm B whether firm A's period is closed.
 */
import type { Knex } from 'knex';
import { migrations } from '../../db/migrations';
import { LOCK_FUNCTIONS } from '../../db/migrations/042-period-lock-functions-not-lent';
import { migrateLatest } from '../../db/migrator';
import { platformRoleFor } from '../../db/knex';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../harness/database';
import { asStaffOf, createTestFirm, type TestFirm } from '../harness/factories';

/** Executable by the application role (and so the platform role, its member): what the api calls, and why. */
const CALLED_BY_THE_API: Record<string, string> = {
  'account_link_lookup(text,text)': 'an invitation or reset link is opened without a session: finds its one row by token hash',
  'codec_operator_access(text,text,integer,text,text,text)': 'the codec console checks an operator token the application role may not read',
  'follow_up_link_lookup(text)': 'a checklist link is opened without a session: finds its one link by token hash',
  'ops_metrics()': 'GET /metrics reads aggregates across firms, no row of any firm',
  'record_signin_event(text,jsonb,text,text)': 'a failed or throttled sign-in of no firm goes to the platform chain',
};
/** Executable by the owner alone: trigger functions, which fire without EXECUTE once their trigger exists. */
const OWNER_ONLY: Record<string, string> = {
  'import_rows_import_check()': 'the import rows’ key check (migration 040)',
  'imports_rows_cascade()': 'the import rows’ cascade (migration 040)',
  'period_lock_row()': 'the period lock of parent tables (migrations 005, 042)',
  'period_lock_statement()': 'the period lock of bulk row tables (migrations 005, 020, 042)',
  'reconciliation_results_key_check()': 'the result rows’ key check (migration 043)',
  'reconciliation_runs_results_cascade()': 'the result rows’ cascade (migration 043)',
};

const PERIOD = '2024-06';
const OPEN_PERIOD = '2024-07';

type Held = { fn: string; public: boolean; app: boolean; platform: boolean };

describe('functions that run as the owner', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let other: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 2 });
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
    // Firm A's PERIOD closed (through the states the guard allows), with an import in it; OPEN_PERIOD has no close.
    const clientId = firm.clients[0]!.id;
    await db.owner('imports').insert({ firm_id: firm.id, client_id: clientId, kind: 'gstr2b', period: PERIOD, filename: 'x.json' });
    const [p] = await db.owner('periods').insert({ firm_id: firm.id, client_id: clientId, period: PERIOD, state: 'open' }).returning('id');
    for (const state of ['close_requested', 'closed']) await db.owner('periods').where({ id: (p as { id: string }).id }).update({ state });
  });
  afterAll(() => db.drop());

  const held = async (): Promise<Held[]> =>
    (
      await db.owner.raw(
        `select p.oid::regprocedure::text as fn, has_function_privilege('public', p.oid, 'EXECUTE') as public,
                has_function_privilege(?, p.oid, 'EXECUTE') as app, has_function_privilege(?, p.oid, 'EXECUTE') as platform
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname = 'public' and p.prosecdef order by 1`,
        [TEST_APP_ROLE, platformRoleFor(TEST_APP_ROLE)],
      )
    ).rows;

  const asFirm = <T>(f: TestFirm, fn: (trx: Knex.Transaction) => Promise<T>) => asStaffOf(db, f, fn);
  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (e: Error & { code?: string }) => `${e.code}: ${e.message.replace(/^[\s\S]* - /, '')}`,
    );

  /** Firm B's application role puts a lock function on a temporary table of its own and asks about firm A's period. */
  const borrow = (fn: (typeof LOCK_FUNCTIONS)[number], period: string) =>
    errorOf(
      asFirm(other, async (trx) => {
        await trx.raw('create temp table borrowed (firm_id uuid, client_id uuid, period text) on commit drop');
        await trx.raw(
          fn === 'period_lock_row()'
            ? 'create trigger borrowed_lock before insert on borrowed for each row execute function period_lock_row()'
            : 'create trigger borrowed_lock after insert on borrowed referencing new table as new_rows for each statement execute function period_lock_statement()',
        );
        await trx.raw('insert into borrowed values (?, ?, ?)', [firm.id, firm.clients[0]!.id, period]);
      }),
    );

  it('none may be executed by PUBLIC', async () => {
    expect((await held()).filter((h) => h.public).map((h) => h.fn)).toEqual([]);
  });

  it('each is listed: the application roles may execute exactly the ones the api calls, the rest the owner alone', async () => {
    const all = await held();
    expect(all.map((h) => h.fn).sort()).toEqual([...Object.keys(CALLED_BY_THE_API), ...Object.keys(OWNER_ONLY)].sort());
    expect(all.filter((h) => h.app).map((h) => h.fn)).toEqual(Object.keys(CALLED_BY_THE_API).sort());
    expect(all.filter((h) => h.platform).map((h) => h.fn)).toEqual(Object.keys(CALLED_BY_THE_API).sort());
    // The lists name functions that exist, and the migration names the lock's.
    expect(LOCK_FUNCTIONS.filter((f) => !(f in OWNER_ONLY))).toEqual([]);
  });

  it('firm B’s application role cannot borrow the period lock to learn whether firm A’s period is closed', async () => {
    expect(await borrow('period_lock_row()', PERIOD)).toMatch(/^42501: permission denied for function period_lock_row$/);
    expect(await borrow('period_lock_statement()', PERIOD)).toMatch(/^42501: permission denied for function period_lock_statement$/);
  });

  it('the lock’s own triggers still fire for the application role (EXECUTE is checked only at CREATE TRIGGER)', async () => {
    const clientId = firm.clients[0]!.id;
    // A parent table (period_lock_row) and a bulk row table (period_lock_statement).
    expect(await errorOf(asFirm(firm, (trx) => trx('imports').insert({ firm_id: firm.id, client_id: clientId, kind: 'gstr2b', period: PERIOD, filename: 'y.json' })))).toBe(
      `23514: period_closed: period ${PERIOD} of client ${clientId} is closed (INSERT on imports refused)`,
    );
    const { id: importId } = await db.owner('imports').where({ firm_id: firm.id, period: PERIOD }).first('id');
    expect(
      await errorOf(asFirm(firm, (trx) => trx('import_rows').insert({ firm_id: firm.id, client_id: clientId, import_id: importId, period: PERIOD, seq: 0, doc: '{}' }))),
    ).toBe(`23514: period_closed: period ${PERIOD} of client ${clientId} is closed (INSERT on import_rows refused)`);
    expect(await errorOf(asFirm(firm, (trx) => trx('imports').insert({ firm_id: firm.id, client_id: clientId, kind: 'gstr2b', period: OPEN_PERIOD, filename: 'z.json' })))).toBe('no error');
  });

  it('without migration 042 the borrowed lock answered the question; down() restores that and up() ends it again', async () => {
    const name = '042-period-lock-functions-not-lent';
    const source: Knex.MigrationSource<string> = {
      getMigrations: async () => migrations.map((m) => m.name),
      getMigrationName: (n) => n,
      getMigration: async (n) => migrations.find((m) => m.name === n)!.module,
    };
    await db.owner.migrate.down({ migrationSource: source, name });
    let before: string[];
    try {
      before = [await borrow('period_lock_row()', PERIOD), await borrow('period_lock_statement()', PERIOD), await borrow('period_lock_row()', OPEN_PERIOD)];
    } finally {
      await expect(migrateLatest({ url: db.url, appRole: TEST_APP_ROLE })).resolves.toEqual([name]);
    }
    const clientId = firm.clients[0]!.id;
    expect(before).toEqual([
      `23514: period_closed: period ${PERIOD} of client ${clientId} is closed (INSERT on borrowed refused)`,
      `23514: period_closed: period ${PERIOD} of client ${clientId} is closed (INSERT on borrowed refused)`,
      'no error',
    ]);
    expect(await borrow('period_lock_row()', PERIOD)).toMatch(/^42501: permission denied for function period_lock_row$/);
    expect((await held()).filter((h) => h.public)).toEqual([]);
  });
});
