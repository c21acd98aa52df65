/**
 * The portal's GSTR-2B / 2A Excel (domain/recon/portal-xlsx.ts), built in the test from the same
 * JSON as its twin (ops/bench/portal-workbook.ts): the same documents, refs and warnings as the
 * JSON reader gives; the title block's period and GSTIN; per-rate lines joined into one document.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workbookInReadingOrder } from '../../../api/imports/workbook-order';
import { parseGstr2b, readGstr2bEntries } from '../../../domain/recon/gstr2b-reader';
import { readGstr2a, readGstr2aEntries } from '../../../domain/recon/gstr2a-reader';
import { readPortalWorkbook } from '../../../domain/recon/portal-xlsx';
import { as2a, portalLook, portalWorkbook } from '../../../domain/recon/portal-xlsx-layout';
import { portalWorkbookOf } from '../../../ops/bench/portal-workbook';
import { CLIENT, SUP_A, SUP_B } from './builders';

/** Reads a workbook as the upload path does: spooled to a file, its parts put in reading order. */
async function read(buf: Buffer) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-xlsx-')), 'upload.xlsx');
  fs.writeFileSync(file, buf);
  try {
    return await readPortalWorkbook(await workbookInReadingOrder(file));
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

const twoB = {
  chksum: 'abc',
  data: {
    gstin: CLIENT, rtnprd: '062024', version: '1.0', gendt: '14-07-2024',
    docdata: {
      b2b: [
        {
          ctin: SUP_A, trdnm: 'Alpha Metals', supprd: '062024', supfildt: '11-07-2024',
          inv: [
            {
              inum: 'INV/24-25/0012', typ: 'R', dt: '05-06-2024', val: 118000, pos: '27', rev: 'N', itcavl: 'Y', diffprcnt: 1,
              srctyp: 'e-Invoice', irn: 'ab'.repeat(32), irngendate: '05-06-2024',
              items: [{ num: 1, rt: 18, txval: 60000, igst: 10800, cgst: 0, sgst: 0, cess: 0 }, { num: 2, rt: 12, txval: 40000, igst: 4800 }],
            },
            { inum: 'INV-13', typ: 'R', dt: '06-06-2024', val: 1180.5, pos: '29', rev: 'Y', itcavl: 'N', rsn: 'C', diffprcnt: 0.65, txval: 1000.5, cgst: 90.01, sgst: 90.01 },
          ],
        },
        { ctin: SUP_B, trdnm: 'Beta Tools', supprd: '052024', supfildt: '11-06-2024', inv: [{ inum: '0007', typ: 'SEZWP', dt: '28-05-2024', val: 590, pos: '27', rev: 'N', itcavl: 'N', rsn: 'P', txval: 500, igst: 90 }] },
      ],
      b2ba: [{ ctin: SUP_B, trdnm: 'Beta Tools', supprd: '062024', supfildt: '11-07-2024', inv: [{ inum: 'B-7A', oinum: 'B-7', oidt: '02-04-2024', typ: 'R', dt: '02-04-2024', val: 590, pos: '27', rev: 'N', itcavl: 'Y', txval: 500, igst: 90 }] }],
      cdnr: [{ ctin: SUP_A, trdnm: 'Alpha Metals', supprd: '062024', supfildt: '11-07-2024', nt: [{ ntnum: 'CN-1', typ: 'C', suptyp: 'R', dt: '20-06-2024', val: 1180, pos: '27', rev: 'N', itcavl: 'Y', txval: 1000, igst: 180 }, { ntnum: 'DN-1', typ: 'D', suptyp: 'R', dt: '21-06-2024', val: 118, pos: '27', rev: 'N', itcavl: 'Y', txval: 100, igst: 18 }] }],
      cdnra: [{ ctin: SUP_A, trdnm: 'Alpha Metals', supprd: '062024', supfildt: '11-07-2024', nt: [{ ntnum: 'CN-2', typ: 'C', suptyp: 'R', ontnum: 'CN-0', ontdt: '01-05-2024', onttyp: 'C', dt: '02-05-2024', val: 118, pos: '27', rev: 'N', itcavl: 'Y', txval: 100, igst: 18 }] }],
      ecom: [{ ctin: SUP_B, trdnm: 'Beta Tools', supprd: '062024', supfildt: '11-07-2024', inv: [{ inum: 'E-1', typ: 'R', dt: '07-06-2024', val: 236, pos: '33', rev: 'N', itcavl: 'Y', diffprcnt: 1, txval: 200, igst: 36 }] }],
      isd: [{ ctin: SUP_A, trdnm: 'Group ISD', doclist: [{ doctyp: 'ISDI', docnum: 'ISD-1', docdt: '10-06-2024', igst: 500, cgst: 0, sgst: 0, cess: 0, itcelg: 'Y' }, { doctyp: 'ISDC', docnum: 'ISD-2', docdt: '11-06-2024', oinvnum: 'ISD-1', oinvdt: '10-06-2024', igst: 100, itcelg: 'N' }] }],
      impg: [{ refdt: '01-06-2024', portcode: 'INNSA1', boenum: '0012345', boedt: '28-05-2024', isamd: 'N', txval: 100000, igst: 18000, cess: 0 }],
      impgsez: [{ ctin: SUP_B, trdnm: 'SEZ Unit', boe: [{ refdt: '02-06-2024', portcode: 'INBOM4', boenum: '777', boedt: '03-06-2024', isamd: 'Y', txval: 1000, igst: 180, cess: 0 }] }],
    },
  },
};

describe('the portal GSTR-2B Excel', () => {
  it('gives the same documents, refs and warnings as its JSON twin', async () => {
    const json = parseGstr2b(JSON.stringify(twoB), { gstin: CLIENT, period: '2024-06' });
    expect(json.ok).toBe(true);
    const wb = await read(await portalWorkbookOf(twoB));
    expect(wb).toMatchObject({ ok: true, form: '2B', gstin: CLIENT, period: '2024-06' });
    expect(wb.sheets).toEqual(['Read me', 'ITC Available', 'ITC not available', 'B2B', 'B2BA', 'B2B-CDNR', 'B2B-CDNRA', 'ECO', 'ISD', 'IMPG', 'IMPGSEZ']);
    const excel = readGstr2bEntries({ gstin: wb.gstin, period: wb.period! }, wb.entries, { gstin: CLIENT, period: '2024-06' });
    expect(excel.errors).toEqual([]);
    const byRef = (docs: typeof json.documents) => [...docs].sort((a, b) => a.ref.localeCompare(b.ref));
    expect(byRef(excel.documents)).toEqual(byRef(json.documents));
    expect(excel.warnings).toEqual(json.warnings);
    expect(excel.documents).toHaveLength(12);
    expect(excel.documents.find((d) => d.numberRaw === '0012345')).toMatchObject({ section: 'impg', docType: 'bill_of_entry', portCode: 'INNSA1', igst: 1_800_000 });
    expect(excel.documents.find((d) => d.numberRaw === 'ISD-2')).toMatchObject({ docType: 'isd_credit_note', itcAvailable: false, igst: 10_000 });
    // Two rate lines of INV/24-25/0012 are one document with both lines' amounts.
    expect(excel.documents.find((d) => d.numberRaw === 'INV/24-25/0012')).toMatchObject({ taxableValue: 10_000_000, igst: 1_560_000, placeOfSupply: '27', irn: 'ab'.repeat(32) });
    // Spelled-out values come back as the JSON's codes.
    expect(excel.documents.find((d) => d.numberRaw === 'INV-13')).toMatchObject({ itcAvailable: false, itcUnavailableReason: 'C', reverseCharge: true, placeOfSupply: '29', diffPercent: 0.65 });
    expect(excel.documents.find((d) => d.numberRaw === '0007')).toMatchObject({ supplyType: 'SEZWP', itcUnavailableReason: 'P', supplierPeriod: '2024-05', supplierFilingDate: '2024-06-11' });
    expect(excel.documents.find((d) => d.numberRaw === 'CN-2')).toMatchObject({ docType: 'credit_note', original: { number: 'CN-0', date: '2024-05-01', docType: 'credit_note' } });
  });

  it('saved in the 1904 date system (old Mac Excel), gives the same documents and dates as its JSON twin', async () => {
    const json = parseGstr2b(JSON.stringify(twoB), { gstin: CLIENT, period: '2024-06' });
    const wb = await read(await portalWorkbookOf(twoB, { date1904: true }));
    const excel = readGstr2bEntries({ gstin: wb.gstin, period: wb.period! }, wb.entries, { gstin: CLIENT, period: '2024-06' });
    expect(excel.errors).toEqual([]);
    const dates = (docs: typeof json.documents) => [...docs].sort((a, b) => a.ref.localeCompare(b.ref)).map((d) => [d.ref, d.date, d.supplierFilingDate]);
    // The dates on their own first, so that a date read in the wrong system shows as such.
    expect(dates(excel.documents)).toEqual(dates(json.documents));
    expect(excel.documents.find((d) => d.numberRaw === 'INV/24-25/0012')).toMatchObject({ date: '2024-06-05' });
    expect([...excel.documents].sort((a, b) => a.ref.localeCompare(b.ref))).toEqual([...json.documents].sort((a, b) => a.ref.localeCompare(b.ref)));
  });

  it('refuses, like the JSON, a workbook of another period or recipient', async () => {
    const wb = await read(await portalWorkbookOf(twoB));
    const wrongPeriod = readGstr2bEntries({ gstin: wb.gstin, period: wb.period! }, wb.entries, { gstin: CLIENT, period: '2024-07' });
    expect(wrongPeriod.ok).toBe(false);
    expect(wrongPeriod.errors[0]).toMatchObject({ code: 'wrong_period', fatal: true });
    const wrongClient = readGstr2bEntries({ gstin: wb.gstin, period: wb.period! }, wb.entries, { gstin: SUP_B, period: '2024-06' });
    expect(wrongClient.errors[0]).toMatchObject({ code: 'wrong_recipient', fatal: true });
  });

  it('reads no period when the title block states none', async () => {
    const wb = await read(await portalWorkbookOf(twoB, { statePeriod: false }));
    expect(wb.period).toBeNull();
    expect(wb.entries.length).toBeGreaterThan(0);
  });
});

describe('the portal GSTR-2A Excel', () => {
  it('gives the documents the 2A JSON of the same data gives', async () => {
    const data = twoB.data;
    const { docdata } = data;
    const twoAJson = {
      gstin: CLIENT, fp: '062024',
      ...Object.fromEntries(Object.entries(docdata).map(([section, entries]) => {
        const converted = (entries as Array<Record<string, unknown>>).map((e) => as2a(section, e));
        return [converted[0]!.section, converted.map((c) => c.entry)];
      })),
    };
    const json = await readGstr2a(JSON.stringify(twoAJson), { gstin: CLIENT, period: '2024-06' });
    expect(json.ok).toBe(true);
    const wb = await read(await portalWorkbookOf(twoB, { form: '2A' }));
    expect(wb.form).toBe('2A');
    const excel = readGstr2aEntries({ gstin: wb.gstin, period: wb.period! }, wb.entries.map((e) => ({ ...as2a(e.section, e.entry), index: e.index })), { gstin: CLIENT, period: '2024-06' });
    expect(excel.errors).toEqual([]);
    const strip = (docs: typeof json.documents) => docs.map(({ ref, ...d }) => ({ ...d, ref: ref.split(':').slice(0, 3).join(':') })).sort((a, b) => `${a.ref}${a.numberRaw}`.localeCompare(`${b.ref}${b.numberRaw}`));
    expect(strip(excel.documents)).toEqual(strip(json.documents));
    // 2A has no e-commerce section: the other eleven documents.
    expect(excel.documents).toHaveLength(11);
  });
});

describe('recognising a portal download', () => {
  it('by its sheet names, and by its headings in a tabular file', () => {
    expect(portalWorkbook(['Read me', 'ITC Available', 'B2B', 'B2B-CDNR'])).toEqual({ portal: true, form: '2B' });
    expect(portalWorkbook(['Read me', 'B2B', 'CDNR', 'TDS'])).toEqual({ portal: true, form: '2A' });
    expect(portalWorkbook(['Purchase Register', 'B2B'])).toEqual({ portal: false, form: null });
    expect(portalWorkbook(['Sheet1'])).toEqual({ portal: false, form: null });
    expect(portalLook(['Goods and Services Tax - GSTR-2B', 'Invoice number'])).toBe('2B');
    expect(portalLook(['GSTIN of supplier', 'Trade/Legal name', 'Invoice number'])).toBe('unknown');
    expect(portalLook(['Date', 'Particulars', 'Voucher Ref. No.', 'GSTIN/UIN', 'Value'])).toBeNull();
  });
});
