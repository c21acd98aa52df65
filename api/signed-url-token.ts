/**
 * Tokens for URLs that work without a session (an upload, a download): `<payload>.<hmac>`, both
 * base64url, where the payload is `{i: id, f: firmId, e: expiry (unix seconds)}` and the HMAC is
 * SHA-256 under a key kept only on the server. Each purpose derives its own key (HKDF with its own
 * label), so a token made for one purpose is refused by another. Single use is not the token's job:
 * the database enforces it in the transaction that consumes the URL.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export type SignedUrlClaims = { id: string; firmId: string; expiresAt: Date };

export type SignedUrlTokenError = 'malformed' | 'bad_signature' | 'expired';

/** The current session signing key's bytes, from `kid:base64,...` and the current kid. */
export function currentSigningKey(signingKeys: string, currentKid: string): Buffer {
  const entry = signingKeys.split(',').map((e) => e.trim()).find((e) => e.startsWith(`${currentKid}:`));
  if (!entry) throw new Error('the current session signing key is missing');
  return Buffer.from(entry.slice(currentKid.length + 1), 'base64');
}

export class SignedUrlTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('a URL signing key must be at least 32 bytes');
  }

  /** A key derived from the session signing key under `label`; rotating that key voids open URLs. */
  static derive(signingKeys: string, currentKid: string, label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', currentSigningKey(signingKeys, currentKid), Buffer.alloc(0), label, 32));
  }

  signClaims(claims: SignedUrlClaims): string {
    const payload = Buffer.from(JSON.stringify({ i: claims.id, f: claims.firmId, e: Math.floor(claims.expiresAt.getTime() / 1000) })).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The claims, or why the token is refused. Expiry is checked after the signature. */
  verifyClaims(token: string, now = new Date()): SignedUrlClaims | SignedUrlTokenError {
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
    return { id: parsed.i, firmId: parsed.f, expiresAt };
  }

  /** The ids of a token whose signature holds, expired or not (to record a lapse); null otherwise. */
  signedIds(token: string): { id: string; firmId: string } | null {
    const claims = this.verifyClaims(token, new Date(0));
    return typeof claims === 'string' ? null : { id: claims.id, firmId: claims.firmId };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
