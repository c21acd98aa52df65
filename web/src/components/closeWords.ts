/** Period-close refusals in words a person understands (the API's codes stay the source). */
import { ApiError } from '../http/client';
import { notEndedRefusal } from '../lib/close-window';
import { errorText } from './QueryState';

export function closeRefusal(error: unknown): { title: string; message: string } {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'self_approval_forbidden':
        return { title: 'Someone else must approve this', message: 'You asked for this close yourself. The four-eyes rule needs a second person: another manager or a firm admin approves it.' };
      case 'approval_stale':
        return {
          title: 'The data changed after the request',
          message: "An import or the reconciliation of this period changed since the close was requested, so the request no longer describes the data. The period is open again: check the new figures and request the close again.",
        };
      case 'reconciliation_missing': {
        const missing = (error.details.missing as string[] | undefined) ?? [];
        const words = missing.map((m) => (m === 'purchase_register' ? 'a purchase register' : m === 'gstr2b' ? 'a GSTR-2B' : 'a completed reconciliation of the latest files'));
        return { title: 'Not ready to close', message: `Closing needs ${words.length ? words.join(', ') : 'a completed reconciliation of the latest register and GSTR-2B'} for this period.` };
      }
      case 'period_not_ended':
        return notEndedRefusal(error.details.closableFrom);
      case 'period_closed':
        return { title: 'The period is closed', message: 'Nothing in a closed period can change. A firm admin can reopen it with a reason.' };
      case 'close_request_abandoned':
        return { title: 'This close request was abandoned', message: 'Its workflow ended without a decision, so nothing was decided and the period is open again. Request the close again.' };
      case 'close_request_not_pending':
        return { title: 'Already decided', message: `${error.message} Reload to see the decision.` };
    }
  }
  return { title: 'That did not work', message: errorText(error) };
}
