/**
 * The cases every foreign key kept by triggers (db/migrations/helpers/key-by-triggers.ts) must
 * pass on a real PostgreSQL, whatever its tables: everything the key enforced still holds. A row
 * never names a missing parent or another firm's (as the application role writes it, and as the
 * owner, to whom row-level security does not apply); deleting a parent deletes its rows; a parent's
 * key never changes under its rows; the check locks the parent as the key's did (a delete waits for
 * the writing transaction; a write waits for a delete in flight and is then refused); the parents
 * and their rows may be truncated together but not the parents alone; the erasure deletes the rows
 * before their parents; and the triggers' functions run as the owner, so no one else may put them
 * on a table (firm B's application role would otherwise delete or lock firm A's rows through them).
 *
 * A test file names its key (`keptKeyCases`), calls `itKeepsTheKey` inside its describe, and adds
 * the cases only its tables have.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { deletionOrder, erasedTables, FOREIGN_KEYS_SQL } from '../../db/client-data-catalogue';
import { pgArray } from '../../db/client-data';
import type { KeptKey } from '../../db/migrations/helpers/key-by-triggers';
import { TEST_APP_ROLE, type TestDatabase } from './database';
import type { TestFirm } from './factories';
import { holdThenWrite } from './lock-waits';
import { withTwoFirms, type TwoFirms } from './two-firms';

export const KEPT_KEY_PERIOD = '2024-06';

export type KeptKeyTables = {
  key: KeptKey;
  /** How the case titles name the two sides: `{ a: 'an import', parent: 'import', parents: 'imports', rows: 'rows' }`. */
  names: { a: string; parent: string; parents: string; rows: string };
  /** A parent of the firm's first client, written as the owner (as the product makes it). */
  newParent(db: TestDatabase, f: TestFirm, period: string): Promise<string>;
  /** `n` rows of the parent written as the product writes them (COPY through staging, the application role). */
  write(trx: Knex.Transaction, f: TestFirm, parentId: string, n: number, period: string): Promise<unknown>;
  /** The child's columns besides firm_id, client_id, the key's column, period and seq, with the SQL value planted rows get. */
  plantedValues: Record<string, string>;
};

export type KeptKeyCases = TwoFirms & {
  tables: KeptKeyTables;
  /** The key's refusal, by the message PostgreSQL's own key gave. */
  refused: RegExp;
  newParent(f: TestFirm, period?: string): Promise<string>;
  write(f: TestFirm, parentId: string, n?: number, period?: string): Promise<unknown>;
  rowsOf(parentId: string): Promise<number>;
  /** Rows written by whoever runs `trx` (the owner has no row-level security), `n` of them for each firm and parent named. */
  plant(trx: Knex, rows: Array<{ firmId: string; parentId: string }>, n?: number): Promise<unknown>;
  /** How a statement ended: `no error`, or `<code> <constraint or -> : <message>`. */
  errorOf(p: Promise<unknown>): Promise<string>;
};

/** The ties between the erased tables that the erasure orders its deletes by, as the database lists them. */
export async function erasureEdges(db: TestDatabase): Promise<Array<{ child: string; parent: string }>> {
  const tables = erasedTables();
  return (await db.owner.raw(FOREIGN_KEYS_SQL, [pgArray(tables), pgArray(tables)])).rows;
}

