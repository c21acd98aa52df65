/**
 * The rules of accounts a firm runs by itself (docs/accounts.md), with no I/O: how long an
 * invitation or a reset link lives, who may invite whom, when a refused sign-in tells how many
 * attempts are left, and the emails' words (plain text and HTML from one source; times in IST as
 * people read them).
 */
import { escapeHtml, type RenderedEmail } from './follow-ups/messages';
import { istDateTime } from './recon/report-format';

/** An invitation's link lives 72 hours from its latest send. */
export const INVITATION_TTL_MS = 72 * 3_600_000;
/** A password-reset link lives 30 minutes. */
export const RESET_TTL_MS = 30 * 60_000;
/** A refused sign-in names the attempts left once this many or fewer remain. */
export const ATTEMPTS_HINT_FROM = 2;

export function invitationExpiry(sentAt: Date): Date {
  return new Date(sentAt.getTime() + INVITATION_TTL_MS);
}

export function resetExpiry(requestedAt: Date): Date {
  return new Date(requestedAt.getTime() + RESET_TTL_MS);
}

// Who may invite whom lives in its own import-free module, which the web app shares.
export { mayInvite } from './invitation-rule';

/** The attempts left before the account lockout, when low enough to say so (else undefined). */
export function attemptsLeftHint(failures: number, maxFailures: number): number | undefined {
  const left = Math.max(0, maxFailures - failures);
  return left <= ATTEMPTS_HINT_FROM ? left : undefined;
}

const ROLE_NAMES: Record<string, string> = { firm_admin: 'firm admin', manager: 'manager', reviewer: 'reviewer', staff: 'staff member', client: 'client (portal) user' };

function email(subject: string, paragraphs: string[], link?: { url: string; label: string }): RenderedEmail {
  const text = [...paragraphs, ...(link ? ['', `${link.label}: ${link.url}`] : []), '', 'Taalmel'].join('\n\n').replace(/\n{3,}/g, '\n\n');
  const html = [...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`), ...(link ? [`<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>`] : [])].join('\n');
  return { subject, text, html };
}

export function renderInvitation(input: { firmName: string; inviteeName: string; inviterName: string; role: string; link: string; expiresAt: Date }): RenderedEmail {
  return email(
    `${input.firmName} invites you to Taalmel`,
    [
      `${input.inviteeName},`,
      `${input.inviterName} of ${input.firmName} invites you to Taalmel as a ${ROLE_NAMES[input.role] ?? input.role}.`,
      `Choose your password through the link below. It works once and until ${istDateTime(input.expiresAt)} IST; if it has expired, ask ${input.inviterName} to send a new one.`,
    ],
    { url: input.link, label: 'Accept the invitation' },
  );
}

/**
 * The reset link's email. Who asked decides its first words: a firm admin who sent it is named as
 * the invitation names its inviter (their name and the firm's, nothing else of their account); for
 * "forgot password" nobody is known (an address typed proves nothing), so "someone (we hope you)".
 */
export function renderPasswordReset(input: { name: string; link: string; expiresAt: Date; sentBy?: { adminName: string; firmName: string } }): RenderedEmail {
  const asked = input.sentBy
    ? `${input.sentBy.adminName}, your firm administrator at ${input.sentBy.firmName}, asked for a link to reset your Taalmel password.`
    : 'Someone (we hope you) asked to reset your Taalmel password.';
  const ifNot = input.sentBy
    ? `If you do not want to change it, ignore this email: your password stays as it is, and you can ask ${input.sentBy.adminName} why it was sent.`
    : 'If you did not ask, ignore this email: your password stays as it is.';
  return email(
    'Reset your Taalmel password',
    [`${input.name},`, asked, `The link below works once and until ${istDateTime(input.expiresAt)} IST. ${ifNot}`],
    { url: input.link, label: 'Choose a new password' },
  );
}

export function renderPasswordChanged(input: { name: string; at: Date; signInUrl: string }): RenderedEmail {
  return email(
    'Your Taalmel password was changed',
    [
      `${input.name},`,
      `Your Taalmel password was reset at ${istDateTime(input.at)} IST, and every device signed in to your account was signed out.`,
      'If this was not you, tell your firm admin at once.',
    ],
    { url: input.signInUrl, label: 'Sign in' },
  );
}

export function renderLockout(input: { name: string; at: Date; resetUrl: string }): RenderedEmail {
  return email(
    'Sign-ins to your Taalmel account are paused',
    [
      `${input.name},`,
      `There were repeated failed sign-ins to your account, the latest at ${istDateTime(input.at)} IST. Sign-ins from new devices are paused for a while; devices you signed in with before, and devices signed in now, are not affected.`,
      'If this was you, wait a little, reset your password, or ask your firm admin to unlock your account. If it was not, reset your password.',
    ],
    { url: input.resetUrl, label: 'Reset your password' },
  );
}
