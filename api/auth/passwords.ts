/** A person's password: the strength rule every route applies, and changing one's own (which signs out the other devices). */
import { User } from '../../db/models/user';
import { passwordProblem, PASSWORD_PROBLEM_MESSAGES } from '../../db/security/password-policy';
import { hashPassword, verifyPassword } from '../../db/security/passwords';
import { setAuditAction } from '../../db/tenant';
import { ApiError, invalidInput } from '../errors';
import type { AuthenticatedUser, TenantTransaction } from '../state';
import type { Reauthentication } from './reauth';
import type { Sessions } from './sessions';
import type { ClientInfo } from './types';

/**
 * 400 invalid_input naming `field` when the password is weak. No default: each route passes its own
 * body's name for the password (`password`, `newPassword`), or its form would show the refusal nowhere.
 */
export function assertPasswordAcceptable(password: string, email: string, field: 'password' | 'newPassword'): void {
  const problem = passwordProblem(password, email);
  if (problem) throw invalidInput({ fields: { [field]: PASSWORD_PROBLEM_MESSAGES[problem] } }, `The password ${PASSWORD_PROBLEM_MESSAGES[problem]}.`);
}

/**
 * `POST /api/auth/password`: the current password proves the person (a wrong one counts as a failed
 * re-authentication). Both argon2 steps, checking the current password and hashing the new one (tens
 * of milliseconds of CPU each, far more under load), run outside any transaction, holding no
 * connection, lock or slot of the firm: inside the request's transaction, changes at once filled the
 * pool and held the firm's slots (docs/security-limits.md, "Changing one's password"). The write then
 * runs in a short transaction that locks the user and the session and checks that no password change
 * came in between (`password_changed_at`; a sign-in's re-hash of the same password does not count):
 * of two changes at once the second is refused (409 `password_changed`), not lost. The session's
 * counts are cleared in that transaction, with the change.
 */
export async function changePassword(
  tenantTransaction: TenantTransaction,
  user: AuthenticatedUser,
  sessionId: string,
  input: { currentPassword: string; newPassword: string },
  client: ClientInfo,
  deps: { reauth: Reauthentication<ClientInfo>; sessions: Sessions },
): Promise<void> {
  const { currentPassword, newPassword } = input;
  const row = await tenantTransaction(async (trx) => User.query(trx).findById(user.id).throwIfNotFound());
  if (!(await verifyPassword(row.passwordHash, currentPassword))) {
    const refusal = new ApiError(401, 'invalid_credentials', 'The current password is not right.');
    throw await deps.reauth.failure(user, sessionId, client, refusal, { action: 'auth.password_change_failed', reason: 'password' });
  }
  // The body names it `newPassword` (docs/api.md), so the refusal does too: a form shows it under that input.
  assertPasswordAcceptable(newPassword, row.email, 'newPassword');
  const passwordHash = await hashPassword(newPassword);
  await tenantTransaction(async (trx) => {
    // The user, then the session, locked before the first audited write (the audit trigger's firm
    // lock comes after the rows'); refused when the password was changed or the session signed out
    // while the hash was made.
    await deps.reauth.lockForWrite(trx, user.id, sessionId, row);
    await deps.reauth.success(trx, user, sessionId, client);
    await setAuditAction(trx, 'auth.password_changed');
    await User.query(trx).patch({ passwordHash, passwordChangedAt: new Date() }).where({ id: user.id });
    await deps.sessions.revokeAllSessions(trx, user.id, user.id, 'password_changed', sessionId);
  });
}
