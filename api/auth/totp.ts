/**
 * Two-factor authentication with an authenticator app (TOTP): the code check shared by sign-in and
 * re-authentication (single use: a code's step must be after the last one accepted), and setting it
 * up, turning it on and off. docs/security-and-tenancy.md, "Sign-in and sessions".
 */
import type { Knex } from 'knex';
import { generateSecret, generateURI, verifySync } from 'otplib';
import { User } from '../../db/models/user';
import type { SecretBox } from '../../db/security/secret-box';
import { setAuditAction } from '../../db/tenant';
import { ApiError, conflict, forbidden } from '../errors';
import type { AuthenticatedSession, AuthenticatedUser, TenantTransaction } from '../state';
import { lastStep, type Reauthentication } from './reauth';
import type { ClientInfo } from './types';

const TOTP_ISSUER = 'Taalmel';
// ±1 step of 30 s: a phone clock a little off still works.
const TOTP_TOLERANCE_SECONDS = 30;

const notEnabled = () => conflict('totp_not_enabled', 'Two-factor authentication is not on.');

export class TotpCodes {
  constructor(private readonly secretBox: SecretBox) {}

  /** The step of a valid code after `lastStep` (so a code is used once), or null. */
  verify(secretCiphertext: string, code: string, lastStep: number | null): number | null {
    const secret = this.secretBox.decrypt(secretCiphertext);
    const result = verifySync({
      secret,
      token: code,
      epochTolerance: TOTP_TOLERANCE_SECONDS,
      ...(lastStep !== null ? { afterTimeStep: lastStep } : {}),
    });
    // The functional API's result type is the HOTP/TOTP union; TOTP results carry the matched step.
    return result.valid && 'timeStep' in result ? (result as { timeStep: number }).timeStep : null;
  }

  async setup(trx: Knex.Transaction, user: AuthenticatedUser) {
    if (user.totpEnabled) throw conflict('totp_already_enabled', 'Two-factor authentication is already on; disable it first.');
    const secret = generateSecret();
    await setAuditAction(trx, 'auth.totp_setup');
    await User.query(trx).patch({ totpPendingSecret: this.secretBox.encrypt(secret) }).where({ id: user.id });
    await setAuditAction(trx, null);
    return { secret, otpauthUrl: generateURI({ issuer: TOTP_ISSUER, label: user.email, secret }) };
  }

  async enable(trx: Knex.Transaction, user: AuthenticatedUser, code: string): Promise<void> {
    const row = await User.query(trx).findById(user.id).throwIfNotFound();
    if (row.totpEnabled) throw conflict('totp_already_enabled', 'Two-factor authentication is already on.');
    if (!row.totpPendingSecret) throw conflict('totp_not_set_up', 'Call /api/auth/totp/setup first.');
    const step = this.verify(row.totpPendingSecret, code, null);
    if (step === null) throw new ApiError(400, 'invalid_totp', 'That code is not valid.', { fields: { code: 'does not match' } });
    await setAuditAction(trx, 'auth.totp_enabled');
    await User.query(trx).patch({ totpEnabled: true, totpSecret: row.totpPendingSecret, totpPendingSecret: null, totpLastStep: step }).where({ id: user.id });
    await setAuditAction(trx, null);
  }

  /**
   * Turning it off proves the person again: the route needs a recent re-authentication, which asked
   * for a code since two-factor is on. A code sent as well is checked (a wrong one counts as a failed
   * re-authentication); none is needed, since the re-authentication's code is used up and the next
   * one would make the person wait out a time step for no added proof. As a re-authentication does
   * (api/auth/reauth.ts): the code is checked holding nothing, then a short transaction locks the user
   * and the session, re-checks what may have moved (the session signed out, two-factor turned off or
   * set up anew, the code used by another proof: refused as a replay, counted), clears the counts and
   * turns it off. The counting used to run on connections of its own inside the request's
   * transaction: disables at once each held one and waited for another (503 `unavailable`).
   */
  async disable(tenantTransaction: TenantTransaction, user: AuthenticatedUser, session: AuthenticatedSession, code: string | undefined, client: ClientInfo, reauth: Reauthentication<ClientInfo>): Promise<void> {
    // The route's `sensitive` check already holds; kept here so no other caller skips the proof.
    if (!reauth.recentlyReauthenticated(session)) throw forbidden('reauth_required', 'Confirm your password (POST /api/auth/reauth) to do this.');
    const row = await tenantTransaction(async (trx) => User.query(trx).findById(user.id).throwIfNotFound());
    if (!row.totpEnabled || !row.totpSecret) throw notEnabled();
    const wrongCode = () =>
      reauth.failure(user, session.id, client, new ApiError(400, 'invalid_totp', 'That code is not valid (or was already used).', { fields: { code: 'does not match' } }), {
        action: 'auth.totp_disable_failed',
        reason: 'totp',
      });
    const step = code === undefined ? null : this.verify(row.totpSecret, code, lastStep(row));
    if (code !== undefined && step === null) throw await wrongCode();
    const replayed = await tenantTransaction(async (trx) => {
      const locked = await reauth.lockForWrite(trx, user.id, session.id);
      if (!locked.totpEnabled || !locked.totpSecret) throw notEnabled();
      // A code checked against a secret since replaced, or used by a proof that took the lock first.
      if (step !== null && (locked.totpSecret !== row.totpSecret || (lastStep(locked) ?? -1) >= step)) return true;
      await reauth.success(trx, user, session.id, client);
      await setAuditAction(trx, 'auth.totp_disabled');
      await User.query(trx).patch({ totpEnabled: false, totpSecret: null, totpPendingSecret: null, totpLastStep: null }).where({ id: user.id });
      await setAuditAction(trx, null);
      return false;
    });
    // Counted after the transaction: the count and a fifth failure's sign-out take connections of their own.
    if (replayed) throw await wrongCode();
  }
}
