/**
 * How often the invitations list follows its emails' delivery. An email still on its way changes state
 * on its own (sending, retrying: at most five attempts, some minutes apart), so the list is fetched
 * again every few seconds; but an email that has not settled long after its send (a worker that
 * stopped, an invitation from before deliveries were recorded) will not settle by itself, and a page
 * left open must not ask for it every few seconds for ever.
 */
export const DELIVERY_POLL_MS = 3000;

/** Past this since the latest send, an unsettled email is no longer followed (the attempts take far less). */
export const DELIVERY_FOLLOW_MS = 20 * 60 * 1000;

type Followed = { lastSentAt: string | null; createdAt?: string; delivery: { status: string } | null };

const unsettled = (delivery: Followed['delivery']) => !delivery || delivery.status === 'sending' || delivery.status === 'retrying';

/** The refetch interval: DELIVERY_POLL_MS while a recent send is unsettled, otherwise none. */
export function deliveryPollInterval(items: readonly Followed[] | undefined, now: number): number | false {
  const following = (items ?? []).some((i) => {
    const sent = Date.parse(i.lastSentAt ?? i.createdAt ?? '');
    return unsettled(i.delivery) && Number.isFinite(sent) && now - sent < DELIVERY_FOLLOW_MS;
  });
  return following ? DELIVERY_POLL_MS : false;
}
