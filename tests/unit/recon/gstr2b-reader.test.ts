import { mergeGstr2bResults, parseGstr2b, readGstr2b } from '../../../domain/recon/gstr2b-reader';
import { reconcile } from '../../../domain/recon';
import { CLIENT, SUP_A, SUP_A_TYPO, SUP_B, SUP_C, book } from './builders';

type Json = Record<string, unknown>;

function sample(over: { data?: Json; wrap?: boolean; docdata?: Json; docRejdata?: Json } = {}): Json {
  const data: Json = {
    gstin: CLIENT,
    rtnprd: '062024',
    version: '1.0',
    gendt: '14-07-2024',
    docdata: over.docdata ?? {
      b2b: [
        {
          ctin: SUP_A, trdnm: 'Alpha Metals', supprd: '062024', supfildt: '11-07-2024',
          inv: [
            {
              inum: 'INV/24-25/0012', typ: 'R', dt: '05-06-2024', val: 118000, pos: '27', rev: 'N', itcavl: 'Y', diffprcnt: 1,
              srctyp: 'e-Invoice', irn: 'ab'.repeat(32), irngendate: '05-06-2024',
              items: [{ num: 1, rt: 18, txval: 60000, igst: 10800, cgst: 0, sgst: 0, cess: 0 }, { num: 2, rt: 18, txval: 40000, igst: 7200 }],
            },
            { inum: 'INV-13', typ: 'R', dt: '06-06-2024', val: 1180.5, pos: '27', rev: 'Y', itcavl: 'N', rsn: 'C', txval: 1000.5, cgst: 90.01, sgst: 90.01 },
          ],
        },
      ],
      b2ba: [{ ctin: SUP_B, trdnm: '', inv: [{ inum: 'B-7A', oinum: 'B-7', oidt: '02-04-2024', typ: 'R', dt: '02-04-2024', val: 590, pos: '27', rev: 'N', itcavl: 'Y', txval: 500, igst: 90 }] }],
      cdnr: [{ ctin: SUP_A, trdnm: 'Alpha Metals', nt: [{ ntnum: 'CN-1', typ: 'C', suptyp: 'R', dt: '20-06-2024', val: 1180, pos: '27', rev: 'N', itcavl: 'Y', txval: 1000, igst: 180 }, { ntnum: 'DN-1', typ: 'D', suptyp: 'R', dt: '21-06-2024', val: 118, pos: '27', rev: 'N', itcavl: 'Y', txval: 100, igst: 18 }] }],
      cdnra: [{ ctin: SUP_A, nt: [{ ntnum: 'CN-2', typ: 'C', ontnum: 'CN-0', ontdt: '01-05-2024', onttyp: 'C', dt: '02-05-2024', val: 118, pos: '27', rev: 'N', itcavl: 'Y', txval: 100, igst: 18 }] }],
      isd: [{ ctin: SUP_C, trdnm: 'Group ISD', doclist: [{ doctyp: 'ISDI', docnum: 'ISD-1', docdt: '10-06-2024', igst: 500, cgst: 0, sgst: 0, cess: 0, itcelg: 'Y' }, { doctyp: 'ISDC', docnum: 'ISD-2', docdt: '11-06-2024', oinvnum: 'ISD-1', oinvdt: '10-06-2024', igst: 100, itcelg: 'N' }] }],
      isda: [{ ctin: SUP_C, doclist: [{ doctyp: 'ISDI', docnum: 'ISD-3', docdt: '12-06-2024', odoctyp: 'ISDI', odocnum: 'ISD-0', odocdt: '01-05-2024', igst: 50 }] }],
      impg: [{ refdt: '01-06-2024', recdt: '02-06-2024', portcode: 'INNSA1', boenum: '0012345', boedt: '28-05-2024', isamd: 'N', txval: 100000, igst: 18000, cess: 0 }],
      impgsez: [{ ctin: SUP_B, trdnm: 'SEZ Unit', boe: [{ portcode: 'INBOM4', boenum: '777', boedt: '03-06-2024', isamd: 'Y', txval: 1000, igst: 180, cess: 0 }] }],
      ecom: [{ ctin: SUP_C, inv: [{ inum: 'E-1', typ: 'R', dt: '07-06-2024', val: 236, pos: '33', rev: 'N', itcavl: 'Y', txval: 200, igst: 36 }] }],
    },
    ...over.data,
  };
  if (over.docRejdata) data.docRejdata = over.docRejdata;
  return over.wrap === false ? data : { chksum: 'abc', data };
}

