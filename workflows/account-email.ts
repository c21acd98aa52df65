/** One account email (invitation, reset link, password changed, lockout), retried until SMTP answers. */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ACCOUNT_EMAIL_ATTEMPTS, type AccountEmailInput, type AccountEmailResult } from './account-email-definitions';

const { sendAccountEmail } = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: ACCOUNT_EMAIL_ATTEMPTS, initialInterval: '10 seconds' } });

export async function accountEmailWorkflow(input: AccountEmailInput): Promise<AccountEmailResult> {
  return sendAccountEmail(input);
}
