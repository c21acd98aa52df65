/**
 * The reconciliation activity's loader alone (loadRunDocuments, on a real PostgreSQL): it shares
 * the texts documents repeat, and gives back exactly what was stored: every document, in order,
 * the same JSON byte for byte as the plain load of each import, optional fields present or absent
 * as stored (so the result rows, which carry the documents, are stored as before).
 */
import { warmUpDocuments } from '../../../domain/recon/warm-up';
import { generateReconData } from '../../../ops/bench/recon-data';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { loadBothWays, storeRunImports } from '../../harness/run-imports';

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
    const ids = await storeRunImports(db, firm, books, portal);
    const { loaded, plain, pages } = await loadBothWays(db, firm, ids);
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
