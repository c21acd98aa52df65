import { ENTITY_TYPE_LABEL, entityTypeLabel } from './audit-entities';

/**
 * The audit actions that are security events (sign-ins, devices, passwords, people, invitations,
 * access refusals), by their prefix: the console's dashboard lists the audit events whose action
 * starts with one of these and a dot.
 */
export const SECURITY_EVENT_PREFIXES = ['auth', 'user', 'invitation', 'password_reset', 'access'] as const;

/**
 * The security events in words, as the console's dashboard lists them: "Signed in", never
 * `auth.login`. The actions are the ones the api and activities record (setAuditAction,
 * recordAuditEvent, a refusal's withAudit) and the audit trigger's own `<entity>.<create|update|delete>`
 * for the security entities (users, invitations, password resets: a write made without an action
 * of its own, such as an erasure's deletes). tests/unit/security-event-labels.test.ts holds every
 * such action written in the code to this list.
 */
export const SECURITY_EVENT_LABEL: Readonly<Record<string, string>> = {
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
  'user.delete': 'Person removed',
  'user.email_normalised': "Person's email written in lower case",
  'user.create_refused': 'Adding a person refused',
  'user.role_changed': 'Role changed',
  'user.deactivated': 'Person deactivated',
  'user.unlocked': 'Sign-in lockout cleared',
  'invitation.created': 'Invitation sent',
  'invitation.link_sent': 'Invitation email sent',
  'invitation.resent': 'Invitation sent again',
  'invitation.revoked': 'Invitation revoked',
  'invitation.accepted': 'Invitation accepted',
  'invitation.create': 'Invitation recorded',
  'invitation.update': 'Invitation changed',
  'invitation.delete': 'Invitation removed',
  'invitation.email_normalised': "Invitation's email written in lower case",
  'password_reset.requested': 'Password reset asked for',
  'password_reset.link_sent': 'Password reset email sent',
  'password_reset.superseded': 'Password reset link replaced by a newer one',
  'password_reset.used': 'Password reset link used',
  'password_reset.create': 'Password reset recorded',
  'password_reset.update': 'Password reset changed',
  'password_reset.delete': 'Password reset removed',
  'access.denied': 'Access refused',
  'access.reauth_required': 'Asked to confirm their password',
};

/** Whether `action` is a security event this list names (an unknown one would read as its code's words). */
export function isKnownSecurityEvent(action: string): boolean {
  return Object.hasOwn(SECURITY_EVENT_LABEL, action);
}

/** The audit trigger's own verbs, as the security entities' labels say them. */
export const TRIGGER_VERB: Readonly<Record<string, string>> = { create: 'recorded', update: 'changed', delete: 'removed' };

/**
 * "auth.login" → "Signed in". Any other action reads as its kind of record in the product's words
 * and then its verb: "follow_up.created" → "Follow-up created", "client_erasure.update" → "Client
 * erasure changed" (the kinds' words: domain/audit-entities.ts); a security event no one named yet
 * ("user.merge" → "Person merge") rather than nothing, which the unit test keeps from happening.
 */
export function securityEventLabel(action: string): string {
  const known = isKnownSecurityEvent(action) ? SECURITY_EVENT_LABEL[action] : undefined;
  if (known) return known;
  const dot = action.indexOf('.');
  if (dot < 0) return entityTypeLabel(action);
  const verb = action.slice(dot + 1);
  const verbWords = TRIGGER_VERB[verb] ?? verb.replace(/[._]+/g, ' ').trim();
  return [entityTypeLabel(action.slice(0, dot)), verbWords].filter(Boolean).join(' ');
}

/**
 * A job's name in words, a kind of record spelled as the product spells it: "follow-up" stays
 * "follow-up", "account-email" reads "account email".
 */
function jobWords(job: string): string {
  return job
    .split(/[:.]+/)
    .map((part) => {
      const kind = part.replace(/-/g, '_');
      return Object.hasOwn(ENTITY_TYPE_LABEL, kind) ? ENTITY_TYPE_LABEL[kind]!.toLowerCase() : part.replace(/[-_]+/g, ' ');
    })
    .join(' ')
    .trim();
}

/**
 * Who an audit event names when no person of the firm acted (actor id null): the jobs write
 * `system:<job>`, the emailed links their own name. "system:account-email" → "System (account
 * email)", "password-reset-link" → "Password reset link"; anything else (an address) as it is.
 */
export function auditActorLabel(actor: string): string {
  const job = /^system:(.+)$/.exec(actor)?.[1];
  if (job) return `System (${jobWords(job)})`;
  if (/^[a-z]+(?:-[a-z]+)+$/.test(actor)) {
    const words = actor.replace(/-/g, ' ');
    return words[0]!.toUpperCase() + words.slice(1);
  }
  return actor;
}
