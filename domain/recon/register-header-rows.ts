/**
 * The rows of a register sheet that are about its header rather than documents: the header row
 * itself (found by content; register-header.ts maps its columns), and after it the rows to skip,
 * verbatim page-break repeats of the header and total rows. Kept apart from the sink
 * (register-sink.ts), which reads the rows that are documents.
 */
import { isTotalWord, ownText } from './register-cells';
import { type ColumnMapping, looksLikeHeader, mapHeader, type RegisterField, settleNumberColumns } from './register-header';

/** The row's fields, column by column, when it reads as the register's header; else null. */
export function headerFields(texts: readonly string[], columnMap: Readonly<Record<string, RegisterField>> | undefined): Array<RegisterField | null> | null {
  const mapped = texts.map((t) => mapHeader(t, columnMap));
  if (!looksLikeHeader(mapped)) return null;
  settleNumberColumns(mapped, texts, columnMap);
  return mapped;
}

/** The header's mapped columns as the user is shown them (each header text a string of its own). */
export function mappedColumns(fields: ReadonlyArray<RegisterField | null>, texts: readonly string[]): ColumnMapping[] {
  return fields.flatMap((f, column) => (f ? [{ column, header: ownText(texts[column]!), field: f }] : []));
}

/**
 * Why a row after the header is skipped, as the sink counts it, or null for a row to read: a
 * page-break repeat of the header (verbatim: the raw texts are compared, nothing is normalised per
 * row) or a total row (a total word in one of the first three filled cells). `filled` is how many
 * of `texts` are not blank.
 */
export function skippedAs(texts: readonly string[], filled: number, headerTexts: readonly string[]): 'repeatedHeaders' | 'totals' | null {
  let same = 0;
  let firstSeen = 0;
  let total = false;
  for (let i = 0; i < texts.length; i += 1) {
    const t = texts[i]!;
    if (t === '') continue;
    if (t === headerTexts[i]) same += 1;
    if (firstSeen < 3) {
      firstSeen += 1;
      if (!total && isTotalWord(t)) total = true;
    }
  }
  if (same / filled >= 0.6) return 'repeatedHeaders';
  return total ? 'totals' : null;
}
