/**
 * The reconciliation activity's loader alone (loadRunDocuments, on a real PostgreSQL): it shares
 * the texts documents repeat, and gives back exactly what was stored: every document, in order,
 * the same JSON byte for byte as the plain load of each import, optional fields present or absent
 * as stored (so the result rows, which carry the documents, are stored as before).
 */
import { loadRunDocuments } from '../../../activities/reconciliation-load';
import { importRowsText } from '../../../db/copy-text';
import { insertImportText, loadImportRows } from '../../../db/recon-rows';
import { inFirmJobTransaction } from '../../../db/tenant';
import { warmUpDocuments } from '../../../domain/recon/warm-up';
import { generateReconData } from '../../../ops/bench/recon-data';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(120_000);

describe('loading a run\'s documents (the activity\'s loader alone)', () => {
  let db: TestDatabase;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('returns every stored document unchanged, across pages', async () => {
    const client = firm.clients[0]!;
    // Generated documents (amendments, notes, blank GSTINs) and the warm-up's (bills of entry,
    // blocked credit, registers with and without place of supply): more than one page per import.
    const generated = generateReconData({ n: 12_000, seed: 3, recipientGstin: client.gstin });
    const extra = warmUpDocuments(500, 5);
    const books = [...generated.books, ...extra.books];
    const portal = [...generated.portal, ...extra.portal];
    const ids = await inFirmJobTransaction(db.app, firm.id, 'test', async (trx) => {
      const importOf = async (kind: string, docs: readonly unknown[]) => {
        const [row] = await trx('imports').insert({ firm_id: firm.id, client_id: client.id, kind, period: '2024-06', status: 'validated', rows: docs.length }).returning('id');
        const importId = (row as { id: string }).id;
        await insertImportText(trx, { firmId: firm.id, clientId: client.id, period: '2024-06', importId }, importRowsText(docs));
        return importId;
      };
      return { firmId: firm.id, register_import_id: await importOf('purchase_register', books), gstr2b_import_id: await importOf('gstr2b', portal) };
    });
    const pages: string[] = [];
    const { loaded, plain } = await inFirmJobTransaction(db.app, firm.id, 'test', async (trx) => ({
      loaded: await loadRunDocuments(trx, ids, { books: (n) => void pages.push(`books ${n}`), portal: (n) => void pages.push(`portal ${n}`) }),
      plain: { books: await loadImportRows(trx, { firmId: firm.id, importId: ids.register_import_id }), portal: await loadImportRows(trx, { firmId: firm.id, importId: ids.gstr2b_import_id }) },
    }));
    expect(loaded.books).toHaveLength(books.length);
    expect(loaded.portal).toHaveLength(portal.length);
    expect(pages).toEqual(['books 10000', `books ${books.length}`, 'portal 10000', `portal ${portal.length}`]);
    // Byte for byte, key order included, as the plain load (what the activity loaded before).
    expect(JSON.stringify(loaded.books)).toBe(JSON.stringify(plain.books));
    expect(JSON.stringify(loaded.portal)).toBe(JSON.stringify(plain.portal));
    // And the documents themselves, as written (key order aside: the database keeps its own).
    expect(loaded.books).toEqual(books);
    expect(loaded.portal).toEqual(portal);
  });
});
