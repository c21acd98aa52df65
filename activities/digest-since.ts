/**
 * Where a person's daily follow-up digest starts its "Newly assigned to you" (docs/follow-ups.md,
 * "Daily digest"): at their previous digest, so a follow-up given to them between two digests is
 * listed once, in the next one, whatever the hour it came (a fixed "since yesterday's midnight" listed
 * one made before the morning's digest in that digest and again the day after). A digest that failed
 * never reached them, so the one before it counts; someone who never had one starts at the previous
 * day's midnight (IST).
 */
import type { Knex } from 'knex';
import { dayOf, instantOf, IST_CLOCK } from '../domain/follow-ups';

/** The outbox slot of a person's digest for a date: one email per person and date. */
export function digestSlot(date: string, userId: string): string {
  return `digest:${date}:${userId}`;
}

/** The instant (ms) from which a follow-up given to the person counts as newly assigned in the digest of `date`. */
export async function digestSince(trx: Knex.Transaction, userId: string, date: string): Promise<number> {
  // Slots of one person differ only in their date (YYYY-MM-DD), so the earlier dates sort before this one's.
  const previous = (await trx('outbox')
    .where('slot_key', 'like', `digest:%:${userId}`)
    .where('slot_key', '<', digestSlot(date, userId))
    .whereNot('status', 'failed')
    .orderBy('slot_key', 'desc')
    .first('created_at')) as { created_at: Date } | undefined;
  return previous ? previous.created_at.getTime() : instantOf(IST_CLOCK, dayOf(date) - 1, 0);
}
