/**
 * The console's times in the browser: DD-MM-YYYY HH:mm IST (Asia/Kolkata, labelled), whatever the
 * browser's own zone, as the web app (web/src/lib/format.ts) and the console's server-written pages
 * (db/console-labels.ts `consoleTime`) write them; tests/unit/console-labels.test.ts holds the two
 * equal. The console's components are a bundle of their own (AdminJS builds it), so the same rule
 * through Intl here. '' for no time or one that is none.
 */
const IST_PARTS = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

export function istTime(value) {
  const date = value ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) return '';
  const p = Object.fromEntries(IST_PARTS.formatToParts(date).map((part) => [part.type, part.value]));
  return `${p.day}-${p.month}-${p.year} ${p.hour}:${p.minute} IST`;
}
