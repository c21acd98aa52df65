import * as ExcelJS from 'exceljs';
import { mapHeader, readRegister, readRegisterCsv, readRegisterXlsx } from '../../../domain/recon/register-reader';
import { sniffContent } from '../../../domain/recon/sniff';
import { SUP_A, SUP_A_TYPO, SUP_B } from './builders';

const TALLY_HEADER = 'Date,Particulars,Voucher Type,Voucher No.,Voucher Ref. No.,Voucher Ref. Date,GSTIN/UIN,Value,Purchase @18%,Input CGST 9%,Input SGST 9%,Input IGST 18%,Round Off,Gross Total';

function tally(lines: string[]): string {
  return ['ACME Traders Pvt Ltd', '"Plot 4, MIDC, Pune"', 'Purchase Register', '1-Apr-2024 to 30-Apr-2024', '', TALLY_HEADER, ...lines].join('\r\n');
}

describe('purchase register: CSV (Tally layout)', () => {
  it('finds the header by content and maps Tally ledger columns to heads', async () => {
    const r = await readRegisterCsv(tally([
      `05-04-2024,Alpha Metals,Purchase,1,INV/24-25/0012,03/04/2024,${SUP_A},"1,00,000.00",,"9,000.00","9,000.00",,0.50,"1,18,000.50 Cr"`,
      'Grand Total,,,,,,,"1,00,000.00",,"9,000.00","9,000.00",,0.50,"1,18,000.50 Cr"',
    ]), { source: 'apr.csv' });
    expect(r.ok).toBe(true);
    expect(r.mapping[0]!.headerLine).toBe(6);
    const fields = Object.fromEntries(r.mapping[0]!.columns.map((c) => [c.header, c.field]));
    expect(fields).toMatchObject({
      'Voucher Ref. No.': 'invoiceNumber', 'Voucher No.': 'voucherNumber', 'Purchase @18%': 'purchaseLedger',
      'Input CGST 9%': 'cgst', 'Input SGST 9%': 'sgst', 'Input IGST 18%': 'igst', 'Round Off': 'ignore', 'Gross Total': 'invoiceValue',
    });
    expect(r.rows).toEqual([{
      rowRef: 'apr.csv:7', supplierGstin: SUP_A, supplierName: 'Alpha Metals', docType: 'invoice', invoiceNumberRaw: 'INV/24-25/0012',
      invoiceDate: '2024-04-03', voucherNumber: '1', voucherDate: '2024-04-05', taxableValue: 100000_00, igst: 0, cgst: 9000_00,
      sgst: 9000_00, cess: 0, invoiceValue: 118000_50, reverseCharge: false,
    }]);
    expect(r.skipped).toMatchObject({ totals: 1, titleRows: 4, blank: 1 });
  });

  it('reads a large chunk in pieces and, past a record only csv-parse reads, hands it the rest of that chunk', async () => {
    // About 1.6 MB: past the first megabyte (which the header search buffers into one piece
    // whatever the chunks) a 64 KB-chunked read and a one-chunk read differ in what they hand
    // csv-parse. The record with text after a closing quote, at about 1.3 MB, sends the rest to
    // csv-parse: read whole, that rest is the rest of the one chunk, decoded 64 KB at a time.
    const lines: string[] = [];
    for (let i = 1; i <= 15000; i += 1) {
      const name = i === 12000 ? '"Alpha"x Metals' : `Supplier ${i}`;
      lines.push(`05-04-2024,${name},Purchase,${i},INV/${i},03/04/2024,${SUP_A},"1,000.00",,90.00,90.00,,,"1,180.00 Cr"`);
    }
    const bytes = Buffer.from(tally(lines));
    expect(bytes.length).toBeGreaterThan(1.5 * (1 << 20));
    expect(bytes.indexOf('"Alpha"x')).toBeGreaterThan(1 << 20);
    const whole = await readRegisterCsv(bytes, { source: 'big.csv' });
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 1 << 16) pieces.push(bytes.subarray(i, i + (1 << 16)));
    const chunked = await readRegisterCsv(pieces, { source: 'big.csv' });
    expect({ rows: whole.rows.length, errors: whole.errors.length }).toEqual({ rows: chunked.rows.length, errors: chunked.errors.length });
    expect(whole).toEqual(chunked);
    expect(whole.ok).toBe(true);
    expect(whole.rows).toHaveLength(15000);
    expect(whole.rows[14999]!.voucherNumber).toBe('15000');
    expect(whole.rows[11999]!.supplierName).toBe('"Alpha"x Metals'); // csv-parse's relaxed reading
  });

  it('uses purchase-ledger columns as taxable value when there is no Value column', async () => {
    const csv = ['Date,Particulars,Voucher No.,Supplier Invoice No,GSTIN/UIN,Purchase @18%,Purchase - Interstate,Input IGST 18%',
      `05-04-2024,Beta,7,B-1,${SUP_B},"1,000.00",500,270`].join('\n');
    const r = await readRegisterCsv(csv);
    expect(r.rows[0]).toMatchObject({ taxableValue: 1500_00, igst: 270_00 });
    expect(mapHeader('Purchase - Interstate')).toBe('purchaseLedger');
  });

  it('turns Debit Note vouchers and negative purchases into positive credit notes', async () => {
    const r = await readRegisterCsv(tally([
      `06-04-2024,Alpha,Debit Note,2,CN-7,06-04-2024,${SUP_A},"(1,000.00)",,-90,-90,,,`,
      `07-04-2024,Alpha,Purchase,3,RET-1,07-04-2024,${SUP_A},"1,000.00 Cr",,90 Cr,90 Cr,,,`,
      `08-04-2024,Alpha,Debit Note,4,CN-8,08-04-2024,${SUP_A},"1,000.00",,90,90,,,`,
      `09-04-2024,Alpha,Credit Note,5,DN-1,09-04-2024,${SUP_A},100,,9,9,,,`,
    ]));
    expect(r.rows.map((x) => [x.docType, x.taxableValue, x.cgst])).toEqual([
      ['credit_note', 1000_00, 90_00], ['credit_note', 1000_00, 90_00], ['credit_note', 1000_00, 90_00], ['debit_note', 100_00, 9_00],
    ]);
  });

  it('aggregates split rows of one voucher, but keeps different vouchers with one number apart', async () => {
    const r = await readRegisterCsv(tally([
      `05-04-2024,Alpha,Purchase,1,INV-1,05-04-2024,${SUP_A},600,,54,54,,,`,
      `05-04-2024,Alpha,Purchase,1,INV-1,05-04-2024,${SUP_A},400,,36,36,,,`,
      `06-04-2024,Alpha,Purchase,2,INV-1,05-04-2024,${SUP_A},1000,,90,90,,,`,
    ]), { source: 'x' });
    expect(r.rows).toHaveLength(2);
    expect(r.rows[0]).toMatchObject({ taxableValue: 1000_00, cgst: 90_00, sourceLines: ['x:7', 'x:8'] });
    expect(r.rows[1]).toMatchObject({ voucherNumber: '2', taxableValue: 1000_00 });
    expect(r.mergedLines).toBe(1);
  });

  it('falls back to the voucher date and flags it; a row with no date at all is an error', async () => {
    const r = await readRegisterCsv(tally([
      `05-04-2024,Alpha,Purchase,1,INV-1,,${SUP_A},100,,9,9,,,`,
      `05-04-2024,Alpha,Purchase,2,INV-2,31-02-2024,${SUP_A},100,,9,9,,,`,
      `,Alpha,Purchase,3,INV-3,,${SUP_A},100,,9,9,,,`,
    ]));
    expect(r.rows.map((x) => [x.invoiceNumberRaw, x.invoiceDate, x.dateFallback])).toEqual([
      ['INV-1', '2024-04-05', true], ['INV-2', '2024-04-05', true],
    ]);
    expect(r.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'invalid_date', field: 'invoiceDate', line: 8 })]));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'missing_date', line: 9 })]);
  });

  it('reports a bad amount with its line and column and skips that row only', async () => {
    const r = await readRegisterCsv(tally([
      `05-04-2024,Alpha,Purchase,1,INV-1,05-04-2024,${SUP_A},"1.234,56",,9,9,,,`,
      `05-04-2024,Alpha,Purchase,2,INV-2,05-04-2024,${SUP_A},100,,9,9,,,`,
    ]));
    expect(r.rows.map((x) => x.invoiceNumberRaw)).toEqual(['INV-2']);
    expect(r.errors[0]).toMatchObject({ code: 'invalid_amount', line: 7, column: 'Value', field: 'taxableValue' });
  });

  it('keeps CSV-injection payloads as plain text (the export layer neutralises them)', async () => {
    const payloads = ['=HYPERLINK("http://x","y")', '+cmd|calc', '@SUM(A1)', '-2+3'];
    const csv = ['Party Name,Invoice No,Invoice Date,GSTIN of Supplier,Taxable Value,IGST',
      ...payloads.map((p, i) => `"${p.replace(/"/g, '""')}","${p.replace(/"/g, '""')}",05-04-2024,${SUP_B},10${i},18`)].join('\n');
    const r = await readRegisterCsv(csv);
    expect(r.rows.map((x) => x.supplierName)).toEqual(payloads);
    expect(r.rows.map((x) => x.invoiceNumberRaw)).toEqual(payloads);
  });

  it('maps generic ERP synonyms, semicolon delimiters, POS names, RCM and eligibility', async () => {
    const csv = ['Bill No;Bill Date;GST No;Vendor Name;Assessable Value;IGST Amt;Central Tax;State/UT Tax;Cess;Place of Supply;Reverse Charge;ITC Eligibility',
      `B/1;5-Apr-24;${SUP_A};V1;1.000,00;0;0;0;0;27-Maharashtra;Y;Ineligible`,
      `B/2;2024-04-06;${SUP_A};V1;"₹ 2,000";0;180;180;10;Maharashtra;No;Yes`].join('\n');
    const r = await readRegisterCsv(csv);
    expect(r.errors).toHaveLength(1); // 1.000,00 is not an Indian or Western amount
    expect(r.rows).toEqual([expect.objectContaining({
      invoiceNumberRaw: 'B/2', invoiceDate: '2024-04-06', taxableValue: 2000_00, cgst: 180_00, sgst: 180_00, cess: 10_00,
      placeOfSupply: '27', reverseCharge: false, itcEligible: true,
    })]);
    const r2 = await readRegisterCsv(csv.replace('1.000,00', '1000'));
    expect(r2.rows[0]).toMatchObject({ reverseCharge: true, itcEligible: false, placeOfSupply: '27' });
  });

  it('back-computes Busy tax from the rate type and flags the row derived', async () => {
    const csv = ['Date,Vch/Bill No,Account,GSTIN,Type,Amount', `05-04-2024,77,Gamma,${SUP_A},L/GST-18%,"1,180.00"`, `05-04-2024,78,Gamma,${SUP_A},I/GST-12%,112`].join('\n');
    const r = await readRegisterCsv(csv, { columnMap: { 'Vch/Bill No': 'invoiceNumber' } });
    expect(r.rows.map((x) => [x.taxableValue, x.igst, x.cgst, x.sgst, x.derivedAmounts])).toEqual([
      [1000_00, 0, 90_00, 90_00, true], [100_00, 12_00, 0, 0, true],
    ]);
  });

  it('drops repeated page headers and counts them', async () => {
    const r = await readRegisterCsv(tally([
      `05-04-2024,Alpha,Purchase,1,INV-1,05-04-2024,${SUP_A},100,,9,9,,,`,
      TALLY_HEADER,
      `06-04-2024,Alpha,Purchase,2,INV-2,06-04-2024,${SUP_A},100,,9,9,,,`,
    ]));
    expect(r.rows).toHaveLength(2);
    expect(r.skipped.repeatedHeaders).toBe(1);
  });

  it('warns once per invalid GSTIN and keeps the rows', async () => {
    const r = await readRegisterCsv(tally([
      `05-04-2024,Alpha,Purchase,1,INV-1,05-04-2024,${SUP_A_TYPO},100,,9,9,,,`,
      `06-04-2024,Alpha,Purchase,2,INV-2,06-04-2024,${SUP_A_TYPO.toLowerCase()},100,,9,9,,,`,
    ]));
    expect(r.rows).toHaveLength(2);
    expect(r.warnings.filter((w) => w.code === 'invalid_gstin')).toHaveLength(1);
  });

  it('skips sales vouchers in a purchase register with a counted warning', async () => {
    const r = await readRegisterCsv(tally([`05-04-2024,Alpha,Sales,1,S-1,05-04-2024,${SUP_A},100,,9,9,,,`]));
    expect(r.rows).toHaveLength(0);
    expect(r.skipped.nonPurchase).toBe(1);
  });

  it('accepts streamed chunks split mid-line', async () => {
    const text = tally([`05-04-2024,Alpha,Purchase,1,INV-1,05-04-2024,${SUP_A},100,,9,9,,,`]);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      const b = Buffer.from(text);
      for (let i = 0; i < b.length; i += 7) yield b.subarray(i, i + 7);
    }
    const r = await readRegisterCsv(chunks());
    expect(r.rows).toHaveLength(1);
  });
});

