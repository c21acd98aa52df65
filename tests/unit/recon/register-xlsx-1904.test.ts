/**
 * A register workbook in the 1904 date system (`<workbookPr date1904="1"/>`, old Mac Excel): its
 * date serials count from 1904-01-01, 1,462 days short of the same date's 1900 serial. The register
 * reader reads its dates as the calendar dates the user typed, the same as from the 1900 twin of the
 * file; amounts (even ones that look like serials) are not touched.
 */
import { Readable } from 'node:stream';
import * as ExcelJS from 'exceljs';
import { readRegisterXlsx } from '../../../domain/recon/register-xlsx';
import { xlsxSheets } from '../../../domain/recon/xlsx-workbook';
import { readWorkbookPart } from '../../../domain/recon/xlsx-xml';
import { SUP_A } from './builders';

/** Days from 1970-01-01 of a calendar date, and its serial in each date system. */
const DAY = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const serial = (iso: string, date1904: boolean) => DAY(iso) + 25569 - (date1904 ? 1462 : 0);

/** The calendar dates of the register: voucher date, supplier invoice date. */
const ROWS: Array<{ voucher: string; invoice: string; taxable: number; number: string }> = [
  { voucher: '2024-06-05', invoice: '2024-06-03', taxable: 45_000, number: 'INV-1' },
  { voucher: '2024-06-30', invoice: '2024-05-31', taxable: 1_000.5, number: 'INV-2' },
  { voucher: '2025-03-31', invoice: '2025-02-28', taxable: 43_986, number: 'INV-3' },
  { voucher: '2024-02-29', invoice: '2024-02-29', taxable: 2_500, number: 'INV-4' },
];

/**
 * The same register in either date system, written by exceljs: the voucher date a Date cell with a
 * date format (exceljs writes its serial in the workbook's system), the supplier invoice date a plain
 * number (the serial in the workbook's system), on the last row as digits in a text cell (a date
 * column exported as General), and the taxable value a number.
 */
async function register(date1904: boolean): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.properties.date1904 = date1904;
  const ws = wb.addWorksheet('Purchase Register');
  ws.addRow(['Date', 'Particulars', 'Voucher No.', 'Supplier Invoice No', 'Supplier Invoice Date', 'GSTIN/UIN', 'Taxable Value', 'IGST']);
  ROWS.forEach((r, i) => {
    const invoiceSerial = serial(r.invoice, date1904);
    const row = ws.addRow([new Date(`${r.voucher}T00:00:00Z`), 'Acme Traders', i + 1, r.number, i === ROWS.length - 1 ? String(invoiceSerial) : invoiceSerial, SUP_A, r.taxable, 18]);
    row.getCell(1).numFmt = 'dd-mm-yyyy';
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('a register workbook in the 1904 date system', () => {
  it('the workbook part says which date system it is in', () => {
    const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const part = (pr: string) => readWorkbookPart(`<workbook ${ns}>${pr}<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`).dateSystem;
    expect([part('<workbookPr date1904="1"/>'), part('<workbookPr date1904="true" defaultThemeVersion="1"/>'), part('<workbookPr date1904="0"/>'), part('<workbookPr/>'), part('')])
      .toEqual(['1904', '1904', '1900', '1900', '1900']);
  });

  it('the files hold different serials for the same dates: the 1904 ones are 1,462 smaller', async () => {
    const cellsOf = async (date1904: boolean) => {
      const out: Array<{ system: string; cells: unknown[] }> = [];
      for await (const sheet of xlsxSheets(Readable.from([await register(date1904)]))) {
        for await (const batch of sheet.rows) for (const row of batch) if (row.number > 1) out.push({ system: sheet.dateSystem, cells: [row.cells[0], row.cells[4]] });
      }
      return out;
    };
    const [old, now] = [await cellsOf(true), await cellsOf(false)];
    expect(old.map((r) => r.system)).toEqual(ROWS.map(() => '1904'));
    expect(now.map((r) => r.system)).toEqual(ROWS.map(() => '1900'));
    // Numbers (and the last invoice date, digits as text) as the file has them, not Dates.
    expect(old.map((r) => r.cells)).toEqual(ROWS.map((r, i) => [serial(r.voucher, true), i === ROWS.length - 1 ? String(serial(r.invoice, true)) : serial(r.invoice, true)]));
    expect(now.map((r) => r.cells)).toEqual(ROWS.map((r, i) => [serial(r.voucher, false), i === ROWS.length - 1 ? String(serial(r.invoice, false)) : serial(r.invoice, false)]));
  });

  it('reads the calendar dates the user typed, the same whole result as its 1900 twin, amounts untouched', async () => {
    const old = await readRegisterXlsx(await register(true), { source: 'pr.xlsx' });
    const twin = await readRegisterXlsx(await register(false), { source: 'pr.xlsx' });
    expect({ errors: old.errors, warnings: old.warnings }).toEqual({ errors: [], warnings: [] });
    expect(old.rows.map((r) => ({ number: r.invoiceNumberRaw, voucherDate: r.voucherDate, invoiceDate: r.invoiceDate, taxable: r.taxableValue })))
      .toEqual(ROWS.map((r) => ({ number: r.number, voucherDate: r.voucher, invoiceDate: r.invoice, taxable: Math.round(r.taxable * 100) })));
    expect(old).toEqual(twin);
  });
});
