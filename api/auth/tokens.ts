/**
 * Session tokens: short-lived JWTs (HS256 pinned, `kid` in the header) signed with jose. Keys
 * rotate: the current key signs, every configured key verifies, so tokens signed just before a
 * rotation stay valid until they expire. A token only names a session; every request still checks
 * the session row, so revocation takes effect on the very next request.
 */
import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';

export const TOKEN_ISSUER = 'taalmel';
export const TOKEN_AUDIENCE = 'taalmel-api';
const ALGORITHM = 'HS256';
/** How far ahead of our clock a token's issue time may be (another replica's clock). */
const CLOCK_SKEW_SECONDS = 30;

export type SessionClaims = { sub: string; firmId: string; sessionId: string; role: string };
export type VerifiedToken = SessionClaims & { iat: number; exp: number; kid: string };

export class TokenError extends Error {
  constructor(readonly reason: 'expired' | 'invalid') {
    super(`session token ${reason}`);
    this.name = 'TokenError';
  }
}

export type SigningKeys = { current: string; keys: Map<string, Uint8Array> };

/** Parses `kid:<base64 secret>,…`; each secret must be at least 32 bytes. */
export function parseSigningKeys(spec: string, current: string): SigningKeys {
  const keys = new Map<string, Uint8Array>();
  for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [kid, material] = entry.split(':');
    if (!kid || !material) throw new Error('SESSION_SIGNING_KEYS: each key is `<id>:<base64 secret>`');
    const secret = Buffer.from(material, 'base64');
    if (secret.length < 32) throw new Error(`SESSION_SIGNING_KEYS: key ${kid} is shorter than 32 bytes`);
    keys.set(kid, new Uint8Array(secret));
  }
  if (!keys.has(current)) throw new Error(`SESSION_SIGNING_KEY_CURRENT: "${current}" is not among SESSION_SIGNING_KEYS`);
  return { current, keys };
}

export class SessionTokens {
  constructor(
    private readonly keys: SigningKeys,
    private readonly lifetimeSeconds: number,
  ) {}

  async sign(claims: SessionClaims, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.lifetimeSeconds;
    const token = await new SignJWT({ firmId: claims.firmId, sid: claims.sessionId, role: claims.role })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.keys.current, typ: 'JWT' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(claims.sub)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.keys.keys.get(this.keys.current) as Uint8Array);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  async verify(token: string): Promise<VerifiedToken> {
    try {
      const { payload, protectedHeader } = await jwtVerify(
        token,
        (header: JWTHeaderParameters) => {
          const key = header.kid ? this.keys.keys.get(header.kid) : undefined;
          if (!key) throw new TokenError('invalid');
          return key;
        },
        { algorithms: [ALGORITHM], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, requiredClaims: ['sub', 'exp', 'iat'] },
      );
      const { sub, firmId, sid, role, iat, exp } = payload as Record<string, unknown>;
      if (typeof sub !== 'string' || typeof firmId !== 'string' || typeof sid !== 'string' || typeof role !== 'string') {
        throw new TokenError('invalid');
      }
      // A token from the future, or living longer than we issue them, was not made by this server's
      // rules (a leaked key, a forged clock): refused, whatever its signature.
      if (typeof iat !== 'number' || typeof exp !== 'number') throw new TokenError('invalid');
      if (iat > Math.floor(Date.now() / 1000) + CLOCK_SKEW_SECONDS) throw new TokenError('invalid');
      if (exp - iat > this.lifetimeSeconds) throw new TokenError('invalid');
      return { sub, firmId, sessionId: sid, role, iat, exp, kid: protectedHeader.kid as string };
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new TokenError('expired');
      throw new TokenError('invalid');
    }
  }
}
