/** The invitations list follows an email's delivery while it can still change, and stops after. */
import { DELIVERY_FOLLOW_MS, DELIVERY_POLL_MS, deliveryPollInterval } from '../../../web/src/lib/delivery-poll';

const now = Date.parse('2026-12-06T12:00:00Z');
const at = (msAgo: number) => new Date(now - msAgo).toISOString();

describe('following invitation emails', () => {
  it('polls while a recent send is queued, sending or retrying', () => {
    for (const delivery of [null, { status: 'sending' }, { status: 'retrying' }]) {
      expect(deliveryPollInterval([{ lastSentAt: at(60_000), delivery }], now)).toBe(DELIVERY_POLL_MS);
    }
  });

  it('does not poll once every email has settled', () => {
    const items = ['sent', 'failed', 'skipped'].map((status) => ({ lastSentAt: at(1000), delivery: { status } }));
    expect(deliveryPollInterval(items, now)).toBe(false);
    expect(deliveryPollInterval([], now)).toBe(false);
    expect(deliveryPollInterval(undefined, now)).toBe(false);
  });

  it('stops following an email that never settles (a stopped worker, an invitation from before deliveries were recorded)', () => {
    expect(deliveryPollInterval([{ lastSentAt: at(DELIVERY_FOLLOW_MS + 1), delivery: null }], now)).toBe(false);
    expect(deliveryPollInterval([{ lastSentAt: null, createdAt: at(DELIVERY_FOLLOW_MS * 10), delivery: { status: 'sending' } }], now)).toBe(false);
    expect(deliveryPollInterval([{ lastSentAt: null, createdAt: at(1000), delivery: null }], now)).toBe(DELIVERY_POLL_MS);
  });
});
