/**
 * The import rows' tie to their import (migration 040): a foreign key once, now checked once a
 * statement by triggers. Everything the key enforced still holds on a real PostgreSQL: a row never
 * names a missing import or another firm's (as the application role writes them, and as the owner,
 * to whom row-level security does not apply), deleting an import deletes its rows, an import's key
 * never changes under its rows, the check locks the import as the key's did (a delete waits for the
 * writing transaction; a write waits for a delete in flight and is then refused), the imports and
 * their rows may be truncated together but not the imports alone, and the erasure still deletes the
 * rows before their imports. The triggers' functions run as the owner, so no one else may put them
 * on a table (firm B's application role would otherwise delete firm A's rows through them).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { deletionOrder, erasedTables, FOREIGN_KEYS_SQL } from '../../../db/client-data-catalogue';
import { pgArray } from '../../../db/client-data';
import { importRowsText } from '../../../db/copy-text';
import { IMPORT_KEY } from '../../../db/migrations/040-import-rows-import-check';
import { insertImportText } from '../../../db/recon-rows';
import { createTestDatabase, TEST_APP_ROLE, type TestDatabase } from '../../harness/database';
import { asStaffOf, createTestFirm, type TestFirm } from '../../harness/factories';
import { holdThenWrite } from '../../harness/lock-waits';

const PERIOD = '2024-06';
const REFUSED = new RegExp(`violates foreign key constraint "${IMPORT_KEY}"`);

describe('import rows name an import of their firm', () => {
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

  async function newImport(f: TestFirm): Promise<string> {
    const [row] = await db.owner('imports').insert({ firm_id: f.id, client_id: f.clients[0]!.id, kind: 'gstr2b', period: PERIOD, filename: 'x.json' }).returning('id');
    return (row as { id: string }).id;
  }

  const docs = (n: number) => Array.from({ length: n }, (_, i) => ({ invoice: `INV-${i}` }));
  const upload = (f: TestFirm, importId: string, n = 5) =>
    asFirm(f, (trx) => insertImportText(trx, { firmId: f.id, clientId: f.clients[0]!.id, importId, period: PERIOD }, importRowsText(docs(n))));
  const rowsOf = async (importId: string) => Number((await db.owner('import_rows').where({ import_id: importId }).count({ n: '*' }))[0]!.n);
  /** Rows written by the owner (no row-level security), `n` of them for each firm and import named. */
  const plant = (trx: Knex, rows: Array<{ firmId: string; importId: string }>, n = 3) =>
    trx.raw(
      `insert into import_rows (firm_id, client_id, import_id, period, seq, doc)
       select r.firm_id::uuid, ?::uuid, r.import_id::uuid, ?, s, '{}'::jsonb
         from jsonb_to_recordset(?::jsonb) as r (firm_id text, import_id text), generate_series(0, ? - 1) s`,
      [firm.clients[0]!.id, PERIOD, JSON.stringify(rows.map((r) => ({ firm_id: r.firmId, import_id: r.importId }))), n],
    );
  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
    );

  it('writes the rows of an import of the firm', async () => {
    const importId = await newImport(firm);
    await upload(firm, importId, 7);
    expect(await rowsOf(importId)).toBe(7);
  });

  it('refuses rows naming a missing import, or another firm’s, and writes none of the statement', async () => {
    const missing = randomUUID();
    expect(await errorOf(upload(firm, missing))).toMatch(new RegExp(`^23503: .*${REFUSED.source}`, 's'));
    expect(await rowsOf(missing)).toBe(0);
    const theirs = await newImport(other);
    expect(await errorOf(upload(firm, theirs))).toMatch(REFUSED);
    expect(await rowsOf(theirs)).toBe(0);
    // The owner is not held by row-level security: the check is, as the key was.
    expect(await errorOf(plant(db.owner, [{ firmId: firm.id, importId: theirs }]))).toMatch(REFUSED);
    // One statement for a good import and a missing one: every import it names is checked, not the first.
    const mine = await newImport(firm);
    expect(await errorOf(plant(db.owner, [{ firmId: firm.id, importId: mine }, { firmId: firm.id, importId: missing }]))).toMatch(REFUSED);
    expect(await errorOf(plant(db.owner, [{ firmId: firm.id, importId: missing }, { firmId: firm.id, importId: mine }]))).toMatch(REFUSED);
    expect(await rowsOf(mine)).toBe(0);
  });

  it('refuses a row moved to a missing import or to another firm, and takes a move to an import of its firm', async () => {
    const [a, b] = [await newImport(firm), await newImport(firm)];
    await upload(firm, a, 4);
    expect(await errorOf(db.owner('import_rows').where({ import_id: a, seq: 0 }).update({ import_id: randomUUID() }))).toMatch(REFUSED);
    expect(await errorOf(db.owner('import_rows').where({ import_id: a, seq: 0 }).update({ firm_id: other.id }))).toMatch(REFUSED);
    await db.owner('import_rows').where({ import_id: a, seq: 0 }).update({ import_id: b });
    expect([await rowsOf(a), await rowsOf(b)]).toEqual([3, 1]);
  });

  it('deletes an import’s rows with it, and only its rows', async () => {
    const [gone, kept] = [await newImport(firm), await newImport(firm)];
    await upload(firm, gone, 6);
    await upload(firm, kept, 2);
    await asFirm(firm, (trx) => trx('imports').where({ id: gone }).delete());
    expect([await rowsOf(gone), await rowsOf(kept)]).toEqual([0, 2]);
    await db.owner('imports').where({ id: kept }).delete();
    expect(await rowsOf(kept)).toBe(0);
  });

  it('truncates the imports together with their rows in one statement, as the key allowed', async () => {
    const importId = await newImport(firm);
    await upload(firm, importId, 2);
    const ROLLBACK = 'rolled back as planned';
    const outcome = await db.owner
      .transaction(async (trx) => {
        await trx.raw('truncate imports, import_rows cascade');
        const left = await trx.raw(`select (select count(*) from imports)::int as imports, (select count(*) from import_rows)::int as rows`);
        throw new Error(`${ROLLBACK}: ${JSON.stringify(left.rows[0])}`);
      })
      .catch((e: Error) => e.message);
    expect(outcome).toBe(`${ROLLBACK}: {"imports":0,"rows":0}`);
    expect(await rowsOf(importId)).toBe(2);
  });

  describe('its functions run as the owner, so they are lent to no one', () => {
    const FUNCTIONS = ['imports_rows_cascade()', 'import_rows_import_check()'];
    /** A table of the caller's own, with one of the functions as its trigger: the attack a PUBLIC EXECUTE allowed. */
    const BORROW = {
      'imports_rows_cascade()': [
        'create temp table borrowed (firm_id uuid, id uuid) on commit drop',
        'create trigger borrowed_del after delete on borrowed for each row execute function imports_rows_cascade()',
      ],
      'import_rows_import_check()': [
        'create temp table borrowed (firm_id uuid, import_id uuid) on commit drop',
        'create trigger borrowed_ins after insert on borrowed referencing new table as new_rows for each statement execute function import_rows_import_check()',
      ],
    } as const;

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
      const importId = await newImport(firm);
      await upload(firm, importId, 3);
      const outcomes = [];
      for (const fn of FUNCTIONS) {
        outcomes.push(
          await errorOf(
            asFirm(other, async (trx) => {
              for (const statement of BORROW[fn as keyof typeof BORROW]) await trx.raw(statement);
              // Had the trigger been made: delete firm A's rows, or probe and lock firm A's import.
              await trx.raw('insert into borrowed values (?, ?)', [firm.id, importId]);
              if (fn.startsWith('imports')) await trx.raw('delete from borrowed');
            }),
          ),
        );
      }
      expect(outcomes).toEqual([
        expect.stringMatching(/^42501: .*permission denied for function imports_rows_cascade$/s),
        expect.stringMatching(/^42501: .*permission denied for function import_rows_import_check$/s),
      ]);
      expect(await rowsOf(importId)).toBe(3);
    });

    it('each refuses to run for any table but its own, even where EXECUTE is held (the owner)', async () => {
      const importId = await newImport(firm);
      await upload(firm, importId, 3);
      const outcomes = [];
      for (const fn of FUNCTIONS) {
        outcomes.push(
          await errorOf(
            db.owner.transaction(async (trx) => {
              for (const statement of BORROW[fn as keyof typeof BORROW]) await trx.raw(statement);
              await trx.raw('insert into borrowed values (?, ?)', [firm.id, importId]);
              if (fn.startsWith('imports')) await trx.raw('delete from borrowed');
            }),
          ),
        );
      }
      expect(outcomes).toEqual([
        expect.stringMatching(/^42501: .*trigger_misplaced: imports_rows_cascade\(\) runs only for public\.imports, not pg_temp_\d+\.borrowed/s),
        expect.stringMatching(/^42501: .*trigger_misplaced: import_rows_import_check\(\) runs only for public\.import_rows, not pg_temp_\d+\.borrowed/s),
      ]);
      expect(await rowsOf(importId)).toBe(3);
    });
  });

  it('never changes an import’s key under its rows, nor truncates the imports without them', async () => {
    const [held, empty] = [await newImport(firm), await newImport(firm)];
    await upload(firm, held, 2);
    expect(await errorOf(db.owner('imports').where({ id: held }).update({ id: randomUUID() }))).toMatch(REFUSED);
    expect(await errorOf(db.owner.raw('truncate imports cascade'))).toMatch(/cannot truncate "imports" while "import_rows" has rows/);
    expect(await rowsOf(held)).toBe(2);
    // As with the key, an import no row names may change its key.
    const renamed = randomUUID();
    await db.owner('imports').where({ id: empty }).update({ id: renamed });
    expect(await db.owner('imports').where({ id: renamed }).first('id')).toEqual({ id: renamed });
  });

  it('locks the import while its rows are written: a delete waits for the writer, then deletes the rows', async () => {
    const importId = await newImport(firm);
    const { written, waited } = await holdThenWrite(db.owner, {
      hold: (trx) => plant(trx, [{ firmId: firm.id, importId }], 5),
      // As the application role (the owner's two connections are the holder's and the watcher's).
      waiter: () => asFirm(firm, (trx) => trx('imports').where({ id: importId }).delete()),
      waitsOn: { what: 'the delete of the import', query: /delete from "imports"/ },
      write: (trx) => trx.raw('select 1'),
    });
    expect(written).toEqual({ ok: true, value: expect.anything() });
    expect(waited).toEqual({ ok: true, value: 1 });
    expect(await rowsOf(importId)).toBe(0);
    expect(await db.owner('imports').where({ id: importId }).first()).toBeUndefined();
  });

  it('a write waits for a delete of its import in flight, then is refused', async () => {
    const importId = await newImport(firm);
    const { written, waited } = await holdThenWrite(db.owner, {
      hold: (trx) => trx('imports').where({ id: importId }).delete(),
      waiter: () => asFirm(firm, (trx) => plant(trx, [{ firmId: firm.id, importId }], 5)),
      waitsOn: { what: 'the rows written for the import', query: /insert into import_rows/ },
      write: (trx) => trx.raw('select 1'),
    });
    expect(written.ok).toBe(true);
    expect(waited).toEqual({ ok: false, error: expect.stringMatching(REFUSED) });
    expect(await rowsOf(importId)).toBe(0);
  });

  it('orders the erasure’s deletes with the rows before their imports', async () => {
    const tables = erasedTables();
    const edges: Array<{ child: string; parent: string }> = (await db.owner.raw(FOREIGN_KEYS_SQL, [pgArray(tables), pgArray(tables)])).rows;
    expect(edges).toContainEqual({ child: 'import_rows', parent: 'imports' });
    expect(edges).toContainEqual({ child: 'reconciliation_runs', parent: 'imports' });
    const order = deletionOrder(tables, edges);
    expect(order.indexOf('import_rows')).toBeLessThan(order.indexOf('imports'));
    // Only the tables asked about: the tie is left out when either side is not among them.
    const without = (await db.owner.raw(FOREIGN_KEYS_SQL, [pgArray(['import_rows']), pgArray(['reconciliation_runs'])])).rows;
    expect(without).toEqual([]);
  });
});
