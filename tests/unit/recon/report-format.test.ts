/**
 * How the exports write amounts, dates and times (domain/recon/report-format.ts): the number
 * format of each magnitude puts the commas where Indian grouping puts them (at the thousand, the
 * lakh and the crore), a negative keeps its minus sign in red, and times are IST.
 */
import { indianCountFormat, indianMoneyFormat, istDateTime, periodName } from '../../../domain/recon/report-format';

describe('indianMoneyFormat', () => {
  const positive = (v: number) => indianMoneyFormat(v).split(';')[0];

  it('groups thousands below a lakh and places literal commas at the lakh and crore above it', () => {
    expect([0, 5, 999.99, 12_345.67, 99_999.99].map(positive)).toEqual(Array(5).fill('#,##0.00'));
    // 99,999.999 shows as 1,00,000.00: the magnitude is that of the rounded amount.
    expect([99_999.999, 100_000, 9_999_999.99].map(positive)).toEqual(Array(3).fill('##\\,##\\,##0.00'));
    expect([10_000_000, 999_999_999.99].map(positive)).toEqual(Array(2).fill('##\\,##\\,##\\,##0.00'));
    expect(positive(1_000_000_000)).toBe('##\\,##\\,##\\,##\\,##0.00');
  });

  it('shows a negative amount with a minus sign, in red, grouped like its positive', () => {
    expect(indianMoneyFormat(-9683.5)).toBe('#,##0.00;[Red]-#,##0.00');
    expect(indianMoneyFormat(-114_888.63)).toBe('##\\,##\\,##0.00;[Red]-##\\,##\\,##0.00');
  });

  it('groups counts of documents the same way, without decimals', () => {
    expect([160, 99_999, 100_000, 12_345_678].map((n) => indianCountFormat(n).split(';')[0])).toEqual(['#,##0', '#,##0', '##\\,##\\,##0', '##\\,##\\,##\\,##0']);
  });
});

describe('times and periods for a reader in India', () => {
  it('writes an instant in IST as dd-mm-yyyy hh:mm, across the date line', () => {
    expect(istDateTime(new Date('2026-12-04T20:00:00Z'))).toBe('05-12-2026 01:30');
    expect(istDateTime(new Date('2024-06-30T18:29:00Z'))).toBe('30-06-2024 23:59');
  });

  it('names a period by its month', () => {
    expect(periodName('2024-06')).toBe('June 2024');
    expect(periodName('2025-03')).toBe('March 2025');
  });
});