const expected = { gstin: CLIENT, period: '2024-06' };

describe('GSTR-2B reader', () => {
  it('reads every section into canonical documents', () => {
    const r = parseGstr2b(JSON.stringify(sample()), expected);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.header).toEqual({ gstin: CLIENT, period: '2024-06', version: '1.0', generatedOn: '2024-07-14' });
    expect(r.documents.map((d) => `${d.section}:${d.docType}:${d.numberRaw}`)).toEqual([
      'b2b:invoice:INV/24-25/0012', 'b2b:invoice:INV-13', 'b2ba:invoice:B-7A', 'cdnr:credit_note:CN-1', 'cdnr:debit_note:DN-1',
      'cdnra:credit_note:CN-2', 'isd:isd_invoice:ISD-1', 'isd:isd_credit_note:ISD-2', 'isda:isd_invoice:ISD-3',
      'impg:bill_of_entry:0012345', 'impgsez:bill_of_entry:777', 'ecom:invoice:E-1',
    ]);
    const inv = r.documents[0]!;
    expect(inv).toMatchObject({
      supplierGstin: SUP_A, supplierName: 'Alpha Metals', date: '2024-06-05', period: '2024-06', supplierPeriod: '2024-06',
      supplierFilingDate: '2024-07-11', taxableValue: 100000_00, igst: 18000_00, invoiceValue: 118000_00, placeOfSupply: '27',
      itcAvailable: true, reverseCharge: false, supplyType: 'R', irn: 'ab'.repeat(32), irnDate: '2024-06-05', diffPercent: 1,
    });
    expect(r.documents[1]).toMatchObject({ reverseCharge: true, itcAvailable: false, itcUnavailableReason: 'C', cgst: 9001, sgst: 9001, taxableValue: 100050 });
    expect(r.documents[2]!.original).toEqual({ number: 'B-7', date: '2024-04-02' });
    expect(r.documents[5]!.original).toEqual({ number: 'CN-0', date: '2024-05-01', docType: 'credit_note' });
    expect(r.documents[7]).toMatchObject({ itcAvailable: false, igst: 100_00 });
    expect(r.documents[8]!.original).toEqual({ number: 'ISD-0', date: '2024-05-01', docType: 'isd_invoice' });
    expect(r.documents[9]).toMatchObject({ supplierGstin: '', billOfEntryNumber: '0012345', portCode: 'INNSA1', igst: 18000_00 });
    expect(r.documents[10]).toMatchObject({ supplierGstin: SUP_B, original: { number: '777', date: '2024-06-03' } });
    expect(new Set(r.documents.map((d) => d.ref)).size).toBe(r.documents.length);
  });

  it('accepts a bare data object (no envelope) with the same result', () => {
    const a = parseGstr2b(JSON.stringify(sample()), expected);
    const b = parseGstr2b(JSON.stringify(sample({ wrap: false })), expected);
    expect(b.documents).toEqual(a.documents);
  });

  it('streams: 1-byte chunks and multi-byte names split across chunks give the same documents', async () => {
    const doc = sample({ docdata: { b2b: [{ ctin: SUP_A, trdnm: 'श्री गणेश ट्रेडर्स ₹', inv: [{ inum: 'A1', dt: '05-06-2024', val: 1, txval: 1, igst: 0.18, itcavl: 'Y', rev: 'N', pos: '27' }] }] } });
    const bytes = Buffer.from(JSON.stringify(doc));
    async function* chunks(size: number): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    }
    const whole = parseGstr2b(bytes, expected);
    for (const size of [1, 3, 64]) {
      const streamed = await readGstr2b(chunks(size), expected);
      expect(streamed.documents).toEqual(whole.documents);
    }
    expect(whole.documents[0]!.supplierName).toBe('श्री गणेश ट्रेडर्स ₹');
  });

  it('keeps invoice-level totals and warns when items disagree by more than ₹1', () => {
    const r = parseGstr2b(JSON.stringify(sample({ docdata: { b2b: [{ ctin: SUP_A, inv: [
      { inum: 'X1', dt: '05-06-2024', val: 100, txval: 100, igst: 18, items: [{ txval: 100, igst: 19.01 }], itcavl: 'Y', rev: 'N', pos: '27' },
      { inum: 'X2', dt: '05-06-2024', val: 100, txval: 100, igst: 18, items: [{ txval: 100, igst: 19 }], itcavl: 'Y', rev: 'N', pos: '27' },
    ] }] } })), expected);
    expect(r.documents.map((d) => d.igst)).toEqual([1800, 1800]);
    expect(r.warnings.filter((w) => w.code === 'items_totals_disagree')).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ section: 'b2b', index: 0, docIndex: 0 });
  });

  it('warns on a bad supplier check digit but keeps the documents', () => {
    const r = parseGstr2b(JSON.stringify(sample({ docdata: { b2b: [{ ctin: SUP_A_TYPO, inv: [{ inum: 'Z', dt: '05-06-2024', val: 1, txval: 1, igst: 0.18 }] }] } })), expected);
    expect(r.ok).toBe(true);
    expect(r.documents).toHaveLength(1);
    expect(r.warnings.map((w) => w.code)).toContain('invalid_supplier_gstin');
  });

  it('reports field errors with section, supplier index, document index and field, and skips only that document', () => {
    const r = parseGstr2b(JSON.stringify(sample({ docdata: { b2b: [
      { ctin: SUP_A, inv: [{ inum: 'OK', dt: '05-06-2024', val: 1, txval: 1 }, { inum: 'BAD', dt: '31-02-2024', val: 1 }, { dt: '05-06-2024', val: 1 }, { inum: 'X', dt: '05-06-2024', txval: 'abc' }] },
      { inv: [] },
    ], cdnr: [{ ctin: SUP_A, nt: [{ ntnum: 'N1', typ: 'Q', dt: '05-06-2024' }] }] } })), expected);
    expect(r.ok).toBe(true);
    expect(r.documents.map((d) => d.numberRaw)).toEqual(['OK']);
    expect(r.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ code: 'invalid_date', section: 'b2b', index: 0, docIndex: 1, field: 'dt' }),
      expect.objectContaining({ code: 'missing_field', section: 'b2b', index: 0, docIndex: 2, field: 'inum' }),
      expect.objectContaining({ code: 'invalid_amount', section: 'b2b', index: 0, docIndex: 3, field: 'txval' }),
      expect.objectContaining({ code: 'missing_field', section: 'b2b', index: 1, field: 'ctin' }),
      expect.objectContaining({ code: 'invalid_field', section: 'cdnr', index: 0, docIndex: 0, field: 'typ' }),
    ]));
  });

  it('tolerates amount quirks: numeric strings and negative credit-note amounts, with counted warnings', () => {
    const r = parseGstr2b(JSON.stringify(sample({ docdata: { cdnr: [{ ctin: SUP_A, nt: [
      { ntnum: 'C1', typ: 'C', dt: '05-06-2024', val: '-1,180.00', txval: -1000, igst: '-180' },
    ] }] } })), expected);
    expect(r.documents[0]).toMatchObject({ docType: 'credit_note', taxableValue: 1000_00, igst: 180_00, invoiceValue: 1180_00 });
    expect(r.warnings.find((w) => w.code === 'negative_amount')!.count).toBe(3);
    expect(r.warnings.find((w) => w.code === 'amount_as_text')!.count).toBe(2);
  });

  it('counts unknown sections as a warning, never failing', () => {
    const r = parseGstr2b(JSON.stringify(sample({ docdata: { b2b: [], newsec: [{ ctin: SUP_A, inv: [{}, {}] }, { ctin: SUP_B, inv: [{}] }] } })), expected);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([expect.objectContaining({ code: 'unknown_section', section: 'newsec', count: 3 })]);
  });

  it('keeps IMS-rejected documents apart, marked rejected', () => {
    const r = parseGstr2b(JSON.stringify(sample({ docRejdata: { b2b: [{ ctin: SUP_A, inv: [{ inum: 'R-1', dt: '05-06-2024', val: 118, txval: 100, igst: 18 }] }] } })), expected);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]).toMatchObject({ rejected: true, numberRaw: 'R-1' });
    expect(r.rejected[0]!.ref).toContain('docRejdata');
    expect(r.documents.some((d) => d.numberRaw === 'R-1')).toBe(false);
  });

  it('checks parsed totals against the portal cpsumm (control total)', () => {
    const docdata = { b2b: [{ ctin: SUP_A, inv: [{ inum: 'A', dt: '05-06-2024', val: 118, txval: 100, igst: 18 }] }] };
    const good = parseGstr2b(JSON.stringify(sample({ docdata, data: { cpsumm: { b2b: [{ ctin: SUP_A, ttldocs: 1, txval: 100, igst: 18.5 }] } } })), expected);
    expect(good.warnings.map((w) => w.code)).not.toContain('control_total_mismatch');
    expect(good.controlTotals.b2b!.portal!.igst).toBe(1850);
    const bad = parseGstr2b(JSON.stringify(sample({ docdata, data: { cpsumm: { b2b: [{ ctin: SUP_A, txval: 100, igst: 19.01 }] } } })), expected);
    expect(bad.warnings.map((w) => w.code)).toContain('control_total_mismatch');
  });

  it('merges several files of one period, de-duplicating repeated documents', () => {
    const a = parseGstr2b(JSON.stringify(sample()), { ...expected, fileTag: 'f1' });
    const b = parseGstr2b(JSON.stringify(sample({ docdata: { b2b: [{ ctin: SUP_A, inv: [{ inum: 'INV-13', dt: '06-06-2024', val: 1 }, { inum: 'NEW-1', dt: '06-06-2024', val: 1 }] }] } })), { ...expected, fileTag: 'f2' });
    const m = mergeGstr2bResults([a, b]);
    expect(m.ok).toBe(true);
    expect(m.documents).toHaveLength(a.documents.length + 1);
    expect(m.warnings.find((w) => w.code === 'merged_duplicates')!.count).toBe(1);
    const other = parseGstr2b(JSON.stringify(sample({ data: { rtnprd: '072024' } })));
    expect(mergeGstr2bResults([a, other]).ok).toBe(false);
  });

  it('feeds the matcher directly', () => {
    const r = parseGstr2b(JSON.stringify(sample()), expected);
    const b = book({ invoiceNumberRaw: 'INV12', invoiceDate: '2024-06-05', taxableValue: 100000_00, igst: 18000_00 });
    const rec = reconcile([b], [...r.documents, ...r.rejected]);
    expect(rec.results.find((x) => x.books)!.category).toBe('probable_match');
  });
});

