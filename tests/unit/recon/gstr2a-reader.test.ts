import { readGstr2a } from '../../../domain/recon/gstr2a-reader';
import { reconcile } from '../../../domain/recon';
import { CLIENT, SUP_A, SUP_B, SUP_C, book, twin } from './builders';

const sample = {
  gstin: CLIENT,
  fp: '062024',
  b2b: [
    {
      ctin: SUP_A, cfs: 'Y', cfs3b: 'N', fldtr1: '11-Jul-24', flprdr1: 'Jun-24',
      inv: [{ inum: 'A-1', idt: '05-06-2024', val: 1180, pos: '27', rchrg: 'N', inv_typ: 'R', itms: [{ num: 1801, itm_det: { rt: 18, txval: 1000, iamt: 180, csamt: 0 } }] }],
    },
    { ctin: SUP_B, cfs: 'N', dtcancel: '01-Jul-24', inv: [{ inum: 'B-1', idt: '06-06-2024', val: 118, pos: '27', rchrg: 'Y', itms: [{ itm_det: { txval: 100, camt: 9, samt: 9 } }] }] },
  ],
  b2ba: [{ ctin: SUP_A, inv: [{ oinum: 'A-0', oidt: '01-05-2024', inum: 'A-0X', idt: '01-05-2024', val: 10, pos: '27', rchrg: 'N', itms: [{ itm_det: { txval: 10, iamt: 1.8 } }] }] }],
  cdn: [{ ctin: SUP_C, nt: [{ ntty: 'C', nt_num: 'CN-1', nt_dt: '10-06-2024', inum: 'X-9', idt: '01-06-2024', val: 59, pos: '33', rchrg: 'N', itms: [{ itm_det: { txval: 50, iamt: 9 } }] }] }],
  impg: [{ benum: 1234567, bedt: '02-06-2024', portcd: 'INNSA1', amd: 'N', txval: 1000, iamt: 180, csamt: 0 }],
  tds: [{ gstin_deductor: SUP_C, amt_ded: 1000 }],
};

describe('GSTR-2A reader (docs/reconciliation.md, "Inputs")', () => {
  it('maps 2A fields to canonical documents and collects supplier filing signals', async () => {
    const r = await readGstr2a(JSON.stringify(sample), { gstin: CLIENT, period: '2024-06' });
    expect(r.ok).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.documents.map((d) => `${d.section}:${d.docType}:${d.numberRaw}`)).toEqual([
      'b2b:invoice:A-1', 'b2b:invoice:B-1', 'b2ba:invoice:A-0X', 'cdnr:credit_note:CN-1', 'impg:bill_of_entry:1234567',
    ]);
    expect(r.documents[0]).toMatchObject({ date: '2024-06-05', taxableValue: 1000_00, igst: 180_00, placeOfSupply: '27', supplyType: 'R', period: '2024-06' });
    expect(r.documents[1]).toMatchObject({ reverseCharge: true, cgst: 9_00, sgst: 9_00 });
    expect(r.documents[2]!.original).toEqual({ number: 'A-0', date: '2024-05-01' });
    expect(r.documents[4]).toMatchObject({ billOfEntryNumber: '1234567', portCode: 'INNSA1', igst: 180_00 });
    expect(r.creditEntries).toBe(1);
    expect(r.supplierSignals[SUP_A]).toEqual({ gstr1Filed: true, gstr3bFiled: false, lastGstr1FiledOn: '2024-07-11', lastGstr1Period: '2024-06' });
    expect(r.supplierSignals[SUP_B]).toMatchObject({ gstr1Filed: false, cancelledOn: '2024-07-01' });
  });

  it('its signals flag matched rows through the matcher', async () => {
    const r = await readGstr2a(JSON.stringify(sample));
    const b = book({ supplierGstin: SUP_A });
    const run = reconcile([b], [twin(b)], { supplierSignals: r.supplierSignals });
    expect(run.results[0]!.flags).toContain('supplier_not_filed_3b');
  });

  it.each([
    ['wrong period', JSON.stringify({ ...sample, fp: '052024' }), 'wrong_period'],
    ['truncated', JSON.stringify(sample).slice(0, 100), 'truncated_json'],
    ['empty', '', 'empty_file'],
    ['not a 2A', '{"x":1}', 'wrong_schema'],
  ])('refuses %s', async (_l, text, code) => {
    const r = await readGstr2a(text, { gstin: CLIENT, period: '2024-06' });
    expect(r.ok).toBe(false);
    expect(r.documents).toEqual([]);
    expect(r.errors.map((e) => e.code)).toContain(code);
  });
});
