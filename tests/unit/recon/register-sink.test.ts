/**
 * The register's row sink finishing a read (domain/recon/register-sink.ts): `result()` adds the
 * issues only the whole file shows (mixed signs, no header, issues left out) once, however often
 * it is asked.
 */
import { gstinCheckCharacter } from '../../../domain/gstin';
import { RegisterSink } from '../../../domain/recon/register-sink';

const GSTIN = `27ABCDE1234F1Z${gstinCheckCharacter('27ABCDE1234F1Z')}`;
const HEADER = ['Voucher No.', 'Supplier Invoice No', 'Supplier Invoice Date', 'GSTIN/UIN', 'Taxable Value', 'IGST'];

function read(sink: RegisterSink, rows: string[][]): void {
  rows.forEach((r, i) => sink.row(r, i + 1));
}

describe('the register sink’s result', () => {
  it('is the same object the second time, its warnings listed once', () => {
    // One issue listed at most: the second document's mixed signs are left out and counted.
    const sink = new RegisterSink({ source: 'r.csv', maxIssues: 1 });
    read(sink, [
      HEADER,
      ['1', 'B-1', '03-04-2024', GSTIN, '-100', '18'],
      ['2', 'B-2', '03-04-2024', GSTIN, '-50', '9'],
    ]);
    const first = sink.result();
    const seen = structuredClone(first);
    expect(seen.warnings).toEqual([
      { code: 'mixed_signs', rowRef: 'r.csv:2', message: expect.stringMatching(/positive and negative/) },
      { code: 'issues_truncated', message: '1 further issues not listed', count: 1 },
    ]);
    expect(seen.rows.map((r) => [r.rowRef, r.taxableValue, r.igst])).toEqual([['r.csv:2', 100_00, 18_00], ['r.csv:3', 50_00, 9_00]]);
    const again = sink.result();
    expect(again).toBe(first);
    expect(again).toEqual(seen);
  });

  it('refuses a file without a header once: one error and one warning however often it is asked', () => {
    const sink = new RegisterSink({ source: 'r.csv' });
    read(sink, [['Purchase register of a firm'], ['April 2024']]);
    const first = structuredClone(sink.result());
    expect({ ok: first.ok, errors: first.errors.map((e) => e.code), warnings: first.warnings.map((w) => w.code) })
      .toEqual({ ok: false, errors: ['no_header'], warnings: ['no_header'] });
    expect(sink.result()).toEqual(first);
  });
});