/** The test database, its two firms and the helpers the cases use, for the key over `tables`. */
export function keptKeyCases(tables: KeptKeyTables): KeptKeyCases {
  const ctx = withTwoFirms({ poolMax: 2 }) as KeptKeyCases;
  const { key } = tables;
  const planted = Object.keys(tables.plantedValues);
  ctx.tables = tables;
  ctx.refused = new RegExp(`violates foreign key constraint "${key.constraint}"`);
  ctx.newParent = (f, period = KEPT_KEY_PERIOD) => tables.newParent(ctx.db, f, period);
  ctx.write = (f, parentId, n = 5, period = KEPT_KEY_PERIOD) => ctx.asFirm(f, (trx) => tables.write(trx, f, parentId, n, period));
  ctx.rowsOf = async (parentId) => Number((await ctx.db.owner(key.child).where({ [key.column]: parentId }).count({ n: '*' }))[0]!.n);
  ctx.plant = (trx, rows, n = 3) =>
    trx.raw(
      `insert into ${key.child} (firm_id, client_id, ${key.column}, period, seq, ${planted.join(', ')})
       select r.firm_id::uuid, ?::uuid, r.parent_id::uuid, ?, s, ${planted.map((c) => tables.plantedValues[c]).join(', ')}
         from jsonb_to_recordset(?::jsonb) as r (firm_id text, parent_id text), generate_series(0, ? - 1) s`,
      [ctx.firm.clients[0]!.id, KEPT_KEY_PERIOD, JSON.stringify(rows.map((r) => ({ firm_id: r.firmId, parent_id: r.parentId }))), n],
    );
  ctx.errorOf = (p) =>
    p.then(
      () => 'no error',
      (e: Error & { code?: string; constraint?: string }) => `${e.code} ${e.constraint ?? '-'}: ${e.message}`,
    );
  return ctx;
}

