/**
 * Signed upload URLs: the PUT that carries the file has no session, so its token says by itself
 * which import (and firm) it is for and until when (see ../signed-url-token.ts for the format).
 * Single use is enforced by the database: the import leaves `awaiting_upload` in the transaction
 * that consumes the upload.
 */
import { SignedUrlTokens } from '../signed-url-token';

export type UploadClaims = { importId: string; firmId: string; expiresAt: Date };

export type UploadTokenError = 'malformed' | 'bad_signature' | 'expired';

export class UploadTokens extends SignedUrlTokens {
  /**
   * A key derived from the session signing key (HKDF with its own label), so deployments need no
   * new secret; UPLOAD_URL_KEY overrides it. Rotating the signing key voids open upload URLs,
   * which live 15 minutes at most.
   */
  static fromSigningKey(signingKeys: string, currentKid: string): UploadTokens {
    return new UploadTokens(SignedUrlTokens.derive(signingKeys, currentKid, 'taalmel upload url v1'));
  }

  sign(claims: UploadClaims): string {
    return this.signClaims({ id: claims.importId, firmId: claims.firmId, expiresAt: claims.expiresAt });
  }

  verify(token: string, now = new Date()): UploadClaims | UploadTokenError {
    const claims = this.verifyClaims(token, now);
    return typeof claims === 'string' ? claims : { importId: claims.id, firmId: claims.firmId, expiresAt: claims.expiresAt };
  }
}
