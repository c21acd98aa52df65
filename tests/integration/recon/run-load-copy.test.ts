/**
 * The run's loader reads the documents by COPY (db/copy-out.ts), each as its JSON text in COPY's
 * text format: the documents come back exactly as the driver's plain SELECT gives them (awkward
 * texts included: COPY's escapes, JSON's escapes, Unicode), in order across pages (an import of
 * exactly one full page and one of a page and a few), and row-level security applies to the COPY's
 * query: another firm's transaction loads nothing of them.
 */
import { loadRunDocuments } from '../../../activities/reconciliation-load';
import { connectionOf, copyOutField, copyUnescape } from '../../../db/copy-out';
import { inFirmJobTransaction } from '../../../db/tenant';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';
import { AWKWARD_TEXTS, loadBothWays, storeRunImports } from '../../harness/run-imports';

jest.setTimeout(120_000);

describe("the run's loader, by COPY", () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let other: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
    other = await createTestFirm(db);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('undoes COPY\'s text escapes', () => {
    expect(copyUnescape('plain')).toBe('plain');
    expect(copyUnescape('a\\\\b\\tc\\nd\\re\\bf\\fg\\vh')).toBe('a\\b\tc\nd\re\bf\fg\vh');
    expect(copyUnescape('{"k": "\\\\"quoted\\\\""}')).toBe('{"k": "\\"quoted\\""}');
  });

  it('refuses a NULL field rather than handing it over as the text "N", and reads the text \\N as itself', async () => {
    const read = (sql: string) => inFirmJobTransaction(db.app, firm.id, 'test', async (trx) => {
      const fields: string[] = [];
      await copyOutField(await connectionOf(trx), sql, (field) => void fields.push(field));
      return fields;
    });
    await expect(read("select x from (values ('a'), (null), ('b')) v(x)")).rejects.toThrow(/NULL/);
    expect(await read("select x from (values ('a'), ('\\N'), ('b')) v(x)")).toEqual(['a', '\\N', 'b']);
  });

  it('returns every document exactly as the plain load does, in order across pages, and nothing to another firm', async () => {
    const docsOf = (n: number, salt: string) => Array.from({ length: n }, (_, i) => {
      const text = AWKWARD_TEXTS[i % AWKWARD_TEXTS.length]!;
      return { invoiceNumber: `${salt}${i}`, text, [text || 'empty']: [text, i, null, true], nested: { text, amountPaise: 123456 * i } };
    });
    const books = docsOf(10_000, 'B'); // exactly one full page
    const portal = docsOf(10_007, 'P'); // a page and a few
    const ids = await storeRunImports(db, firm, books, portal);
    const { loaded, plain, pages } = await loadBothWays(db, firm, ids);
    expect(pages).toEqual(['books 10000', 'books 10000', 'portal 10000', 'portal 10007']);
    expect(JSON.stringify(loaded.books)).toBe(JSON.stringify(plain.books));
    expect(JSON.stringify(loaded.portal)).toBe(JSON.stringify(plain.portal));
    expect(loaded.books).toEqual(books);
    expect(loaded.portal).toEqual(portal);

    // The same imports asked for in another firm's transaction: row-level security filters the COPY's query.
    const foreign = await inFirmJobTransaction(db.app, other.id, 'test', (trx) => loadRunDocuments(trx, { ...ids, firmId: other.id }));
    expect(foreign).toEqual({ books: [], portal: [] });
    const named = await inFirmJobTransaction(db.app, other.id, 'test', (trx) => loadRunDocuments(trx, ids));
    expect(named).toEqual({ books: [], portal: [] });
  });
});
