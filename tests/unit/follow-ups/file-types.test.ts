/** The content check every uploaded document goes through (follow-up links and notice papers). */
import { checkedFileType, csvStructureHolds, pdfStructureHolds } from '../../../domain/follow-ups';
import { minimalPdf } from '../../fixtures/files/pdf';

describe('uploaded documents are typed by their content', () => {
  const pdf = minimalPdf();

  it('accepts a well-formed PDF: header, startxref pointing at its cross-reference table, %%EOF', () => {
    expect(pdfStructureHolds(pdf)).toBe(true);
    expect(checkedFileType(pdf)).toBe('application/pdf');
  });

  it.each([
    ['only the magic bytes', Buffer.from('%PDF-1.7\nhello\n')],
    ['no %%EOF at the end', pdf.subarray(0, pdf.length - 6)],
    ['an unknown version', Buffer.from(pdf.toString('latin1').replace('%PDF-1.4', '%PDF-9.9'), 'latin1')],
    ['startxref pointing past the end', Buffer.from(pdf.toString('latin1').replace(/startxref\n\d+/, 'startxref\n999999'), 'latin1')],
    ['startxref pointing at no cross-reference section', Buffer.from(pdf.toString('latin1').replace(/startxref\n\d+/, 'startxref\n3'), 'latin1')],
    ['text after %%EOF that hides the trailer', Buffer.concat([pdf, Buffer.from('x'.repeat(2000))])],
  ])('refuses a file starting %%PDF- with %s', (_why, bytes) => {
    expect(pdfStructureHolds(bytes)).toBe(false);
    expect(checkedFileType(bytes)).toBeNull();
  });

  it('still types PNG, CSV and refuses other content', () => {
    expect(checkedFileType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toBe('image/png');
    expect(checkedFileType(Buffer.from('gstin,invoice\n27AAAPL1234C1Z5,INV-1\n'))).toBe('text/csv');
    expect(checkedFileType(Buffer.from([0x4d, 0x5a, 0x90, 0x00]))).toBeNull();
  });

  it('types text as CSV only when it is a table: UTF-8, no control characters but tabs and line ends, a separator on the first line', () => {
    expect(checkedFileType(Buffer.from('\uFEFFGSTIN;Invoice\r\n27AAAPL1234C1Z5;INV-1\r\n'))).toBe('text/csv');
    expect(checkedFileType(Buffer.from('\n\ngstin\tinvoice\n'))).toBe('text/csv');
    expect(csvStructureHolds(Buffer.from('hello world'))).toBe(false);
    expect(checkedFileType(Buffer.from('hello world'))).toBeNull();
    expect(checkedFileType(Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0xc3, 0x28]))).toBeNull(); // invalid UTF-8 after a good first line
    expect(checkedFileType(Buffer.from('a,b\n\u0001,c\n'))).toBeNull();
  });
});
