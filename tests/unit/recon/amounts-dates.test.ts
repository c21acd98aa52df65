import {
  checkHsn, fiscalYearOf, formatPaise, fromExcelSerial, fyStartYear, meetsMinimumDigits, minimumHsnDigits,
  mmyyyyFromPeriod, parseAmount, parseDate, periodFromMmyyyy, periodFromMonthName, periodOfDate, rupees,
} from '../../../domain/recon';

describe('amounts in paise', () => {
  it.each([
    ['1,18,000.00', 11800000],
    ['1,23,45,678.90', 1234567890],
    ['12,345,678.90', 1234567890],
    ['₹ 1,000', 100000],
    ['Rs. 1,000.5', 100050],
    ['INR 12', 1200],
    ['-1,000', -100000],
    ['(1,000.00)', -100000],
    ['1,000.00 Cr', -100000],
    ['1,000.00 Dr', 100000],
    ['1000-', -100000],
    ['', 0],
    ['  ', 0],
    ['-', 0],
    ['0.1', 10],
    ['.5', 50],
    ['10.005', 1001],
    ['10.004', 1000],
    ['-0.00', 0],
  ])('%p → %i paise', (text, paise) => {
    expect(parseAmount(text)).toEqual({ ok: true, paise });
  });

  it('reads JSON numbers without float drift', () => {
    expect(parseAmount(1234.56)).toEqual({ ok: true, paise: 123456 });
    expect(parseAmount(0.1 + 0.2)).toEqual({ ok: true, paise: 30 });
    expect(parseAmount(-19.99)).toEqual({ ok: true, paise: -1999 });
    expect(parseAmount(null)).toEqual({ ok: true, paise: 0 });
  });

  it('Cr can be read as positive for party columns', () => {
    expect(parseAmount('500 Cr', { crIsNegative: false })).toEqual({ ok: true, paise: 50000 });
  });

  it.each(['1,2,3', '12,34', '1.234,56', 'abc', '12a', '=1+2', '-2+3', 'Infinity', '1e5'])('refuses %p', (text) => {
    expect(parseAmount(text).ok).toBe(false);
  });

  it('refuses non-finite numbers and objects', () => {
    expect(parseAmount(Number.NaN).ok).toBe(false);
    expect(parseAmount({}).ok).toBe(false);
  });

  it('formats with Indian grouping', () => {
    expect(formatPaise(12345678)).toBe('1,23,456.78');
    expect(formatPaise(-100000)).toBe('-1,000.00');
    expect(formatPaise(5)).toBe('0.05');
    expect(formatPaise(1234567890)).toBe('1,23,45,678.90');
    expect(rupees('1,000.01')).toBe(100001);
    expect(() => rupees('x')).toThrow();
  });
});

