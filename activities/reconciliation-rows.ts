/**
 * A run's result rows as they are stored, a batch at a time: each row whose `books` or `portal`
 * document is the loaded import document itself is sent without it, naming the import row
 * (`booksSeq`, `portalSeq`: db/recon-rows.ts), and the move into the table puts the stored `doc`
 * back under its key. What is stored does not change (jsonb keeps no key order, and the loaded
 * document is that `doc` parsed), but the COPY text carries each document once, when it was
 * imported, instead of again with every run; a row whose document the match or a manual decision
 * made anew (a bill of entry's lines summed, a manual link's row) is sent whole, as before.
 */
import { CATEGORIES, type BooksRow, type Category, type PortalDoc, type ReconcileResult, type ResultRow } from '../domain/recon';
import type { ResultSource, StoredResult } from '../db/recon-rows';

/** Each not-rejected portal document's position among all the portal documents (the match numbers only those). */
function positionsOfKept(portal: readonly PortalDoc[]): Int32Array {
  let kept = 0;
  for (const d of portal) if (!d.rejected) kept += 1;
  const at = new Int32Array(kept);
  let k = 0;
  for (let i = 0; i < portal.length; i += 1) if (!portal[i]!.rejected) at[k++] = i;
  return at;
}

/**
 * The stored rows of `outcome`, whose match was given `books` and `portal` as loaded: position i
 * of each is the import row of `seq` i. `counts` gets each row's category as it is handed out.
 */
export function storedRows(
  outcome: ReconcileResult, books: readonly BooksRow[], portal: readonly PortalDoc[], counts: Record<Category, number>,
): ResultSource {
  const portalAt = positionsOfKept(portal);
  let fromBooks = new Int32Array(0);
  let fromPortal = new Int32Array(0);
  return {
    count: outcome.rowCount,
    between(from, to) {
      const rows = outcome.rowsBetween(from, to);
      if (fromBooks.length < rows.length) {
        fromBooks = new Int32Array(rows.length);
        fromPortal = new Int32Array(rows.length);
      }
      if (outcome.sourcesBetween) outcome.sourcesBetween(from, to, fromBooks, fromPortal);
      else {
        fromBooks.fill(-1);
        fromPortal.fill(-1);
      }
      const out = new Array<StoredResult>(rows.length);
      for (let k = 0; k < rows.length; k += 1) {
        const row = rows[k]!;
        counts[row.category] += 1;
        out[k] = storedRow(row, books, portal, fromBooks[k]!, fromPortal[k]! >= 0 ? portalAt[fromPortal[k]!]! : -1);
      }
      return out;
    },
  };
}

/** Zeroed counts per category, in the categories' order. */
export function emptyCounts(): Record<Category, number> {
  return Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
}

/**
 * The row to store. The sources are only where the match took the row's documents from: a side
 * is sent by reference only when the row holds that very object (the match may have built a new
 * one, and a manual decision's rows have no sources).
 */
function storedRow(row: ResultRow, books: readonly BooksRow[], portal: readonly PortalDoc[], b: number, p: number): StoredResult {
  const byBooks = b >= 0 && row.books !== null && row.books === books[b];
  const byPortal = p >= 0 && row.portal !== null && row.portal === portal[p];
  if (!byBooks && !byPortal) return { category: row.category, supplierGstin: row.supplierGstin, row };
  // A copy, not the row: the engine's rows are read-only (a decided row may be handed out again).
  const sent: Record<string, unknown> = { ...row };
  if (byBooks) sent.books = undefined; // left out of its JSON, as JSON.stringify leaves undefined out
  if (byPortal) sent.portal = undefined;
  return {
    category: row.category,
    supplierGstin: row.supplierGstin,
    row: sent,
    ...(byBooks ? { booksSeq: b } : {}),
    ...(byPortal ? { portalSeq: p } : {}),
  };
}
