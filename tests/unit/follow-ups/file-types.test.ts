/** The content check every uploaded document goes through (follow-up links and notice papers). */
import { checkedFileType, csvStructureHolds, describeContent, describeDeclaredFile, expectedFileType, pdfStructureHolds } from '../../../domain/follow-ups';
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

describe('what a declared file is expected to be, from its name and the browser\'s type', () => {
  it('takes the extension when it names an accepted type, whatever the browser said', () => {
    expect(expectedFileType({ filename: 'bills.csv', contentType: 'application/vnd.ms-excel' })).toBe('text/csv');
    expect(expectedFileType({ filename: 'bills.CSV', contentType: 'application/octet-stream' })).toBe('text/csv');
    expect(expectedFileType({ filename: 'scan.jpg', contentType: '' })).toBe('image/jpeg');
    expect(expectedFileType({ filename: 'book.xlsx', contentType: 'application/zip' })).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  });

  it('else the browser\'s type, its common aliases resolved; null for anything else', () => {
    expect(expectedFileType({ filename: 'scan', contentType: 'image/jpg' })).toBe('image/jpeg');
    expect(expectedFileType({ filename: 'scan', contentType: 'image/pjpeg' })).toBe('image/jpeg');
    expect(expectedFileType({ filename: 'export', contentType: 'application/vnd.ms-excel' })).toBe('text/csv');
    expect(expectedFileType({ filename: 'bill', contentType: 'application/x-pdf' })).toBe('application/pdf');
    expect(expectedFileType({ filename: 'notes.txt', contentType: 'text/plain' })).toBeNull();
    expect(expectedFileType({ filename: 'old.xls', contentType: 'application/octet-stream' })).toBeNull();
    expect(describeDeclaredFile({ filename: 'notes.txt', contentType: 'text/plain' })).toBe('a .txt file (text/plain)');
  });

  it('names refused content in words', () => {
    expect(describeContent(Buffer.alloc(0))).toBe('an empty file');
    expect(describeContent(Buffer.from('%PDF-1.7\nhello\n'))).toBe('a damaged or incomplete PDF');
    expect(describeContent(Buffer.from('hello world'))).toMatch(/^text that is not a table/);
    expect(describeContent(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).toMatch(/^a legacy Excel \(\.xls\)/);
    expect(describeContent(Buffer.from('{"a": 1}'))).toBe('a JSON file');
    expect(describeContent(Buffer.from([0x4d, 0x5a, 0x90, 0x00]))).toBe('a file of another kind');
  });
});
