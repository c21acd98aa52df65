/**
 * Signed upload URLs. The PUT that carries the file has no session, so its token must say by
 * itself which import (and firm) it is for and until when: a JWT (HS256 pinned, jose) with the
 * import as subject, the firm, its own audience (so no session token is ever an upload token, nor
 * the other way round) and an expiry, under a key kept only on the server. Single use is not the
 * token's job: the database enforces it (the import leaves `awaiting_upload` in the transaction
 * that consumes the upload).
 */
import { hkdfSync } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';

export type UploadClaims = { importId: string; firmId: string; expiresAt: Date };

/** Why a token is refused; an expired one still names its import (its signature held). */
export type UploadTokenCheck =
  | { ok: true; claims: UploadClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' }
  | { ok: false; reason: 'expired'; claims: UploadClaims };

const ISSUER = 'taalmel';
const AUDIENCE = 'taalmel-upload';
const ALGORITHM = 'HS256';

function claimsOf(payload: JWTPayload): UploadClaims | null {
  const { sub, fid, exp } = payload as JWTPayload & { fid?: unknown };
  if (typeof sub !== 'string' || typeof fid !== 'string' || typeof exp !== 'number') return null;
  return { importId: sub, firmId: fid, expiresAt: new Date(exp * 1000) };
}

export class UploadTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the upload URL key must be at least 32 bytes');
  }

  /**
   * A key derived from the session signing key (HKDF with its own label), so deployments need no
   * new secret; UPLOAD_URL_KEY overrides it. Rotating the signing key voids open upload URLs,
   * which live 15 minutes at most.
   */
  static fromSigningKey(signingKeys: string, currentKid: string, label = 'taalmel upload url v1'): UploadTokens {
    const entry = signingKeys.split(',').map((e) => e.trim()).find((e) => e.startsWith(`${currentKid}:`));
    if (!entry) throw new Error('the current session signing key is missing');
    const material = Buffer.from(entry.slice(currentKid.length + 1), 'base64');
    return new UploadTokens(Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), label, 32)));
  }

  /** Another key for another kind of upload URL, so one kind's URL is never accepted as the other's. */
  derive(label: string): UploadTokens {
    return new UploadTokens(Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), label, 32)));
  }

  sign(claims: UploadClaims): Promise<string> {
    return new SignJWT({ fid: claims.firmId })
      .setProtectedHeader({ alg: ALGORITHM })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.importId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
      .sign(this.key);
  }

  /** The claims, or why the token is refused. Expiry is judged only once the signature holds. */
  async verify(token: string, now = new Date()): Promise<UploadTokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: [ALGORITHM], issuer: ISSUER, audience: AUDIENCE, currentDate: now, requiredClaims: ['sub', 'exp'] });
      const claims = claimsOf(payload);
      return claims ? { ok: true, claims } : { ok: false, reason: 'malformed' };
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        const claims = claimsOf(error.payload);
        return claims ? { ok: false, reason: 'expired', claims } : { ok: false, reason: 'malformed' };
      }
      if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad_signature' };
      return { ok: false, reason: 'malformed' };
    }
  }
}
