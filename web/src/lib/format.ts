/**
 * How the app writes numbers, money and dates for an Indian CA firm: lakh/crore grouping
 * (₹1,23,45,678.00), dates as dd-mm-yyyy and times in IST whatever the browser's own zone is.
 * Pure functions: the unit tests run them in Node.
 */
const IST = 'Asia/Kolkata';

const rupeeFormat = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const countFormat = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 0 });

/** ₹1,23,45,678.00; a dash for a missing amount (never "₹NaN"). */
export function formatRupees(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  // Intl writes "-₹5.00"; accountants read a minus sign in front as well, so keep it. Less than half a
  // paisa either way (a difference of -0.001, or -0) is ₹0.00, never "-₹0.00".
  return rupeeFormat.format(Math.abs(value) < 0.005 ? 0 : value);
}

/** 1,23,456 */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return countFormat.format(value);
}

function istParts(date: Date): Record<string, string> {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: IST,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

function toDate(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  // A calendar date without a time (YYYY-MM-DD) is that day in India, not UTC midnight.
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (plain) return new Date(`${value}T00:00:00+05:30`);
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

/** 04-12-2026 (the IST calendar day of an instant). */
export function formatDate(value: string | Date | null | undefined): string {
  const date = toDate(value);
  if (!date) return '—';
  const p = istParts(date);
  return `${p.day}-${p.month}-${p.year}`;
}

/** 04-12-2026 18:05 IST */
export function formatDateTime(value: string | Date | null | undefined): string {
  const date = toDate(value);
  if (!date) return '—';
  const p = istParts(date);
  return `${p.day}-${p.month}-${p.year} ${p.hour}:${p.minute} IST`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2024-06" → "Jun 2024"; anything else as it came. */
export function formatPeriod(period: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (!m) return period;
  const month = MONTHS[Number(m[2]) - 1];
  return month ? `${month} ${m[1]}` : period;
}

/**
 * A period as the server names it for its client (`periodLabel`: a quarterly filer's quarter by its
 * quarter, "Q1 FY 2024-25 (Apr–Jun 2024)"); the month itself only when a row carries no label.
 */
export function periodText(row: { period: string; periodLabel?: string | null }): string {
  return row.periodLabel || formatPeriod(row.period);
}

/** The period a preparer most often works on: last month, in IST. */
export function previousPeriod(now: Date = new Date()): string {
  const p = istParts(now);
  let year = Number(p.year);
  let month = Number(p.month) - 1;
  if (month === 0) {
    month = 12;
    year -= 1;
  }
  return `${year}-${String(month).padStart(2, '0')}`;
}

/** 12.3 MB */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Today's date in India, YYYY-MM-DD. */
export function todayInIndia(now: Date = new Date()): string {
  const p = istParts(now);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Whole days from today (in India) to a YYYY-MM-DD date: 0 today, negative once it has passed. */
export function daysUntil(date: string, now: Date = new Date()): number {
  const day = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
  return Math.round((day(date) - day(todayInIndia(now))) / 86_400_000);
}

/** "in 3 days", "today", "2 days ago": how near a due date is, for urgency columns. */
export function formatDaysLeft(days: number): string {
  if (days === 0) return 'today';
  if (days === 1) return 'tomorrow';
  if (days === -1) return 'yesterday';
  return days > 0 ? `in ${days} days` : `${-days} days ago`;
}

/** A `datetime-local` value (a wall-clock time the person typed, meant in India) as an instant with +05:30. */
export function istInstant(local: string): string {
  return `${local.length === 16 ? `${local}:00` : local}+05:30`;
}
