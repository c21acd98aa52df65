/**
 * The account emails' contract (docs/accounts.md): an invitation, a password-reset link, the notice
 * that a password was reset, and the notice of a sign-in lockout. Pure: the api, the workflow and
 * the activity share it.
 *
 * The input carries ids only. A link's token is drawn inside the activity, stored there as a hash
 * and written only into the email, so it never reaches a workflow payload, a history or a log.
 */

export const ACCOUNT_EMAIL_WORKFLOW = 'accountEmailWorkflow';

export type AccountEmailKind = 'invitation' | 'password_reset' | 'password_changed' | 'lockout';

export type AccountEmailInput = {
  firmId: string;
  kind: AccountEmailKind;
  /** The invitation's id (invitation), the reset request's (password_reset, password_changed) or the user's (lockout). */
  subjectId: string;
  /** What makes this email one of its kind: the invitation's send number, or the lockout's instant. */
  key: string;
};

export type AccountEmailResult = { status: 'sent' | 'failed' | 'skipped' };

/** One workflow per email: a retried start reaches the same execution. */
export function accountEmailWorkflowId(input: AccountEmailInput): string {
  return `account-email:${input.firmId}:${input.kind}:${input.subjectId}:${input.key}`;
}

/** The outbox slot of an account email (unique per firm): at most one SMTP call per slot. */
export function accountEmailSlotKey(input: Pick<AccountEmailInput, 'kind' | 'subjectId' | 'key'>): string {
  return `account:${input.kind}:${input.subjectId}:${input.key}`;
}
