/** The pure account rules (domain/accounts.ts): who invites whom, the attempts-left hint, link lifetimes, the emails. */
import { attemptsLeftHint, invitationExpiry, mayInvite, renderInvitation, renderLockout, renderPasswordChanged, renderPasswordReset, resetExpiry } from '../../../domain/accounts';

describe('account rules', () => {
  it('lets a firm admin invite any role, a manager staff, reviewers and portal users, nobody else anyone', () => {
    const roles = ['firm_admin', 'manager', 'reviewer', 'staff', 'client'];
    const matrix = Object.fromEntries(roles.map((inviter) => [inviter, roles.filter((role) => mayInvite(inviter, role))]));
    expect(matrix).toEqual({ firm_admin: roles, manager: ['reviewer', 'staff', 'client'], reviewer: [], staff: [], client: [] });
  });

  it('names the attempts left only once two or fewer remain, never below zero', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((failures) => attemptsLeftHint(failures, 5))).toEqual([undefined, undefined, 2, 1, 0, 0, 0]);
  });

  it('gives invitations 72 hours and resets 30 minutes from the moment they are sent or asked', () => {
    const at = new Date('2026-12-05T10:00:00Z');
    expect(invitationExpiry(at).toISOString()).toBe('2026-12-08T10:00:00.000Z');
    expect(resetExpiry(at).toISOString()).toBe('2026-12-05T10:30:00.000Z');
  });

  it('writes the link into text and HTML, escaping what people typed', () => {
    const mail = renderInvitation({ firmName: 'Iyer & Co', inviteeName: '<b>Priya</b>', inviterName: 'Anil', role: 'staff', link: 'https://t.example/invite/abc', expiresAt: new Date('2026-12-08T10:00:00Z') });
    expect(mail.subject).toBe('Iyer & Co invites you to Taalmel');
    expect(mail.text).toContain('https://t.example/invite/abc');
    expect(mail.html).toContain('&lt;b&gt;Priya&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>Priya</b>');
    expect(renderPasswordReset({ name: 'P', link: 'https://t.example/reset/xyz', expiresAt: new Date() }).html).toContain('href="https://t.example/reset/xyz"');
  });

  it('names the firm admin who sent a reset link, and keeps "someone (we hope you)" for forgot password', () => {
    const base = { name: 'Priya', link: 'https://t.example/reset/xyz', expiresAt: new Date('2026-12-06T18:29:07.112Z') };
    const sent = renderPasswordReset({ ...base, sentBy: { adminName: 'Anil Iyer', firmName: 'Iyer & Co' } });
    const asked = renderPasswordReset(base);
    expect({ sent: sent.text.split('\n\n')[1], asked: asked.text.split('\n\n')[1] }).toEqual({
      sent: 'Anil Iyer, your firm administrator at Iyer & Co, asked for a link to reset your Taalmel password.',
      asked: 'Someone (we hope you) asked to reset your Taalmel password.',
    });
    expect(sent.html).toContain('Iyer &amp; Co');
  });

  it('writes the times people read in IST, never as a UTC timestamp', () => {
    const invitation = renderInvitation({ firmName: 'Iyer & Co', inviteeName: 'Priya', inviterName: 'Anil', role: 'staff', link: 'https://t.example/invite/abc', expiresAt: new Date('2026-12-09T07:58:21.570Z') });
    const reset = renderPasswordReset({ name: 'P', link: 'https://t.example/reset/xyz', expiresAt: new Date('2026-12-06T18:29:07.112Z') });
    const changed = renderPasswordChanged({ name: 'P', at: new Date('2026-12-06T08:29:07.112Z'), signInUrl: 'https://t.example/sign-in' });
    const lockout = renderLockout({ name: 'P', at: new Date('2026-12-06T08:29:07.112Z'), resetUrl: 'https://t.example/forgot' });
    expect(invitation.text).toContain('works once and until 09-12-2026 13:28 IST;');
    expect(reset.text).toContain('works once and until 06-12-2026 23:59 IST.');
    expect(changed.text).toContain('was reset at 06-12-2026 13:59 IST,');
    expect(lockout.text).toContain('the latest at 06-12-2026 13:59 IST.');
    for (const mail of [invitation, reset, changed, lockout]) expect({ subject: mail.subject, utc: /\d{4}-\d{2}-\d{2}T/.test(mail.text + mail.html) }).toEqual({ subject: mail.subject, utc: false });
  });

});
