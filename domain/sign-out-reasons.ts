/**
 * Why a session was ended, in words, for each `sessions.revoked_reason` the product writes
 * (api/auth, the console, firm deletion, a restore from backup): the console shows these words,
 * never the code. A reason added where sessions are revoked gets its words here.
 */
export const SIGN_OUT_REASON_LABEL = {
  logout: 'Signed out on this device',
  signed_out_remotely: 'Signed out from another device of theirs',
  revoked_by_admin: 'Signed out by a firm admin',
  credential_failures: 'Too many wrong passwords or codes',
  replaced_at_sign_in: 'Replaced by a newer sign-in',
  password_changed: 'Password changed',
  password_reset: 'Password reset',
  user_deactivated: 'Person deactivated',
  firm_deletion: 'Firm deleted',
  restored_from_backup: 'Firm restored from a backup',
} as const satisfies Record<string, string>;

export type SignOutReason = keyof typeof SIGN_OUT_REASON_LABEL;
export const SIGN_OUT_REASONS = Object.keys(SIGN_OUT_REASON_LABEL) as SignOutReason[];
