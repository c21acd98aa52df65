/**
 * The dates a GST document may carry (domain/recon/dates.ts): 1 April 2017 to 31 March 2079, as
 * text, Excel serials of either date system or Date cells. The window is as wide as the matcher's
 * FY slots (domain/recon/match/docs.ts, `fySlotOf`): inside it, documents of different FYs never share
 * a slot, so an invoice number reused in another FY is neither a duplicate nor a pair. A mistyped
 * year decades away (which used to be read, and could put a run's real documents into one slot) is
 * refused like an impossible date.
 */
import { reconcile } from '../../../domain/recon';
import { FIRST_DOCUMENT_DATE, fromExcelSerial, fyStartYear, LAST_DOCUMENT_DATE, parseDate } from '../../../domain/recon/dates';
import { ANY_FY } from '../../../domain/recon/match/codes';
import { readRegisterCsv } from '../../../domain/recon/register-reader';
import { book, SUP_A } from './builders';

const ok = (d: ReturnType<typeof parseDate>) => (d.ok ? d.iso : `refused: ${d.reason}`);

describe('the dates a GST document may carry', () => {
  it("spans exactly the matcher's FY slots (slot 0 is undated, the last is for any FY)", () => {
    expect([FIRST_DOCUMENT_DATE, LAST_DOCUMENT_DATE]).toEqual(['2017-04-01', '2079-03-31']);
    expect(fyStartYear(LAST_DOCUMENT_DATE) - fyStartYear(FIRST_DOCUMENT_DATE) + 1).toBe(ANY_FY - 1);
  });

  it('reads its first and last day and refuses the days either side, in every form', () => {
    const window = '(2017-04-01 to 2079-03-31)';
    expect(['01-04-2017', '31-03-2079', '2017-04-01', '31-Mar-79', '31-03-2017', '01-04-2079', '12-05-1950', '12-05-2150', '05-06-16'].map((t) => ok(parseDate(t)))).toEqual([
      '2017-04-01', '2079-03-31', '2017-04-01', '2079-03-31',
      `refused: 2017-03-31 is outside the dates a GST document may carry ${window}`,
      `refused: 2079-04-01 is outside the dates a GST document may carry ${window}`,
      `refused: 1950-05-12 is outside the dates a GST document may carry ${window}`,
      `refused: 2150-05-12 is outside the dates a GST document may carry ${window}`,
      `refused: 2016-06-05 is outside the dates a GST document may carry ${window}`,
    ]);
    // Serials: 42826 is 1 April 2017 and 65470 is 31 March 2079 in the 1900 system, 1,462 less in the 1904 one.
    expect([42826, 65470, 42825, 65471].map((n) => ok(fromExcelSerial(n)))).toEqual([
      '2017-04-01', '2079-03-31',
      `refused: number 42825 is not an Excel date a GST document may carry ${window}`,
      `refused: number 65471 is not an Excel date a GST document may carry ${window}`,
    ]);
    expect([41364, 64008, 41363, 64009].map((n) => fromExcelSerial(n, '1904').ok)).toEqual([true, true, false, false]);
    expect([parseDate(new Date(Date.UTC(2079, 2, 31))).ok, parseDate(new Date(Date.UTC(2079, 3, 1))).ok]).toEqual([true, false]);
  });

  it("a register row whose invoice date is mistyped decades away: the date is refused and the voucher date used, as for an impossible date", async () => {
    const header = 'Date,Particulars,Voucher Type,Voucher No.,Voucher Ref. No.,Voucher Ref. Date,GSTIN/UIN,Value,Purchase @18%,Input CGST 9%,Input SGST 9%,Input IGST 18%,Round Off,Gross Total';
    const r = await readRegisterCsv([header, `05-04-2024,Alpha,Purchase,1,INV-1,03-04-1924,${SUP_A},100,,9,9,,,`, `05-04-2024,Alpha,Purchase,2,INV-2,03-04-2024,${SUP_A},100,,9,9,,,`].join('\r\n'));
    expect(r.rows.map((x) => [x.invoiceNumberRaw, x.invoiceDate, x.dateFallback ?? false])).toEqual([['INV-1', '2024-04-05', true], ['INV-2', '2024-04-03', false]]);
    expect(r.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'invalid_date', field: 'invoiceDate', line: 2, message: expect.stringContaining('1924-04-03 is outside the dates') })]));
  });

  it('at its two ends the matcher keeps one number of three FYs apart: none is a duplicate of another', () => {
    const dated = (invoiceDate: string) => book({ supplierGstin: SUP_A, invoiceNumberRaw: 'INV-7', invoiceDate });
    const books = [dated('2017-04-10'), dated('2077-05-10'), dated('2078-05-10'), dated('2079-03-31')];
    const r = reconcile(books, []);
    const categories = Object.fromEntries(r.results.map((row) => [row.books!.invoiceDate, row.category]));
    // 2078-05-10 and 2079-03-31 are one FY (2078-79): the later is the duplicate; the other FYs' are not.
    expect(categories).toEqual({ '2017-04-10': 'missing_in_2b', '2077-05-10': 'missing_in_2b', '2078-05-10': 'missing_in_2b', '2079-03-31': 'duplicate_in_books' });
  });
});
