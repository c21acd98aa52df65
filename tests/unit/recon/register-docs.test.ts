/**
 * A register document's row (domain/recon/register-docs.ts): built in one order with the optional
 * fields only when given, and finished once into magnitudes and the type its signed total makes.
 */
import { bookRow, finishRow, firstLineRow, type JoinedLines, type RowFields } from '../../../domain/recon/register-docs';
import { RegisterSink } from '../../../domain/recon/register-sink';
import type { BooksRow, DocType } from '../../../domain/recon/types';

function line(ref: string, amounts: { taxable: number; igst?: number; cgst?: number }): RowFields {
  return {
    rowRef: ref, supplierGstin: '27ABCDE1234F1ZW', docType: 'invoice', invoiceNumberRaw: 'B-1', invoiceDate: '2024-04-03',
    taxableValue: amounts.taxable, igst: amounts.igst ?? 0, cgst: amounts.cgst ?? 0, sgst: 0, cess: 0, reverseCharge: false,
  };
}

/** A document of `lines` read as `docType`, summed as the sink sums a later line into the first line's row. */
function docOf(lines: RowFields[], docType: DocType = 'invoice'): { rows: BooksRow[]; joined: JoinedLines | undefined } {
  const row = bookRow({ ...lines[0]!, docType });
  let joined: JoinedLines | undefined;
  for (const l of lines.slice(1)) {
    joined ??= { lines: [row.rowRef], mixedSigns: false };
    joined.lines.push(l.rowRef);
    row.taxableValue += l.taxableValue;
    row.igst += l.igst;
    row.cgst += l.cgst;
  }
  return { rows: [row], joined };
}

/** The document's finished row, and whether it was found to carry both signs. */
function finished(d: { rows: BooksRow[]; joined: JoinedLines | undefined }): { row: BooksRow; mixed: boolean } {
  const mixed = finishRow(d.rows, 0, d.joined);
  return { row: d.rows[0]!, mixed };
}

describe('register document rows', () => {
  it('builds the fields in one order and leaves out the empty optional ones', () => {
    const row = bookRow({ ...line('a:2', { taxable: 100 }), supplierName: '', voucherNumber: '7', invoiceValue: 0, placeOfSupply: null, itcEligible: false, dateFallback: true });
    expect(Object.keys(row)).toEqual([
      'rowRef', 'supplierGstin', 'docType', 'invoiceNumberRaw', 'invoiceDate', 'taxableValue', 'igst', 'cgst', 'sgst', 'cess',
      'reverseCharge', 'voucherNumber', 'itcEligible', 'dateFallback',
    ]);
  });

  it('builds the same row from positional arguments (firstLineRow) as from a fields object (bookRow)', () => {
    // Many of the 21 arguments share a type, so a swap would typecheck: every value is distinct,
    // and each boolean is set alone in one of the cases, so any swap shows as a difference.
    const flags = ['reverseCharge', 'itcEligible', 'derivedAmounts', 'dateFallback'] as const;
    for (const on of flags) {
      const f = {
        rowRef: 'a.csv:7', supplierGstin: '27ABCDE1234F1ZW', docType: 'debit_note' as DocType, invoiceNumberRaw: 'INV-1',
        invoiceDate: '2024-04-03', taxableValue: 101, igst: 102, cgst: 103, sgst: 104, cess: 105, reverseCharge: on === 'reverseCharge',
        supplierName: 'Alpha Metals', voucherNumber: 'V-9', voucherDate: '2024-04-05', invoiceValue: 106, placeOfSupply: '27',
        itcEligible: on === 'itcEligible', portCode: 'INNSA1', billOfEntryNumber: 'BE-42', derivedAmounts: on === 'derivedAmounts',
        dateFallback: on === 'dateFallback',
      };
      const positional = firstLineRow(
        f.rowRef, f.supplierGstin, f.docType, f.invoiceNumberRaw, f.invoiceDate, f.taxableValue, f.igst, f.cgst, f.sgst, f.cess,
        f.reverseCharge, f.supplierName, f.voucherNumber, f.voucherDate, f.invoiceValue, f.placeOfSupply, f.itcEligible, f.portCode,
        f.billOfEntryNumber, f.derivedAmounts, f.dateFallback,
      );
      const fromObject = bookRow(f);
      const expected: Record<string, unknown> = { ...f };
      for (const k of ['derivedAmounts', 'dateFallback'] as const) if (!f[k]) delete expected[k]; // set only when true
      expect({ on, row: { ...fromObject } }).toEqual({ on, row: expected });
      expect({ on, row: { ...positional } }).toEqual({ on, row: { ...fromObject } });
      expect(JSON.stringify(positional)).toBe(JSON.stringify(fromObject));
    }
  });

  it('reads a one-line negative document as a credit note, in magnitudes', () => {
    const { row, mixed } = finished(docOf([line('a:2', { taxable: -100, igst: -18 })]));
    expect({ docType: row.docType, taxable: row.taxableValue, igst: row.igst, mixed }).toEqual({ docType: 'credit_note', taxable: 100, igst: 18, mixed: false });
  });

  it('reads a document whose later line makes the total negative as a credit note, fields in order', () => {
    const d = docOf([line('a:2', { taxable: 100, igst: 18 }), line('a:3', { taxable: -300, igst: -54 })]);
    d.rows[0]!.invoiceValue = 5; // added after the first line, as the sink may: the row is built again in order
    const { row, mixed } = finished(d);
    expect(row).toMatchObject({ docType: 'credit_note', taxableValue: 200, igst: 36, sourceLines: ['a:2', 'a:3'] });
    expect(Object.keys(row).slice(-3)).toEqual(['reverseCharge', 'invoiceValue', 'sourceLines']);
    expect(mixed).toBe(false);
  });

  it('marks mixed signs in a row\'s heads, and where the sink found its lines\' totals of both signs', () => {
    const { row: first, mixed } = finished(docOf([line('a:2', { taxable: -100, cgst: 9 })], 'debit_note'));
    expect({ docType: first.docType, taxable: first.taxableValue, cgst: first.cgst, mixed }).toEqual({ docType: 'credit_note', taxable: 100, cgst: 9, mixed: true });
    const d = docOf([line('a:2', { taxable: 100 }), line('a:3', { taxable: -300 })]);
    d.joined!.mixedSigns = true; // as the sink marks it when a line's total has the other sign
    expect(finished(d)).toMatchObject({ row: { docType: 'credit_note', taxableValue: 200 }, mixed: true });
  });

  it('gives the same rows when the sink is asked for its result twice', () => {
    const sink = new RegisterSink({ source: 'r.csv' });
    const rows = [
      ['Voucher No.', 'Supplier Invoice No', 'Supplier Invoice Date', 'GSTIN/UIN', 'Taxable Value', 'IGST'],
      ['1', 'B-1', '03-04-2024', '27ABCDE1234F1ZW', '100', '18'],
      ['1', 'B-1', '03-04-2024', '27ABCDE1234F1ZW', '-300', '-54'],
      ['2', 'B-2', '03-04-2024', '27ABCDE1234F1ZW', '-50', '-9'],
    ];
    rows.forEach((r, i) => sink.row(r, i + 1));
    const first = sink.result().rows.map((r) => ({ ...r }));
    expect(first.map((r) => [r.rowRef, r.docType, r.taxableValue, r.igst])).toEqual([['r.csv:2', 'credit_note', 200_00, 36_00], ['r.csv:4', 'credit_note', 50_00, 9_00]]);
    expect(sink.result().rows).toEqual(first);
  });
});
