/** Notice test helpers: today's Indian date, unique portal references, the compressed time scale. */
import { randomBytes } from 'node:crypto';
import { istDate, plusDays } from '../../../domain/calendar';

export const today = () => istDate(new Date());
export const daysFromToday = (n: number) => plusDays(today(), n);
export const reference = (prefix = 'ZD') => `${prefix}${randomBytes(6).toString('hex').toUpperCase()}`;

/** A day of a notice's plan lasts half a second in these tests. */
export const TEST_TIME_SCALE = 0.5 / 86_400;
