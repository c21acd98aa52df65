/**
 * A run's two imports stored as uploads store them, and loaded back both ways: by the run's
 * loader (loadRunDocuments, COPY) and by the plain per-import load it replaced, for the tests
 * that hold the two to each other. Also the awkward texts those tests (and the COPY writes')
 * put in documents.
 */
import { loadRunDocuments } from '../../activities/reconciliation-load';
import { importRowsText } from '../../db/copy-text';
import { insertImportText, loadImportRows } from '../../db/recon-rows';
import { inFirmJobTransaction } from '../../db/tenant';
import type { TestDatabase } from './database';
import type { TestFirm } from './factories';

/** Texts COPY's text format gives a meaning to, JSON's escapes, and Unicode beyond the BMP. */
export const AWKWARD_TEXTS: readonly string[] = [
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

export type RunImports = { firmId: string; register_import_id: string; gstr2b_import_id: string };

const PERIOD = '2024-06';

/** A validated register and 2B of the firm's first client, their rows written as an upload writes them. */
export async function storeRunImports(db: TestDatabase, firm: TestFirm, books: readonly unknown[], portal: readonly unknown[]): Promise<RunImports> {
  const client = firm.clients[0]!;
  return inFirmJobTransaction(db.app, firm.id, 'test', async (trx) => {
    const importOf = async (kind: string, docs: readonly unknown[]) => {
      const [row] = await trx('imports').insert({ firm_id: firm.id, client_id: client.id, kind, period: PERIOD, status: 'validated', rows: docs.length }).returning('id');
      const importId = (row as { id: string }).id;
      await insertImportText(trx, { firmId: firm.id, clientId: client.id, period: PERIOD, importId }, importRowsText(docs));
      return importId;
    };
    return { firmId: firm.id, register_import_id: await importOf('purchase_register', books), gstr2b_import_id: await importOf('gstr2b', portal) };
  });
}

/** The imports loaded by the run's loader (with the pages it reported) and by the plain load, in one firm transaction. */
export async function loadBothWays(db: TestDatabase, firm: TestFirm, ids: RunImports) {
  const pages: string[] = [];
  const { loaded, plain } = await inFirmJobTransaction(db.app, firm.id, 'test', async (trx) => ({
    loaded: await loadRunDocuments(trx, ids, { books: (n) => void pages.push(`books ${n}`), portal: (n) => void pages.push(`portal ${n}`) }),
    plain: { books: await loadImportRows(trx, { firmId: firm.id, importId: ids.register_import_id }), portal: await loadImportRows(trx, { firmId: firm.id, importId: ids.gstr2b_import_id }) },
  }));
  return { loaded, plain, pages };
}
