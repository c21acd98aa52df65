/**
 * api/imports/workbook-order.ts: exceljs's streaming reader (still the portal workbook's reader)
 * fails on a workbook of more than four sheets whose workbook part comes last (as exceljs itself
 * writes them); re-packed in reading order, it reads every sheet, and a file already in order is
 * streamed untouched. The register reader (xlsx-workbook.ts) reads such a workbook either way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ExcelJS from 'exceljs';
import { workbookInReadingOrder } from '../../../api/imports/workbook-order';
import { readRegisterXlsx } from '../../../domain/recon/register-reader';
import { readRegisterXlsxWithExceljs } from '../../../ops/bench/register-xlsx-exceljs';

const GSTIN = '29ABCDE1234F1ZW';

async function sevenSheets(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  for (let i = 0; i < 6; i += 1) wb.addWorksheet(`Notes ${i}`).addRow(['nothing here']);
  const ws = wb.addWorksheet('Purchase Register');
  ws.addRow(['Date', 'Particulars', 'Voucher Ref. No.', 'GSTIN/UIN', 'Value', 'Input IGST 18%']);
  ws.addRow(['05-06-2024', 'Supplier', 'INV-1', GSTIN, 1000, 180]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('workbook parts in reading order', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workbook-order-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lets the streaming reader read a seven-sheet workbook whose workbook part comes last', async () => {
    const file = path.join(dir, 'seven.xlsx');
    fs.writeFileSync(file, await sevenSheets());
    const direct = await readRegisterXlsxWithExceljs(fs.createReadStream(file));
    expect(direct.errors.map((e) => e.code)).toContain('invalid_xlsx');
    expect(await readRegisterXlsxWithExceljs(await workbookInReadingOrder(file))).toEqual(await readRegisterXlsx(fs.createReadStream(file)));
    const repacked = await readRegisterXlsx(await workbookInReadingOrder(file));
    expect(repacked.errors).toEqual([]);
    expect(repacked.rows).toEqual([expect.objectContaining({ invoiceNumberRaw: 'INV-1', supplierGstin: GSTIN, taxableValue: 100_000, igst: 18_000 })]);

    // Written again from the re-packed stream, the file is in order and streams as it is.
    const ordered = path.join(dir, 'ordered.xlsx');
    await new Promise<void>((resolve, reject) => {
      void workbookInReadingOrder(file).then((s) => s.pipe(fs.createWriteStream(ordered)).on('finish', resolve).on('error', reject));
    });
    const again = await workbookInReadingOrder(ordered);
    expect(again).toBeInstanceOf(fs.ReadStream);
    const chunks: Buffer[] = [];
    for await (const chunk of again) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(fs.readFileSync(ordered))).toBe(true);
  });
});
