/**
 * The admin console names things as the rest of the product does: times in IST with their label on
 * every page (the dashboard and the lists in the browser, the device-limit page on the server: one
 * rule written twice, held equal here), roles as the web app names them (one list, domain/roles.ts),
 * and security events in words, never their codes.
 */
import { istTime } from '../../admin/components/ist-time.js';
import { auditActorLabel, consoleTime, ENTITY_TYPE_LABEL, ROLES, roleLabel, securityEventLabel, SIGN_OUT_REASON_LABEL } from '../../db/console-labels';
import { ROLE_LABEL as WEB_ROLE_LABEL } from '../../web/src/lib/roles';

describe("the console's words", () => {
  it('writes a time in IST with its label, in the browser as on the server', () => {
    const instants = ['2026-12-07T13:52:00Z', '2026-03-31T18:30:00.000Z', '2026-01-01T00:00:59Z', new Date('2024-02-29T23:45:00Z')];
    const written = instants.map((at) => ({ browser: istTime(at), server: consoleTime(at) }));
    expect(written).toEqual([
      { browser: '07-12-2026 19:22 IST', server: '07-12-2026 19:22 IST' },
      { browser: '01-04-2026 00:00 IST', server: '01-04-2026 00:00 IST' },
      { browser: '01-01-2026 05:30 IST', server: '01-01-2026 05:30 IST' },
      { browser: '01-03-2024 05:15 IST', server: '01-03-2024 05:15 IST' },
    ]);
    expect([istTime(null), consoleTime(null), istTime('soon'), consoleTime('soon')]).toEqual(['', '', '', '']);
  });

  it('names roles as the web app does, from one list', () => {
    expect(ROLES.map(roleLabel)).toEqual(['Firm admin', 'Manager', 'Reviewer', 'Staff', 'Client']);
    expect(Object.fromEntries(ROLES.map((r) => [r, roleLabel(r)]))).toEqual(WEB_ROLE_LABEL);
  });

  it('says security events in words, never their codes', () => {
    const actions = ['auth.login', 'auth.session_revoked', 'invitation.created', 'password_reset.requested', 'user.role_changed', 'access.denied', 'user.merge'];
    const labels = actions.map(securityEventLabel);
    expect(labels).toEqual(['Signed in', 'Device signed out', 'Invitation sent', 'Password reset asked for', 'Role changed', 'Access refused', 'Person merge']);
    for (const label of labels) expect(label).not.toMatch(/[._]/);
  });

  it('names a job or an emailed link that acted in words, and an address as it is', () => {
    const actors = ['password-reset-link', 'invitation-link', 'system:account-email', 'system:seed-demo', 'system:restore', 'ops@platform.example', ''];
    expect(actors.map(auditActorLabel)).toEqual(['Password reset link', 'Invitation link', 'System (account email)', 'System (seed demo)', 'System (restore)', 'ops@platform.example', '']);
  });

  it("says any other action by its kind of record as the product spells it, the same words as 'Kind of record'", () => {
    const actions = ['follow_up.created', 'follow_up.nudge_refused', 'client_erasure.update', 'follow_up_link.create', 'follow_up_item.delete', 'close_request'];
    expect(actions.map(securityEventLabel)).toEqual([
      'Follow-up created',
      'Follow-up nudge refused',
      'Client erasure changed',
      `${ENTITY_TYPE_LABEL.follow_up_link} recorded`,
      'Follow-up item removed',
      'Close request',
    ]);
    expect(['system:follow-up', 'system:period-close', 'system:follow-up:reminder'].map(auditActorLabel)).toEqual(['System (follow-up)', 'System (period close)', 'System (follow-up reminder)']);
  });

  it("says why a device was signed out in words, for every reason the product writes", () => {
    const reasons = ['logout', 'signed_out_remotely', 'revoked_by_admin', 'credential_failures', 'replaced_at_sign_in', 'password_changed', 'password_reset', 'user_deactivated', 'firm_deletion', 'restored_from_backup'];
    expect(Object.keys(SIGN_OUT_REASON_LABEL).sort()).toEqual([...reasons].sort());
    expect(SIGN_OUT_REASON_LABEL.revoked_by_admin).toBe('Signed out by a firm admin');
    for (const words of Object.values(SIGN_OUT_REASON_LABEL)) expect(words).not.toMatch(/[._]/);
  });
});
