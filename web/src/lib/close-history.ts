/**
 * The line under a close request in a period's history: who ended it, when, and how. An approval
 * refused because the period's data changed since the request (status `stale`, 409 `approval_stale`
 * from the API) reads as refused, never as a decision that was taken: nothing was approved.
 * Pure, so the unit tests run it in Node.
 */
import type { CloseRequest } from '../http/types';
import { formatDateTime } from './format';

const VERB: Record<CloseRequest['status'], string> = {
  pending: 'Decided',
  approved: 'Approved',
  rejected: 'Rejected',
  withdrawn: 'Withdrawn',
  expired: 'Expired',
  stale: 'Decided',
  abandoned: 'Abandoned',
};

/** Null while nobody has acted on the request. `portal`: a client's view, without the firm's people and notes. */
export function decisionLine(request: Pick<CloseRequest, 'status' | 'decision'>, portal: boolean): string | null {
  const d = request.decision;
  if (!d) return null;
  const when = formatDateTime(d.at);
  if (request.status === 'stale') {
    const who = portal || !d.by ? 'An approval' : `Approval by ${d.by.email}`;
    return `${who} on ${when} was refused as outdated: the period's imports or reconciliation changed after the request, so nothing was closed.`;
  }
  if (request.status === 'abandoned') {
    // Nobody decided it: its workflow ended (docs/period-close.md, "A request whose workflow ended").
    return `Abandoned on ${when}: its workflow ended without a decision, so nothing was decided.`;
  }
  const by = portal || !d.by ? '' : ` by ${d.by.email}`;
  const note = !portal && d.note ? `: “${d.note}”` : '';
  return `${VERB[request.status]}${by} on ${when}${note}${d.selfApproved ? ' (self-approved)' : ''}`;
}