describe('dates, day first', () => {
  it.each([
    ['05-06-2024', '2024-06-05'],
    ['05/06/2024', '2024-06-05'],
    ['5.6.2024', '2024-06-05'],
    ['03/04/2024', '2024-04-03'], // 3 April, never 4 March
    ['5-Jun-24', '2024-06-05'],
    ['05-Jun-2024', '2024-06-05'],
    ['5 June 2024', '2024-06-05'],
    ['18-Nov-19', '2019-11-18'],
    ['2024-06-05', '2024-06-05'],
    ['2024-06-05T00:00:00.000Z', '2024-06-05'],
    [' 05-06-2024  ', '2024-06-05'],
    ['29-02-2024', '2024-02-29'],
    ['05-06-24', '2024-06-05'],
    ['45448', '2024-06-05'],
  ])('%p → %s', (text, iso) => {
    const d = parseDate(text);
    expect(d.ok && d.iso).toBe(iso);
  });

  it('reads Excel serials and UTC Dates', () => {
    expect(parseDate(45448)).toMatchObject({ ok: true, iso: '2024-06-05' });
    expect(fromExcelSerial(45448.75)).toMatchObject({ ok: true, iso: '2024-06-05' });
    expect(parseDate(new Date(Date.UTC(2024, 5, 5)))).toMatchObject({ ok: true, iso: '2024-06-05' });
  });

  it('reads serials of a 1904 workbook (numbers and digits as text) from 1904: 1,462 smaller for the same day', () => {
    expect([parseDate(43986, '1904'), parseDate('43986', '1904'), fromExcelSerial(43986.5, '1904')].map((d) => d.ok && d.iso))
      .toEqual(['2024-06-05', '2024-06-05', '2024-06-05']);
    // The window is the same calendar window: 1 April 2017 is 41364 there, 42826 in the 1900 system.
    expect([fromExcelSerial(41364, '1904').ok, fromExcelSerial(41363, '1904').ok, fromExcelSerial(42825).ok]).toEqual([true, false, false]);
    // A Date cell is a calendar date already, and text dates have no system.
    expect([parseDate(new Date(Date.UTC(2024, 5, 5)), '1904'), parseDate('05-06-2024', '1904')].map((d) => d.ok && d.iso)).toEqual(['2024-06-05', '2024-06-05']);
  });

  it.each(['31-02-2024', '29-02-2023', '00-01-2024', '05-13-2024', '32/01/2024', '05-Foo-2024', 'tomorrow', '', '12345'])('refuses %p', (text) => {
    expect(parseDate(text).ok).toBe(false);
  });

  it('refuses implausible serials and non-dates', () => {
    expect(parseDate(12).ok).toBe(false);
    expect(parseDate(new Date(Number.NaN)).ok).toBe(false);
    expect(parseDate(undefined).ok).toBe(false);
  });

  it('day numbers make gaps exact across months', () => {
    const a = parseDate('25-02-2024');
    const b = parseDate('06-03-2024');
    expect(a.ok && b.ok && b.day - a.day).toBe(10);
  });
});

describe('financial years and periods', () => {
  it('FY runs April to March', () => {
    expect(fiscalYearOf('2024-06-05')).toBe('2024-25');
    expect(fiscalYearOf('2025-03-31')).toBe('2024-25');
    expect(fiscalYearOf('2025-04-01')).toBe('2025-26');
    expect(fiscalYearOf('2099-12-01')).toBe('2099-00');
    expect(fyStartYear('2024-01-15')).toBe(2023);
  });

  it('converts periods both ways', () => {
    expect(periodFromMmyyyy('032020')).toBe('2020-03');
    expect(periodFromMmyyyy('132020')).toBeNull();
    expect(periodFromMmyyyy('32020')).toBeNull();
    expect(mmyyyyFromPeriod('2020-03')).toBe('032020');
    expect(() => mmyyyyFromPeriod('2020-3')).toThrow();
    expect(periodFromMonthName("May'25")).toBe('2025-05');
    expect(periodFromMonthName('Nov-19')).toBe('2019-11');
    expect(periodFromMonthName('Foo-19')).toBeNull();
    expect(periodOfDate('2024-06-05')).toBe('2024-06');
  });
});

describe('HSN / SAC (docs/reconciliation.md, "GSTIN, state codes and HSN")', () => {
  it.each([['8471', 'goods'], ['847130', 'goods'], ['84713010', 'goods'], ['8471.30.10', 'goods'], ['9983', 'services'], ['998314', 'services']])(
    'accepts %s as %s', (code, kind) => {
      const r = checkHsn(code);
      expect(r.ok && r.kind).toBe(kind);
    },
  );

  it('accepts a 2-digit chapter with a warning', () => {
    expect(checkHsn('84')).toMatchObject({ ok: true, warning: expect.any(String) });
  });

  it.each(['', '84A1', '847', '84713', '99831', '99831400', '0012', '847130101'])('refuses %p', (code) => {
    expect(checkHsn(code).ok).toBe(false);
  });

  it('minimum digits follow turnover and exports, and codes are never shortened to fit', () => {
    expect(minimumHsnDigits(4_00_00_000 * 100)).toBe(4);
    expect(minimumHsnDigits(5_00_00_000 * 100)).toBe(4);
    expect(minimumHsnDigits(5_00_00_001 * 100)).toBe(6);
    expect(minimumHsnDigits(0, true)).toBe(8);
    expect(meetsMinimumDigits('8471', 6)).toBe(false);
    expect(meetsMinimumDigits('84713010', 6)).toBe(true);
  });
});
