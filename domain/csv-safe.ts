/** Neutralises cells a spreadsheet would run as a formula (CSV injection): `= + - @`, tab, CR. */
export function safeCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