describe('GSTR-2B reader: malformed input is refused clearly', () => {
  it('wrong period is a fatal error and yields no documents', () => {
    const r = parseGstr2b(JSON.stringify(sample({ data: { rtnprd: '052024' } })), expected);
    expect(r.ok).toBe(false);
    expect(r.documents).toEqual([]);
    expect(r.errors[0]).toMatchObject({ code: 'wrong_period', fatal: true, field: 'rtnprd' });
    expect(r.errors[0]!.message).toContain('2024-05');
  });

  it('wrong recipient GSTIN is fatal', () => {
    const r = parseGstr2b(JSON.stringify(sample({ data: { gstin: SUP_B } })), expected);
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.code).toBe('wrong_recipient');
  });

  it('stops streaming as soon as the period is known to be wrong', async () => {
    const text = JSON.stringify(sample({ data: { rtnprd: '052024' } }));
    let pulled = 0;
    async function* chunks(): AsyncGenerator<string> {
      for (let i = 0; i < text.length; i += 50) {
        pulled += 1;
        yield text.slice(i, i + 50);
      }
    }
    const r = await readGstr2b(chunks(), expected);
    expect(r.ok).toBe(false);
    expect(pulled).toBeLessThan(Math.ceil(text.length / 50));
  });

  it.each([
    ['truncated JSON', JSON.stringify(sample()).slice(0, 300), 'truncated_json'],
    ['empty file', '', 'empty_file'],
    ['whitespace only', ' \n ', 'empty_file'],
    ['syntax error inside an entry', '{"data":{"gstin":"x","rtnprd":"062024","docdata":{"b2b":[{"ctin":"A",]}}}', 'invalid_json'],
    ['trailing garbage', `${JSON.stringify(sample())}xyz`, 'invalid_json'],
    ['not an object', '[1,2,3]', 'wrong_schema'],
    ['an unrelated JSON object', '{"invoices":[{"no":1}]}', 'wrong_schema'],
    ['rtnprd not MMYYYY', JSON.stringify(sample({ data: { rtnprd: '2024-06' } })), 'bad_period'],
    ['docdata not an object', JSON.stringify(sample({ data: { docdata: [1] } })), 'wrong_schema'],
    ['binary posing as JSON', '\u0000\u0001PK', 'invalid_json'],
  ])('%s', (_label, text, code) => {
    const r = parseGstr2b(text, expected);
    expect(r.ok).toBe(false);
    expect(r.documents).toEqual([]);
    expect(r.errors.map((e) => e.code)).toContain(code);
  });

  it('a 2B without docdata imports nothing, with a warning', () => {
    const r = parseGstr2b(JSON.stringify({ data: { gstin: CLIENT, rtnprd: '062024' } }), expected);
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.code)).toContain('no_documents');
  });
});
