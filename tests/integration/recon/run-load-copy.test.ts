/**
 * The run's loader reads the documents by COPY (db/copy-out.ts), each as its JSON text in COPY's
 * text format: the documents come back exactly as the driver's plain SELECT gives them (awkward
 * texts included: COPY's escapes, JSON's escapes, Unicode), in order across pages (an import of
 * exactly one full page and one of a page and a few), and row-level security applies to the COPY's
 * query: another firm's transaction loads nothing of them.
 */
import { loadRunDocuments } from '../../../activities/reconciliation-load';
import { connectionOf, copyOutField, copyUnescape } from '../../../db/copy-out';
import { importRowsText } from '../../../db/copy-text';
import { insertImportText, loadImportRows } from '../../../db/recon-rows';
import { inFirmJobTransaction } from '../../../db/tenant';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(120_000);

/** Texts COPY's text format gives a meaning to, JSON's escapes, and Unicode beyond the BMP. */
const AWKWARD = [
  'tab\there',
  'new\nline',
  'carriage\r\nreturn',
  'back\\slash',
  'a \\N that is text',
  '\\.',
  '\\',
  'ends with a backslash\\',
  '"quoted" and \'single\'',
  'ग्राहक — चालान ₹1,23,456.78',
  'emoji 🧾 and a combining é',
  '\u2028line separator\u2029',
  '\u0001\u0008\u000b\u000c\u001f\u007f control characters',
  '',
  ' leading and trailing ',
];

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
    const client = firm.clients[0]!;
    const docsOf = (n: number, salt: string) => Array.from({ length: n }, (_, i) => {
      const text = AWKWARD[i % AWKWARD.length]!;
      return { invoiceNumber: `${salt}${i}`, text, [text || 'empty']: [text, i, null, true], nested: { text, amountPaise: 123456 * i } };
    });
    const books = docsOf(10_000, 'B'); // exactly one full page
    const portal = docsOf(10_007, 'P'); // a page and a few
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