/** The cases every kept key passes; call inside the file's describe. */
export function itKeepsTheKey(t: KeptKeyCases): void {
  const { key, names } = t.tables;
  const { a, parent, parents, rows } = names;
  const refusedWithKey = () => new RegExp(`^23503 ${key.constraint}: .*${t.refused.source}`, 's');

  it(`writes the ${rows} of ${a} of the firm`, async () => {
    const id = await t.newParent(t.firm);
    await t.write(t.firm, id, 7);
    expect(await t.rowsOf(id)).toBe(7);
  });

  it(`refuses ${rows} naming a missing ${parent}, or another firm’s, with the key’s code and name, and writes none of the statement`, async () => {
    const missing = randomUUID();
    expect(await t.errorOf(t.write(t.firm, missing))).toMatch(refusedWithKey());
    expect(await t.rowsOf(missing)).toBe(0);
    const theirs = await t.newParent(t.other);
    expect(await t.errorOf(t.write(t.firm, theirs))).toMatch(refusedWithKey());
    expect(await t.rowsOf(theirs)).toBe(0);
    // The owner is not held by row-level security: the check is, as the key was.
    expect(await t.errorOf(t.plant(t.db.owner, [{ firmId: t.firm.id, parentId: theirs }]))).toMatch(t.refused);
    // One statement for a good parent and a missing one: every parent it names is checked, not the first.
    const mine = await t.newParent(t.firm);
    expect(await t.errorOf(t.plant(t.db.owner, [{ firmId: t.firm.id, parentId: mine }, { firmId: t.firm.id, parentId: missing }]))).toMatch(t.refused);
    expect(await t.errorOf(t.plant(t.db.owner, [{ firmId: t.firm.id, parentId: missing }, { firmId: t.firm.id, parentId: mine }]))).toMatch(t.refused);
    expect(await t.rowsOf(mine)).toBe(0);
  });

  it(`refuses a row moved to a missing ${parent} or to another firm, and takes a move to ${a} of its firm`, async () => {
    const [from, to] = [await t.newParent(t.firm), await t.newParent(t.firm)];
    await t.write(t.firm, from, 4);
    const first = () => t.db.owner(key.child).where({ [key.column]: from, seq: 0 });
    expect(await t.errorOf(first().update({ [key.column]: randomUUID() }))).toMatch(t.refused);
    expect(await t.errorOf(first().update({ firm_id: t.other.id }))).toMatch(t.refused);
    await first().update({ [key.column]: to });
    expect([await t.rowsOf(from), await t.rowsOf(to)]).toEqual([3, 1]);
  });

  it(`deletes ${a}’s ${rows} with it, and only its ${rows}`, async () => {
    const [gone, kept] = [await t.newParent(t.firm), await t.newParent(t.firm)];
    await t.write(t.firm, gone, 6);
    await t.write(t.firm, kept, 2);
    await t.asFirm(t.firm, (trx) => trx(key.parent).where({ id: gone }).delete());
    expect([await t.rowsOf(gone), await t.rowsOf(kept)]).toEqual([0, 2]);
    await t.db.owner(key.parent).where({ id: kept }).delete();
    expect(await t.rowsOf(kept)).toBe(0);
  });

  it(`truncates the ${parents} together with their ${rows} in one statement, as the key allowed`, async () => {
    const id = await t.newParent(t.firm);
    await t.write(t.firm, id, 2);
    const ROLLBACK = 'rolled back as planned';
    const outcome = await t.db.owner
      .transaction(async (trx) => {
        await trx.raw(`truncate ${key.parent}, ${key.child} cascade`);
        const left = await trx.raw(`select (select count(*) from ${key.parent})::int as parents, (select count(*) from ${key.child})::int as rows`);
        throw new Error(`${ROLLBACK}: ${JSON.stringify(left.rows[0])}`);
      })
      .catch((e: Error) => e.message);
    expect(outcome).toBe(`${ROLLBACK}: {"parents":0,"rows":0}`);
    expect(await t.rowsOf(id)).toBe(2);
  });

  it(`never changes ${a}’s key under its ${rows}, nor truncates the ${parents} without them`, async () => {
    const [held, empty] = [await t.newParent(t.firm), await t.newParent(t.firm)];
    await t.write(t.firm, held, 2);
    expect(await t.errorOf(t.db.owner(key.parent).where({ id: held }).update({ id: randomUUID() }))).toMatch(refusedWithKey());
    expect(await t.errorOf(t.db.owner.raw(`truncate ${key.parent} cascade`))).toMatch(new RegExp(`cannot truncate "${key.parent}" while "${key.child}" has rows`));
    expect(await t.rowsOf(held)).toBe(2);
    // As with the key, a parent no row names may change its key.
    const renamed = randomUUID();
    await t.db.owner(key.parent).where({ id: empty }).update({ id: renamed });
    expect(await t.db.owner(key.parent).where({ id: renamed }).first('id')).toEqual({ id: renamed });
  });

  it(`locks the ${parent} while its ${rows} are written: a delete waits for the writer, then deletes the rows`, async () => {
    const id = await t.newParent(t.firm);
    const { written, waited } = await holdThenWrite(t.db.owner, {
      hold: (trx) => t.plant(trx, [{ firmId: t.firm.id, parentId: id }], 5),
      // As the application role (the owner's two connections are the holder's and the watcher's).
      waiter: () => t.asFirm(t.firm, (trx) => trx(key.parent).where({ id }).delete()),
      waitsOn: { what: `the delete of the ${parent}`, query: new RegExp(`delete from "${key.parent}"`) },
      write: (trx) => trx.raw('select 1'),
    });
    expect(written).toEqual({ ok: true, value: expect.anything() });
    expect(waited).toEqual({ ok: true, value: 1 });
    expect(await t.rowsOf(id)).toBe(0);
    expect(await t.db.owner(key.parent).where({ id }).first()).toBeUndefined();
  });

  it(`a write waits for a delete of its ${parent} in flight, then is refused`, async () => {
    const id = await t.newParent(t.firm);
    const { written, waited } = await holdThenWrite(t.db.owner, {
      hold: (trx) => trx(key.parent).where({ id }).delete(),
      waiter: () => t.write(t.firm, id, 5),
      waitsOn: { what: `the ${rows} written for the ${parent}`, query: new RegExp(`insert into ${key.child}`) },
      write: (trx) => trx.raw('select 1'),
    });
    expect(written.ok).toBe(true);
    expect(waited).toEqual({ ok: false, error: expect.stringMatching(t.refused) });
    expect(await t.rowsOf(id)).toBe(0);
  });

  it(`orders the erasure’s deletes with the ${rows} before their ${parents}`, async () => {
    const edges = await erasureEdges(t.db);
    expect(edges).toContainEqual({ child: key.child, parent: key.parent });
    const order = deletionOrder(erasedTables(), edges);
    expect(order.indexOf(key.child)).toBeLessThan(order.indexOf(key.parent));
  });

  describe('its functions run as the owner, so they are lent to no one', () => {
    const FUNCTIONS = [`${key.cascade}()`, `${key.check}()`];
    /** A table of the caller's own, with one of the functions as its trigger: the attack a PUBLIC EXECUTE allowed. */
    const BORROW = {
      cascade: [
        'create temp table borrowed (firm_id uuid, id uuid) on commit drop',
        `create trigger borrowed_del after delete on borrowed for each row execute function ${key.cascade}()`,
      ],
      check: [
        `create temp table borrowed (firm_id uuid, ${key.column} uuid) on commit drop`,
        `create trigger borrowed_ins after insert on borrowed referencing new table as new_rows for each statement execute function ${key.check}()`,
      ],
    } as const;
    const attempt = (fn: keyof typeof BORROW, parentId: string) => async (trx: Knex.Transaction) => {
      for (const statement of BORROW[fn]) await trx.raw(statement);
      // Had the trigger been made: delete firm A's rows, or probe and lock firm A's parent.
      await trx.raw('insert into borrowed values (?, ?)', [t.firm.id, parentId]);
      if (fn === 'cascade') await trx.raw('delete from borrowed');
    };
    const borrowEach = async (as: (fn: ReturnType<typeof attempt>) => Promise<unknown>, parentId: string) => {
      const outcomes = [];
      for (const fn of ['cascade', 'check'] as const) outcomes.push(await t.errorOf(as(attempt(fn, parentId))));
      return outcomes;
    };

    it('EXECUTE is held by neither PUBLIC nor the roles the application uses', async () => {
      const roles = ['public', TEST_APP_ROLE, `${TEST_APP_ROLE}_platform`];
      const held = await t.db.owner.raw(
        `select r.role, f.fn, has_function_privilege(r.role, f.fn, 'EXECUTE') as execute
           from unnest(?::text[]) as r (role), unnest(?::text[]) as f (fn) order by 1, 2`,
        [roles, FUNCTIONS],
      );
      expect(held.rows.filter((r: { execute: boolean }) => r.execute)).toEqual([]);
      expect(held.rows).toHaveLength(roles.length * FUNCTIONS.length);
    });

    it('firm B’s application role cannot borrow the cascade or the check, and firm A’s rows stay', async () => {
      const id = await t.newParent(t.firm);
      await t.write(t.firm, id, 3);
      expect(await borrowEach((fn) => t.asFirm(t.other, fn), id)).toEqual([
        expect.stringMatching(new RegExp(`^42501 -: .*permission denied for function ${key.cascade}$`, 's')),
        expect.stringMatching(new RegExp(`^42501 -: .*permission denied for function ${key.check}$`, 's')),
      ]);
      expect(await t.rowsOf(id)).toBe(3);
    });

    it('each refuses to run for any table but its own, even where EXECUTE is held (the owner)', async () => {
      const id = await t.newParent(t.firm);
      await t.write(t.firm, id, 3);
      const misplaced = (fn: string, table: string) => new RegExp(`^42501 -: .*trigger_misplaced: ${fn}\\(\\) runs only for public\\.${table}, not pg_temp_\\d+\\.borrowed`, 's');
      expect(await borrowEach((fn) => t.db.owner.transaction(fn), id)).toEqual([
        expect.stringMatching(misplaced(key.cascade, key.parent)),
        expect.stringMatching(misplaced(key.check, key.child)),
      ]);
      expect(await t.rowsOf(id)).toBe(3);
    });
  });
}
