/**
 * The rows of a register sheet that are about its header rather than documents: the header row
 * itself (found by content; register-header.ts maps its columns), and after it the rows to skip,
 * verbatim page-break repeats of the header and total rows. Kept apart from the sink
 * (register-sink.ts), which reads the rows that are documents.
 */
import { type FieldColumns, fieldColumns, isTotalWord, ownText } from './register-cells';
import { type ColumnMapping, looksLikeHeader, mapHeader, type RegisterField, settleNumberColumns, supplierColumnsFirst } from './register-header';

/**
 * The row's fields, column by column, when it reads as the register's header; else null. A cell
 * longer than HEADING_MAX is no heading: mapHeader maps it to no column (null) without normalising
 * it, as any header it does not know, so its column is not read (docs/security-limits.md).
 */
export function headerFields(texts: readonly string[], columnMap: Readonly<Record<string, RegisterField>> | undefined): Array<RegisterField | null> | null {
  const mapped = texts.map((t) => mapHeader(t, columnMap));
  if (!looksLikeHeader(mapped)) return null;
  settleNumberColumns(mapped, texts, columnMap);
  return mapped;
}

/**
 * The columns the sink reads each field from (header fields as headerFields gives them): a row's
 * invoice number and date come from the supplier's column where it is filled (supplierColumnsFirst).
 */
export function headerColumns(mapped: ReadonlyArray<RegisterField | null>, texts: readonly string[], columnMap: Readonly<Record<string, RegisterField>> | undefined): FieldColumns {
  const cols = fieldColumns(mapped);
  return {
    ...cols,
    invoiceNumber: supplierColumnsFirst('invoiceNumber', cols.invoiceNumber, texts, columnMap),
    invoiceDate: supplierColumnsFirst('invoiceDate', cols.invoiceDate, texts, columnMap),
  };
}

/**
 * The warning `ambiguous_invoice_number_column`'s message: which of Busy's `Vch/Bill No` and a plain
 * bill number column is read as the invoice number, and that the other can be mapped
 * (docs/reconciliation.md, "Inputs").
 */
export function ambiguousMessage({ taken, other }: { taken: string; other: string }): string {
  return `both "${taken}" and "${other}" read as the invoice number: "${taken}" is taken where it is filled, else "${other}"; `
    + `if "${other}" holds the supplier's bill number (the one GSTR-2B carries), map it to the invoice number and "${taken}" to the voucher number`;
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
