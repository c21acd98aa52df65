/** Notice test helpers: today's Indian date, unique portal references, and polling for a state. */
import { randomBytes } from 'node:crypto';
import { istDate, plusDays } from '../../../domain/calendar';

export const today = () => istDate(new Date());
export const daysFromToday = (n: number) => plusDays(today(), n);
export const reference = (prefix = 'ZD') => `${prefix}${randomBytes(6).toString('hex').toUpperCase()}`;

/** A day of a notice's plan lasts half a second in these tests. */
export const TEST_TIME_SCALE = 0.5 / 86_400;

export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
