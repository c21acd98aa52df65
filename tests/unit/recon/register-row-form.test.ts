/**
 * A register row is now an instance of one class (register-docs.ts, `bookRow`) where it was an
 * object literal with the optional fields added after it. What a reader's caller sees must not
 * change: the same own keys in the same order, the same JSON (the import rows' COPY text is
 * JSON.stringify of each row), equality with the literal, and a plain object once cloned to
 * another thread. Checked on every row of generated registers (the benchmark's, noisy ones with
 * split vouchers and every rule of the sink) and of every header-search case in every chunking,
 * against the literal the previous `bookRow` built from the same fields.
 */
import { readRegisterCsv } from '../../../domain/recon/register-reader';
import type { RowFields } from '../../../domain/recon/register-docs';
import type { BooksRow } from '../../../domain/recon/types';
import { generateReconData, toRegisterCsv } from '../../../ops/bench/recon-data';
import { noisyRegisterCsv } from '../../../ops/bench/register-golden';
import { CHUNK_SIZES, HEADER_SEARCH_CASES, readHeaderCase } from './register-header-cases';

/** The previous `bookRow`: an object literal, the optional fields added only when given. */
function literalRow(f: RowFields): BooksRow {
  const row: BooksRow = {
    rowRef: f.rowRef, supplierGstin: f.supplierGstin, docType: f.docType, invoiceNumberRaw: f.invoiceNumberRaw,
    invoiceDate: f.invoiceDate, taxableValue: f.taxableValue, igst: f.igst, cgst: f.cgst, sgst: f.sgst, cess: f.cess,
    reverseCharge: f.reverseCharge,
  };
  if (f.supplierName) row.supplierName = f.supplierName;
  if (f.voucherNumber) row.voucherNumber = f.voucherNumber;
  if (f.voucherDate) row.voucherDate = f.voucherDate;
  if (f.invoiceValue) row.invoiceValue = f.invoiceValue;
  if (f.placeOfSupply) row.placeOfSupply = f.placeOfSupply;
  if (f.itcEligible !== null && f.itcEligible !== undefined) row.itcEligible = f.itcEligible;
  if (f.portCode) row.portCode = f.portCode;
  if (f.billOfEntryNumber) row.billOfEntryNumber = f.billOfEntryNumber;
  if (f.derivedAmounts) row.derivedAmounts = true;
  if (f.dateFallback) row.dateFallback = true;
  if (f.sourceLines) row.sourceLines = f.sourceLines;
  return row;
}

function* chunks(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/** Every row against the literal of its own fields; returns how many optional fields were seen. */
function expectLiteralForm(rows: readonly BooksRow[]): number {
  let optional = 0;
  for (const row of rows) {
    const literal = literalRow(row as RowFields);
    expect(Object.keys(row)).toEqual(Object.keys(literal));
    expect(JSON.stringify(row)).toBe(JSON.stringify(literal));
    expect(row).toEqual(literal);
    expect(structuredClone(row)).toStrictEqual(literal);
    optional += Object.keys(row).length - 11;
  }
  return optional;
}

describe('register rows as class instances', () => {
  it.each([[1, 3_000], [9, 2_500]])('the bench register (seed %i, %i documents) reads as literal rows', async (seed, n) => {
    const r = await readRegisterCsv(chunks(Buffer.from(toRegisterCsv(generateReconData({ n, seed }))), 7_919), { source: 'pr.csv' });
    expect(r.rows.length).toBeGreaterThan(n / 2);
    expect(expectLiteralForm(r.rows)).toBeGreaterThan(r.rows.length); // names, vouchers, values: not only the required fields
  });

  it.each([[31, ','], [33, ';']])('a noisy register (seed %i, delimiter %j) reads as literal rows, split vouchers included', async (seed, d) => {
    const r = await readRegisterCsv(chunks(Buffer.from(noisyRegisterCsv(3_000, seed, d)), 4_001), { source: 'n.csv', csvDelimiter: d, maxIssues: 1_000_000 });
    expect(r.rows.some((row) => row.sourceLines !== undefined)).toBe(true);
    expect(r.rows.some((row) => row.dateFallback === true || row.derivedAmounts === true)).toBe(true);
    expectLiteralForm(r.rows);
  });

  it.each(HEADER_SEARCH_CASES.map((c) => [c.name, c] as const))('header case %s reads as literal rows in every chunking', async (_name, c) => {
    for (const size of CHUNK_SIZES) expectLiteralForm((await readHeaderCase(c, size)).rows);
  });
});
