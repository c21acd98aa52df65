/**
 * The security events of the audit trail (sign-ins, devices, passwords, people, invitations, access
 * refusals) in words, as the console's dashboard lists them: "Signed in", never `auth.login`. The
 * actions are the ones the api records (setAuditAction) and the audit trigger's own
 * `<entity>.<create|update|delete>`; one this list does not know reads as its words.
 */
const SECURITY_EVENT_LABEL: Readonly<Record<string, string>> = {
  'auth.login': 'Signed in',
  'auth.login_failed': 'Sign-in failed',
  'auth.login_refused': 'Sign-in refused',
  'auth.login_throttled': 'Sign-ins paused after repeated failures',
  'auth.logout': 'Signed out',
  'auth.new_ip': 'Signed in from a new address',
  'auth.password_changed': 'Password changed',
  'auth.password_change_failed': 'Password change failed',
  'auth.password_reset': 'Password reset through an emailed link',
  'auth.reauth': 'Confirmed their password',
  'auth.reauth_failed': 'Password confirmation failed',
  'auth.session_replaced': 'Device signed out to sign in on another',
  'auth.session_revoked': 'Device signed out',
  'auth.totp_setup': 'Two-factor setup started',
  'auth.totp_enabled': 'Two-factor authentication turned on',
  'auth.totp_disabled': 'Two-factor authentication turned off',
  'auth.totp_disable_failed': 'Turning off two-factor authentication failed',
  'user.create': 'Person added',
  'user.update': 'Person changed',
  'user.create_refused': 'Adding a person refused',
  'user.role_changed': 'Role changed',
  'user.deactivated': 'Person deactivated',
  'user.unlocked': 'Sign-in lockout cleared',
  'invitation.created': 'Invitation sent',
  'invitation.link_sent': 'Invitation email sent',
  'invitation.resent': 'Invitation sent again',
  'invitation.revoked': 'Invitation revoked',
  'invitation.accepted': 'Invitation accepted',
  'password_reset.requested': 'Password reset asked for',
  'password_reset.link_sent': 'Password reset email sent',
  'password_reset.superseded': 'Password reset link replaced by a newer one',
  'password_reset.used': 'Password reset link used',
  'access.denied': 'Access refused',
  'access.reauth_required': 'Asked to confirm their password',
};

/** "auth.login" → "Signed in"; an action not listed → its words ("user.delete" → "User delete"). */
export function securityEventLabel(action: string): string {
  const known = SECURITY_EVENT_LABEL[action];
  if (known) return known;
  const words = action.replace(/[._]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : action;
}

/**
 * Who an audit event names when no person of the firm acted (actor id null): the jobs write
 * `system:<job>`, the emailed links their own name. "system:account-email" → "System (account
 * email)", "password-reset-link" → "Password reset link"; anything else (an address) as it is.
 */
export function auditActorLabel(actor: string): string {
  const job = /^system:(.+)$/.exec(actor)?.[1];
  if (job) return `System (${job.replace(/[-_.:]+/g, ' ').trim()})`;
  if (/^[a-z]+(?:-[a-z]+)+$/.test(actor)) {
    const words = actor.replace(/-/g, ' ');
    return words[0]!.toUpperCase() + words.slice(1);
  }
  return actor;
}
