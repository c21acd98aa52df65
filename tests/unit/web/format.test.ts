/** The web app's formatting helpers: Indian digit grouping, rupees, dd-mm-yyyy dates in IST. */
import { daysUntil, formatBytes, formatCount, formatDate, formatDateTime, formatDaysLeft, formatPeriod, formatRupees, istInstant, previousPeriod, todayInIndia } from '../../../web/src/lib/format';
import { gstinMessage, stateOf } from '../../../web/src/lib/gstin';

describe('web formatting', () => {
  it('groups rupees the Indian way, with paise', () => {
    expect(formatRupees(12345678)).toBe('₹1,23,45,678.00');
    expect(formatRupees(1234.5)).toBe('₹1,234.50');
    expect(formatRupees(0)).toBe('₹0.00');
    expect(formatRupees(-99999.994)).toBe('-₹99,999.99');
    expect(formatRupees(100000)).toBe('₹1,00,000.00');
    expect(formatRupees(null)).toBe('—');
    expect(formatRupees(Number.NaN)).toBe('—');
  });

  it('groups counts the Indian way', () => {
    expect(formatCount(100000)).toBe('1,00,000');
    expect(formatCount(1234567)).toBe('12,34,567');
    expect(formatCount(undefined)).toBe('—');
  });

  it('writes dates as dd-mm-yyyy in IST, whatever the instant\'s offset', () => {
    // 20:00 UTC on 31 March is already 1 April in India.
    expect(formatDate('2024-03-31T20:00:00Z')).toBe('01-04-2024');
    expect(formatDate('2024-03-31T18:29:59Z')).toBe('31-03-2024');
    // A calendar date is that day in India, not shifted by the browser's zone.
    expect(formatDate('2024-06-05')).toBe('05-06-2024');
    expect(formatDateTime('2026-12-04T23:45:00Z')).toBe('05-12-2026 05:15 IST');
    expect(formatDate(null)).toBe('—');
    expect(formatDate('not a date')).toBe('—');
  });

  it('names periods and finds the previous one in IST', () => {
    expect(formatPeriod('2024-06')).toBe('Jun 2024');
    expect(formatPeriod('2024-13')).toBe('2024-13');
    expect(previousPeriod(new Date('2025-01-15T10:00:00Z'))).toBe('2024-12');
    // 31 Oct 20:00 UTC is 1 Nov in India: the previous period is October.
    expect(previousPeriod(new Date('2025-10-31T20:00:00Z'))).toBe('2025-10');
  });

  it('sizes files', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
  });

  it('explains GSTIN problems as the user types and names the state', () => {
    expect(gstinMessage('27AAJCM4455Q1ZP')).toBeNull();
    expect(gstinMessage('27AAJCM4455Q1ZQ')).toMatch(/check character/);
    expect(gstinMessage('27AAJCM4455')).toMatch(/15 characters/);
    expect(gstinMessage('00AAJCM4455Q1ZP')).toMatch(/state code/);
    expect(stateOf('29ABCDE1234F1ZW')).toBe('Karnataka');
    expect(stateOf('??')).toBeNull();
  });
  it('counts days to a due date from today in India, whatever the browser zone', () => {
    // 20:00 UTC on 4 Dec is already 5 Dec in India.
    const now = new Date('2026-12-04T20:00:00Z');
    expect(todayInIndia(now)).toBe('2026-12-05');
    expect(daysUntil('2026-12-05', now)).toBe(0);
    expect(daysUntil('2026-12-12', now)).toBe(7);
    expect(daysUntil('2026-12-03', now)).toBe(-2);
    expect(daysUntil('2027-03-01', now)).toBe(86);
    expect([0, 1, -1, 5, -3].map(formatDaysLeft)).toEqual(['today', 'tomorrow', 'yesterday', 'in 5 days', '3 days ago']);
  });

  it('reads a typed date and time as Indian time', () => {
    expect(istInstant('2026-12-20T11:30')).toBe('2026-12-20T11:30:00+05:30');
    expect(new Date(istInstant('2026-12-20T11:30')).toISOString()).toBe('2026-12-20T06:00:00.000Z');
  });
});
