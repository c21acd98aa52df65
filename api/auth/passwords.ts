/** A person's password: the strength rule every route applies, and changing one's own (which signs out the other devices). */
import type { Knex } from 'knex';
import { User } from '../../db/models/user';
import { passwordProblem, PASSWORD_PROBLEM_MESSAGES } from '../../db/security/password-policy';
import { hashPassword, verifyPassword } from '../../db/security/passwords';
import { setAuditAction } from '../../db/tenant';
import { ApiError, invalidInput } from '../errors';
import type { AuthenticatedUser } from '../state';
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

/** `POST /api/auth/password`: the current password proves the person (a wrong one counts as a failed re-authentication). */
export async function changePassword(
  trx: Knex.Transaction,
  user: AuthenticatedUser,
  sessionId: string,
  input: { currentPassword: string; newPassword: string },
  client: ClientInfo,
  deps: { reauth: Reauthentication<ClientInfo>; sessions: Sessions },
): Promise<void> {
  const { currentPassword, newPassword } = input;
  const row = await User.query(trx).findById(user.id).throwIfNotFound();
  if (!(await verifyPassword(row.passwordHash, currentPassword))) {
    const refusal = new ApiError(401, 'invalid_credentials', 'The current password is not right.');
    throw await deps.reauth.failure(user, sessionId, client, refusal, { action: 'auth.password_change_failed', reason: 'password' });
  }
  await deps.reauth.success(user, sessionId, client);
  // The body names it `newPassword` (docs/api.md), so the refusal does too: a form shows it under that input.
  assertPasswordAcceptable(newPassword, row.email, 'newPassword');
  await setAuditAction(trx, 'auth.password_changed');
  await User.query(trx).patch({ passwordHash: await hashPassword(newPassword), passwordChangedAt: new Date() }).where({ id: user.id });
  await deps.sessions.revokeAllSessions(trx, user.id, user.id, 'password_changed', sessionId);
}
