/**
 * Signed upload URLs. The PUT that carries the file has no session, so its token must say by
 * itself which import (and firm) it is for and until when: `<payload>.<hmac>`, both base64url,
 * where the payload is `{i: importId, f: firmId, e: expiry (unix seconds)}` and the HMAC is
 * SHA-256 under a key kept only on the server. Single use is not the token's job: the database
 * enforces it (the import leaves `awaiting_upload` in the transaction that consumes the upload).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export type UploadClaims = { importId: string; firmId: string; expiresAt: Date };

export type UploadTokenError = 'malformed' | 'bad_signature' | 'expired';

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

  sign(claims: UploadClaims): string {
    const payload = Buffer.from(JSON.stringify({ i: claims.importId, f: claims.firmId, e: Math.floor(claims.expiresAt.getTime() / 1000) })).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The claims, or why the token is refused. Expiry is checked after the signature. */
  verify(token: string, now = new Date()): UploadClaims | UploadTokenError {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) return 'malformed';
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad_signature';
    let parsed: { i?: unknown; f?: unknown; e?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof parsed;
    } catch {
      return 'malformed';
    }
    if (typeof parsed.i !== 'string' || typeof parsed.f !== 'string' || typeof parsed.e !== 'number') return 'malformed';
    const expiresAt = new Date(parsed.e * 1000);
    if (expiresAt.getTime() <= now.getTime()) return 'expired';
    return { importId: parsed.i, firmId: parsed.f, expiresAt };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
