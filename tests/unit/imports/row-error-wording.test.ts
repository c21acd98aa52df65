/**
 * A file with a row (or portal document) the reader cannot read is refused whole (docs/api.md: 400
 * `invalid_file`, each row listed), so a row error says what is wrong with the row, never that the
 * row was skipped and the rest kept. The GSTR-2A reader's supplier entry without its GSTIN, through
 * the refusal the upload answers.
 */
import { rowErrorsRefusal } from '../../../api/imports/upload-result';
import { readGstr2a } from '../../../domain/recon/gstr2a-reader';

const CLIENT = '27AAACR5055K1Z5';
const SUPPLIER = '29AABCT1332L1ZT';
const invoice = (inum: string) => ({ inum, idt: '05-06-2024', val: 1180, pos: '27', rchrg: 'N', itms: [{ itm_det: { txval: 1000, iamt: 180 } }] });

describe('row error wording of a refused file', () => {
  it('a 2A supplier entry without its GSTIN: the error and the refusal say the file was not stored, not that the entry was skipped', async () => {
    const twoA = { gstin: CLIENT, fp: '062024', b2b: [{ ctin: SUPPLIER, cfs: 'Y', inv: [invoice('A-1')] }, { cfs: 'Y', inv: [invoice('B-1')] }] };
    const r = await readGstr2a(JSON.stringify(twoA), { gstin: CLIENT, period: '2024-06' });
    expect(r.errors).toEqual([{ code: 'missing_field', section: 'b2b', index: 1, field: 'ctin', message: 'supplier GSTIN missing' }]);
    const refusal = rowErrorsRefusal(r.errors, { noun: 'document', file: 'GSTR-2A', hint: 'Download the GSTR-2A again from the portal.' });
    expect(refusal).toMatchObject({
      ok: false,
      status: 400,
      code: 'invalid_file',
      message: '1 document of the GSTR-2A cannot be read, so the file was not stored (it would have been stored without it): section b2b, supplier entry 2: supplier GSTIN missing. Download the GSTR-2A again from the portal.',
    });
    expect(JSON.stringify(refusal)).not.toMatch(/skipped/);
  });
});
