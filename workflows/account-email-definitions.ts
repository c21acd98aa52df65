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
  /**
   * Who sent a password-reset link, when a firm admin did (their user id; absent for "forgot
   * password"): the email names them. Not part of the workflow id or slot: one email per reset.
   */
  requestedBy?: string;
};

export type AccountEmailResult = { status: 'sent' | 'failed' | 'skipped' };

/**
 * Attempts of the sending activity: a passing SMTP failure (no connection, a timeout, a 4xx reply)
 * is retried until the last, which records the email failed for good, as a 5xx reply does at once.
 */
export const ACCOUNT_EMAIL_ATTEMPTS = 5;

/** How a failed outbox row that waits for the next attempt begins its error (the api shows it as `retrying`). */
export const ACCOUNT_EMAIL_WILL_RETRY = 'will retry: ';

/** An account email's delivery as the api shows it (docs/api.md, invitations' `delivery`). */
export function accountEmailDelivery(row: { status: string; error: string | null } | undefined): { status: string; error: string | null } | null {
  if (!row) return null;
  if (row.status === 'failed' && (row.error ?? '').startsWith(ACCOUNT_EMAIL_WILL_RETRY)) return { status: 'retrying', error: (row.error ?? '').slice(ACCOUNT_EMAIL_WILL_RETRY.length) };
  return { status: row.status, error: row.error };
}

/** One workflow per email: a retried start reaches the same execution. */
export function accountEmailWorkflowId(input: AccountEmailInput): string {
  return `account-email:${input.firmId}:${input.kind}:${input.subjectId}:${input.key}`;
}

/** The outbox slot of an account email (unique per firm): at most one SMTP call per slot. */
export function accountEmailSlotKey(input: Pick<AccountEmailInput, 'kind' | 'subjectId' | 'key'>): string {
  return `account:${input.kind}:${input.subjectId}:${input.key}`;
}
