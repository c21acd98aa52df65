/**
 * The portal readers give each document its ref and period as it is read (DocumentRefs in
 * domain/recon/portal-json.ts). A return period that comes after the documents, or a second one
 * that replaces the first, must still give every document the final period in its ref and its
 * period field, as when the refs were made at the end; with a file tag, and for bills of entry
 * listed on their own (no document index).
 */
import { parseGstr2b } from '../../../domain/recon/gstr2b-reader';
import { readGstr2a } from '../../../domain/recon/gstr2a-reader';

const inv = (k: number) => ({ inum: `I${k}`, dt: '05-06-2024', val: 100, pos: '27', rev: 'N', itcavl: 'Y', txval: 100, igst: 18 });
const docdata = JSON.stringify({ b2b: [{ ctin: '27AAPFU0939F1ZV', trdnm: 'X', inv: [inv(1), inv(2)] }], impg: [{ boenum: '1', boedt: '01-06-2024', txval: 5, igst: 1 }] });

describe('portal document refs', () => {
  it.each([
    ['the period before the documents', `{"data":{"gstin":"29AAACB1234C1Z5","rtnprd":"062024","docdata":${docdata}}}`],
    ['the period after the documents', `{"data":{"gstin":"29AAACB1234C1Z5","docdata":${docdata},"rtnprd":"062024"}}`],
    ['a second period after the documents', `{"data":{"rtnprd":"052024","docdata":${docdata},"rtnprd":"062024","gstin":"29AAACB1234C1Z5"}}`],
  ])('2B, %s: every ref carries the final period', (_name, text) => {
    for (const [fileTag, prefix] of [[undefined, '2024-06:'], ['f2', '2024-06:f2:']] as const) {
      const r = parseGstr2b(text, { fileTag });
      expect(r.ok).toBe(true);
      expect(r.documents.map((d) => [d.ref, d.period])).toEqual([
        [`${prefix}b2b:0:0`, '2024-06'], [`${prefix}b2b:0:1`, '2024-06'], [`${prefix}impg:0`, '2024-06'],
      ]);
    }
  });

  it('2A, the period after the documents', async () => {
    const text = '{"gstin":"29AAACB1234C1Z5","b2b":[{"ctin":"27AAPFU0939F1ZV","inv":[{"inum":"A","idt":"05-06-2024","val":1,"itms":[{"itm_det":{"txval":1}}]},{"inum":"B","idt":"05-06-2024","val":1}]}],"fp":"062024"}';
    const r = await readGstr2a(text);
    expect(r.ok).toBe(true);
    expect(r.documents.map((d) => [d.ref, d.period])).toEqual([['2A:2024-06:b2b:0:0', '2024-06'], ['2A:2024-06:b2b:0:1', '2024-06']]);
  });
});