describe('purchase register: malformed input', () => {
  it('refuses an empty file', async () => {
    const r = await readRegister('');
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.code).toBe('empty_file');
  });

  it('refuses binary content posing as CSV', async () => {
    const bytes = Buffer.from([0x49, 0x4e, 0x56, 0x00, 0x01, 0x02, 0xff, 0x00, 0x2c, 0x2c]);
    for (const r of [await readRegister(bytes), await readRegisterCsv(bytes)]) {
      expect(r.ok).toBe(false);
      expect(r.errors[0]!.message).toMatch(/NUL|binary|not a CSV/);
    }
  });

  it('refuses a legacy .xls and a JSON file', async () => {
    expect((await readRegister(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1]))).errors[0]!.message).toMatch(/xls/);
    expect((await readRegister('{"data":{}}')).errors[0]!.code).toBe('unexpected_json');
  });

  it('refuses text without a register header', async () => {
    const r = await readRegisterCsv('hello,world\n1,2\n');
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.code).toBe('no_header');
  });

  it('refuses a corrupt zip posing as XLSX', async () => {
    const r = await readRegisterXlsx(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]));
    expect(r.ok).toBe(false);
  });
});

describe('purchase register: XLSX', () => {
  async function workbook(): Promise<Buffer> {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Notes').addRow(['nothing to see']);
    const ws = wb.addWorksheet('Purchase Register');
    ws.addRow(['ACME Traders']);
    ws.addRow(['Purchase Register']);
    ws.addRow(['Date', 'Particulars', 'Voucher No.', 'Voucher Ref. No.', 'Voucher Ref. Date', 'GSTIN/UIN', 'Value', 'Input IGST 18%']);
    ws.addRow(['', '', '', '', '', '', 'KGS', '']);
    ws.addRow([new Date(Date.UTC(2024, 3, 5)), 'X', 1, 1234, 45385, SUP_A, 1000, 180]);
    ws.addRow([45390, { richText: [{ text: 'Rich ' }, { text: 'Name' }] }, 2, 'A-1', '06/04/2024', SUP_B, '2,000.00', { formula: 'G6*0.18', result: 360 }]);
    ws.addRow(['Grand Total', '', '', '', '', '', 3000, 540]);
    return Buffer.from(await wb.xlsx.writeBuffer());
  }

  it('streams the workbook, finds the header sheet and reads numbers, serials, rich text and formulas', async () => {
    const r = await readRegister(await workbook(), { source: 'pr.xlsx' });
    expect(r.ok).toBe(true);
    expect(r.rows).toEqual([
      expect.objectContaining({ rowRef: 'pr.xlsx:Purchase Register:5', invoiceNumberRaw: '1234', invoiceDate: '2024-04-03', voucherDate: '2024-04-05', taxableValue: 1000_00, igst: 180_00 }),
      expect.objectContaining({ supplierName: 'Rich Name', invoiceNumberRaw: 'A-1', invoiceDate: '2024-04-06', voucherDate: '2024-04-08', taxableValue: 2000_00, igst: 360_00 }),
    ]);
    expect(r.warnings.map((w) => w.code)).toContain('no_header'); // the Notes sheet
    expect(r.skipped.totals).toBe(1);
  });
});

describe('content sniffing', () => {
  it.each([
    [Buffer.from('{"a":1}'), 'json'],
    [Buffer.from('\uFEFF  [1]'), 'json'],
    [Buffer.from('a,b\n1,2'), 'csv'],
    [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]), 'xlsx'],
    [Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), 'binary'],
    [Buffer.from('%PDF-1.7'), 'binary'],
    [Buffer.from([0xff, 0xfe, 0x41, 0x00]), 'binary'],
    [Buffer.from([0x41, 0x00, 0x42]), 'binary'],
    [Buffer.alloc(0), 'empty'],
    [Buffer.from('   \n'), 'empty'],
  ])('%p → %s', (bytes, kind) => {
    expect(sniffContent(bytes).kind).toBe(kind);
  });

  it('refuses text full of control characters', () => {
    expect(sniffContent(Buffer.from('a\u0001b\u0002c\u0003d\u0004e\u0005')).kind).toBe('binary');
  });
});
