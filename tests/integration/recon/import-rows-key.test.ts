/**
 * The import rows' tie to their import (migration 040): a foreign key once, now checked once a
 * statement by triggers. Everything the key enforced still holds on a real PostgreSQL (the cases
 * every key kept by triggers passes: tests/harness/kept-key-cases.ts), and the erasure's order
 * asks only about the tables it is given.
 */
import { FOREIGN_KEYS_SQL } from '../../../db/client-data-catalogue';
import { pgArray } from '../../../db/client-data';
import { importRowsText } from '../../../db/copy-text';
import { IMPORT_ROWS_KEY } from '../../../db/migrations/040-import-rows-import-check';
import { insertImportText } from '../../../db/recon-rows';
import { erasureEdges, itKeepsTheKey, keptKeyCases } from '../../harness/kept-key-cases';

describe('import rows name an import of their firm', () => {
  const t = keptKeyCases({
    key: IMPORT_ROWS_KEY,
    names: { a: 'an import', parent: 'import', parents: 'imports', rows: 'rows' },
    async newParent(db, f, period) {
      const [row] = await db.owner('imports').insert({ firm_id: f.id, client_id: f.clients[0]!.id, kind: 'gstr2b', period, filename: 'x.json' }).returning('id');
      return (row as { id: string }).id;
    },
    write: (trx, f, importId, n, period) =>
      insertImportText(trx, { firmId: f.id, clientId: f.clients[0]!.id, importId, period }, importRowsText(Array.from({ length: n }, (_, i) => ({ invoice: `INV-${i}` })))),
    plantedValues: { doc: `'{}'::jsonb` },
  });

  itKeepsTheKey(t);

  it('lists the runs’ tie to their imports for the erasure, and only between the tables asked about', async () => {
    expect(await erasureEdges(t.db)).toContainEqual({ child: 'reconciliation_runs', parent: 'imports' });
    // The tie is left out when either side is not among them.
    const without = (await t.db.owner.raw(FOREIGN_KEYS_SQL, [pgArray(['import_rows']), pgArray(['reconciliation_runs'])])).rows;
    expect(without).toEqual([]);
  });
});
