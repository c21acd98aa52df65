/**
 * The result rows' tie to their run (migration 043): a foreign key once, now checked once a
 * statement by the triggers the import rows' tie has (migration 040). Everything the key enforced
 * still holds on a real PostgreSQL: a result row never names a missing run or another firm's (as the
 * application role writes them, and as the owner, to whom row-level security does not apply), its
 * refusal comes before the period lock's as the key's did, deleting a run deletes its result rows,
 * a run's key never changes under them, the check locks the run as the key's did (a delete waits
 * for the writing transaction; a write waits for a delete in flight and is then refused), the runs
 * and their rows may be truncated together but not the runs alone, and the erasure still deletes the
 * rows before their runs. The triggers' functions run as the owner, so no one else may put them on
 * a table (firm B's application role would otherwise delete firm A's result rows through them).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { deletionOrder, erasedTables, FOREIGN_KEYS_SQL } from '../../../db/client-data-catalogue';
import { pgArray } from '../../../db/client-data';
import { RUN_KEY } from '../../../db/migrations/043-result-rows-run-check';
import { insertResultRows, type StoredResult } from '../../../db/recon-rows';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { asStaffOf, createTestFirm, type TestFirm } from '../../harness/factories';
import { holdThenWrite } from '../../harness/lock-waits';

const PERIOD = '2024-06';
const REFUSED = new RegExp(`violates foreign key constraint "${RUN_KEY}"`);

describe('result rows name a run of their firm', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let other: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 2 });
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
  });
  afterAll(async () => {
    await db.drop();
  });

  const asFirm = <T>(f: TestFirm, fn: (trx: Knex.Transaction) => Promise<T>) => asStaffOf(db, f, fn);

  /** A run (with the import it names) of the firm's first client, written as the owner, as the workflow's start makes it. */
  async function newRun(f: TestFirm, period = PERIOD): Promise<string> {
    const clientId = f.clients[0]!.id;
    const [imp] = await db.owner('imports').insert({ firm_id: f.id, client_id: clientId, kind: 'gstr2b', period, filename: 'x.json' }).returning('id');
    const importId = (imp as { id: string }).id;
    const [run] = await db.owner('reconciliation_runs')
      .insert({ firm_id: f.id, client_id: clientId, period, register_import_id: importId, gstr2b_import_id: importId, workflow_id: `key-${randomUUID()}` })
      .returning('id');
    return (run as { id: string }).id;
  }

  const results = (n: number): StoredResult[] => Array.from({ length: n }, (_, i) => ({ category: 'matched', supplierGstin: '27AAPFU0939F1ZV', row: { id: `r${i}` } }));
  /** Result rows written as a run's activity writes them (COPY through the staging table, the application role). */
  const store = (f: TestFirm, runId: string, n = 5, period = PERIOD) =>
    asFirm(f, (trx) => {
      const rows = results(n);
      return insertResultRows(trx, { firmId: f.id, clientId: f.clients[0]!.id, period, runId }, { count: n, between: (a, b) => rows.slice(a, b) });
    });
  const rowsOf = async (runId: string) => Number((await db.owner('reconciliation_results').where({ run_id: runId }).count({ n: '*' }))[0]!.n);
  /** Rows written by whoever runs `trx` (the owner has no row-level security), `n` of them for each firm and run named. */
  const plant = (trx: Knex, rows: Array<{ firmId: string; runId: string }>, n = 3) =>
    trx.raw(
      `insert into reconciliation_results (firm_id, client_id, run_id, period, seq, category, supplier_gstin, row)
       select r.firm_id::uuid, ?::uuid, r.run_id::uuid, ?, s, 'matched', '', '{}'::jsonb
         from jsonb_to_recordset(?::jsonb) as r (firm_id text, run_id text), generate_series(0, ? - 1) s`,
      [firm.clients[0]!.id, PERIOD, JSON.stringify(rows.map((r) => ({ firm_id: r.firmId, run_id: r.runId }))), n],
    );
  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (e: Error & { code?: string; constraint?: string }) => `${e.code} ${e.constraint ?? '-'}: ${e.message}`,
    );

  it('writes the result rows of a run of the firm', async () => {
    const runId = await newRun(firm);
    await store(firm, runId, 7);
    expect(await rowsOf(runId)).toBe(7);
  });

  it('refuses rows naming a missing run, or another firm’s, with the key’s code and name, and writes none of the statement', async () => {
    const missing = randomUUID();
    expect(await errorOf(store(firm, missing))).toMatch(new RegExp(`^23503 ${RUN_KEY}: .*${REFUSED.source}`, 's'));
    expect(await rowsOf(missing)).toBe(0);
    const theirs = await newRun(other);
    expect(await errorOf(store(firm, theirs))).toMatch(new RegExp(`^23503 ${RUN_KEY}: .*${REFUSED.source}`, 's'));
    expect(await rowsOf(theirs)).toBe(0);
    // The owner is not held by row-level security: the check is, as the key was.
    expect(await errorOf(plant(db.owner, [{ firmId: firm.id, runId: theirs }]))).toMatch(REFUSED);
    // One statement for a good run and a missing one: every run it names is checked, not the first.
    const mine = await newRun(firm);
    expect(await errorOf(plant(db.owner, [{ firmId: firm.id, runId: mine }, { firmId: firm.id, runId: missing }]))).toMatch(REFUSED);
    expect(await errorOf(plant(db.owner, [{ firmId: firm.id, runId: missing }, { firmId: firm.id, runId: mine }]))).toMatch(REFUSED);
    expect(await rowsOf(mine)).toBe(0);
  });

  it('refuses a row of a missing run in a closed period with the key’s error, before the period lock’s, as the key did', async () => {
    const period = '2024-05';
    const runId = await newRun(firm, period);
    const [p] = await db.owner('periods').insert({ firm_id: firm.id, client_id: firm.clients[0]!.id, period, state: 'open' }).returning('id');
    for (const state of ['close_requested', 'closed']) await db.owner('periods').where({ id: (p as { id: string }).id }).update({ state });
    expect(await errorOf(store(firm, randomUUID(), 2, period))).toMatch(new RegExp(`^23503 ${RUN_KEY}: `));
    // The period lock still refuses the run's own rows.
    expect(await errorOf(store(firm, runId, 2, period))).toMatch(/^23514 -: .*period_closed/s);
  });

  it('refuses a row moved to a missing run or to another firm, and takes a move to a run of its firm', async () => {
    const [a, b] = [await newRun(firm), await newRun(firm)];
    await store(firm, a, 4);
    expect(await errorOf(db.owner('reconciliation_results').where({ run_id: a, seq: 0 }).update({ run_id: randomUUID() }))).toMatch(REFUSED);
    expect(await errorOf(db.owner('reconciliation_results').where({ run_id: a, seq: 0 }).update({ firm_id: other.id }))).toMatch(REFUSED);
    await db.owner('reconciliation_results').where({ run_id: a, seq: 0 }).update({ run_id: b });
    // A change that keeps the run (a manual action's) is taken as the key took it.
    await asFirm(firm, (trx) => trx('reconciliation_results').where({ run_id: a, seq: 1 }).update({ category: 'ignored' }));
    expect([await rowsOf(a), await rowsOf(b)]).toEqual([3, 1]);
  });

  it('deletes a run’s result rows with it, and only its rows', async () => {
    const [gone, kept] = [await newRun(firm), await newRun(firm)];
    await store(firm, gone, 6);
    await store(firm, kept, 2);
    await asFirm(firm, (trx) => trx('reconciliation_runs').where({ id: gone }).delete());
    expect([await rowsOf(gone), await rowsOf(kept)]).toEqual([0, 2]);
    await db.owner('reconciliation_runs').where({ id: kept }).delete();
    expect(await rowsOf(kept)).toBe(0);
  });

  it('truncates the runs together with their result rows in one statement, as the key allowed', async () => {
    const runId = await newRun(firm);
    await store(firm, runId, 2);
    const ROLLBACK = 'rolled back as planned';
    const outcome = await db.owner
      .transaction(async (trx) => {
        await trx.raw('truncate reconciliation_runs, reconciliation_results cascade');
        const left = await trx.raw(`select (select count(*) from reconciliation_runs)::int as runs, (select count(*) from reconciliation_results)::int as rows`);
        throw new Error(`${ROLLBACK}: ${JSON.stringify(left.rows[0])}`);
      })
      .catch((e: Error) => e.message);
    expect(outcome).toBe(`${ROLLBACK}: {"runs":0,"rows":0}`);
    expect(await rowsOf(runId)).toBe(2);
  });

  it('never changes a run’s key under its result rows, nor truncates the runs without them', async () => {
    const [held, empty] = [await newRun(firm), await newRun(firm)];
    await store(firm, held, 2);
    expect(await errorOf(db.owner('reconciliation_runs').where({ id: held }).update({ id: randomUUID() }))).toMatch(new RegExp(`^23503 ${RUN_KEY}: .*${REFUSED.source}`, 's'));
    expect(await errorOf(db.owner.raw('truncate reconciliation_runs cascade'))).toMatch(/cannot truncate "reconciliation_runs" while "reconciliation_results" has rows/);
    expect(await rowsOf(held)).toBe(2);
    // As with the key, a run no result row names may change its key.
    const renamed = randomUUID();
    await db.owner('reconciliation_runs').where({ id: empty }).update({ id: renamed });
    expect(await db.owner('reconciliation_runs').where({ id: renamed }).first('id')).toEqual({ id: renamed });
  });

  it('locks the run while its result rows are written: a delete waits for the writer, then deletes the rows', async () => {
    const runId = await newRun(firm);
    const { written, waited } = await holdThenWrite(db.owner, {
      hold: (trx) => plant(trx, [{ firmId: firm.id, runId }], 5),
      // As the application role (the owner's two connections are the holder's and the watcher's).
      waiter: () => asFirm(firm, (trx) => trx('reconciliation_runs').where({ id: runId }).delete()),
      waitsOn: { what: 'the delete of the run', query: /delete from "reconciliation_runs"/ },
      write: (trx) => trx.raw('select 1'),
    });
    expect(written).toEqual({ ok: true, value: expect.anything() });
    expect(waited).toEqual({ ok: true, value: 1 });
    expect(await rowsOf(runId)).toBe(0);
    expect(await db.owner('reconciliation_runs').where({ id: runId }).first()).toBeUndefined();
  });

  it('a write waits for a delete of its run in flight, then is refused', async () => {
    const runId = await newRun(firm);
    const { written, waited } = await holdThenWrite(db.owner, {
      hold: (trx) => trx('reconciliation_runs').where({ id: runId }).delete(),
      waiter: () => store(firm, runId, 5),
      waitsOn: { what: 'the result rows written for the run', query: /insert into reconciliation_results/ },
      write: (trx) => trx.raw('select 1'),
    });
    expect(written.ok).toBe(true);
    expect(waited).toEqual({ ok: false, error: expect.stringMatching(REFUSED) });
    expect(await rowsOf(runId)).toBe(0);
  });

  it('a write beside the run’s own FOR NO KEY UPDATE is not stopped by it (a run’s second part)', async () => {
    const runId = await newRun(firm);
    const holder = await db.owner.transaction();
    try {
      await holder.raw('select 1 from reconciliation_runs where id = ? for no key update', [runId]);
      // The second part's own transaction; lock_timeout makes a wait an error rather than a hang.
      await asFirm(firm, async (trx) => {
        await trx.raw(`set local lock_timeout = '5s'`);
        const rows = results(3);
        await insertResultRows(trx, { firmId: firm.id, clientId: firm.clients[0]!.id, period: PERIOD, runId }, { count: 3, between: (a, b) => rows.slice(a, b) });
      });
    } finally {
      await holder.rollback();
    }
    expect(await rowsOf(runId)).toBe(3);
  });

  describe('its functions run as the owner, so they are lent to no one', () => {
    const FUNCTIONS = ['reconciliation_results_key_check()', 'reconciliation_runs_results_cascade()'];
    /** A table of the caller's own, with one of the functions as its trigger: the attack a PUBLIC EXECUTE allowed. */
    const BORROW = {
      'reconciliation_runs_results_cascade()': [
        'create temp table borrowed (firm_id uuid, id uuid) on commit drop',
        'create trigger borrowed_del after delete on borrowed for each row execute function reconciliation_runs_results_cascade()',
      ],
      'reconciliation_results_key_check()': [
        'create temp table borrowed (firm_id uuid, run_id uuid) on commit drop',
        'create trigger borrowed_ins after insert on borrowed referencing new table as new_rows for each statement execute function reconciliation_results_key_check()',
      ],
    } as const;
    const attempt = (fn: keyof typeof BORROW, runId: string) => async (trx: Knex.Transaction) => {
      for (const statement of BORROW[fn]) await trx.raw(statement);
      // Had the trigger been made: delete firm A's result rows, or probe and lock firm A's run.
      await trx.raw('insert into borrowed values (?, ?)', [firm.id, runId]);
      if (fn.startsWith('reconciliation_runs')) await trx.raw('delete from borrowed');
    };

    it('EXECUTE is held by neither PUBLIC nor the roles the application uses', async () => {
      const roles = ['public', TEST_APP_ROLE, `${TEST_APP_ROLE}_platform`];
      const held = await db.owner.raw(
        `select r.role, f.fn, has_function_privilege(r.role, f.fn, 'EXECUTE') as execute
           from unnest(?::text[]) as r (role), unnest(?::text[]) as f (fn) order by 1, 2`,
        [roles, FUNCTIONS],
      );
      expect(held.rows.filter((r: { execute: boolean }) => r.execute)).toEqual([]);
      expect(held.rows).toHaveLength(roles.length * FUNCTIONS.length);
    });

    it('firm B’s application role cannot borrow the cascade or the check, and firm A’s rows stay', async () => {
      const runId = await newRun(firm);
      await store(firm, runId, 3);
      const outcomes = [];
      for (const fn of Object.keys(BORROW) as Array<keyof typeof BORROW>) outcomes.push(await errorOf(asFirm(other, attempt(fn, runId))));
      expect(outcomes).toEqual([
        expect.stringMatching(/^42501 -: .*permission denied for function reconciliation_runs_results_cascade$/s),
        expect.stringMatching(/^42501 -: .*permission denied for function reconciliation_results_key_check$/s),
      ]);
      expect(await rowsOf(runId)).toBe(3);
    });

    it('each refuses to run for any table but its own, even where EXECUTE is held (the owner)', async () => {
      const runId = await newRun(firm);
      await store(firm, runId, 3);
      const outcomes = [];
      for (const fn of Object.keys(BORROW) as Array<keyof typeof BORROW>) outcomes.push(await errorOf(db.owner.transaction(attempt(fn, runId))));
      expect(outcomes).toEqual([
        expect.stringMatching(/^42501 -: .*trigger_misplaced: reconciliation_runs_results_cascade\(\) runs only for public\.reconciliation_runs, not pg_temp_\d+\.borrowed/s),
        expect.stringMatching(/^42501 -: .*trigger_misplaced: reconciliation_results_key_check\(\) runs only for public\.reconciliation_results, not pg_temp_\d+\.borrowed/s),
      ]);
      expect(await rowsOf(runId)).toBe(3);
    });
  });

  it('orders the erasure’s deletes with the result rows before their runs', async () => {
    const tables = erasedTables();
    const edges: Array<{ child: string; parent: string }> = (await db.owner.raw(FOREIGN_KEYS_SQL, [pgArray(tables), pgArray(tables)])).rows;
    expect(edges).toContainEqual({ child: 'reconciliation_results', parent: 'reconciliation_runs' });
    const order = deletionOrder(tables, edges);
    expect(order.indexOf('reconciliation_results')).toBeLessThan(order.indexOf('reconciliation_runs'));
    // No foreign key is left on the result rows for the order to come from: the kept tie is what orders them.
    const keys = await db.owner.raw(`select conname from pg_constraint where conrelid = 'reconciliation_results'::regclass and contype = 'f'`);
    expect(keys.rows).toEqual([]);
  });
});
