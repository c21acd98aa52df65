import { SignJWT, UnsecuredJWT } from 'jose';
import { parseSigningKeys, SessionTokens, TokenError } from '../../../api/auth/tokens';
import { generateKeys } from '../../../ops/keys';

const claims = { sub: 'user-1', firmId: 'firm-1', sessionId: 'session-1', role: 'staff' };

function keySpec(id: string): string {
  return generateKeys().signingKeys.replace(/^[^:]+/, id);
}

describe('session tokens', () => {
  const k1 = keySpec('k1');
  const k2 = keySpec('k2');

  it('signs with the current key id and verifies its own tokens', async () => {
    const tokens = new SessionTokens(parseSigningKeys(k1, 'k1'), 900);
    const { token, expiresAt } = await tokens.sign(claims);
    const verified = await tokens.verify(token);
    expect(verified).toMatchObject({ ...claims, kid: 'k1' });
    expect(verified.exp - verified.iat).toBe(900);
    expect(expiresAt.getTime()).toBe(verified.exp * 1000);
  });

  it('keeps verifying tokens of the previous key during a rotation', async () => {
    const before = new SessionTokens(parseSigningKeys(k1, 'k1'), 900);
    const during = new SessionTokens(parseSigningKeys(`${k1},${k2}`, 'k2'), 900);
    const after = new SessionTokens(parseSigningKeys(k2, 'k2'), 900);
    const old = (await before.sign(claims)).token;
    await expect(during.verify(old)).resolves.toMatchObject({ kid: 'k1' });
    expect((await during.verify((await during.sign(claims)).token)).kid).toBe('k2');
    await expect(after.verify(old)).rejects.toThrow(TokenError);
  });

  it('refuses unsigned, expired and wrongly signed tokens', async () => {
    const tokens = new SessionTokens(parseSigningKeys(k1, 'k1'), 900);
    const unsigned = new UnsecuredJWT({ firmId: 'f', sid: 's', role: 'r' }).setIssuer('taalmel').setAudience('taalmel-api').setSubject('u').setIssuedAt().setExpirationTime('5m').encode();
    await expect(tokens.verify(unsigned)).rejects.toMatchObject({ reason: 'invalid' });
    const expired = await new SessionTokens(parseSigningKeys(k1, 'k1'), 1).sign(claims, new Date(Date.now() - 10_000));
    await expect(tokens.verify(expired.token)).rejects.toMatchObject({ reason: 'expired' });
    const wrongKey = await new SignJWT({ firmId: 'f', sid: 's', role: 'r' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer('taalmel')
      .setAudience('taalmel-api')
      .setSubject('u')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new Uint8Array(32));
    await expect(tokens.verify(wrongKey)).rejects.toMatchObject({ reason: 'invalid' });
  });

  it('refuses short or unknown keys in configuration', () => {
    expect(() => parseSigningKeys('k1:c2hvcnQ=', 'k1')).toThrow(/32 bytes/);
    expect(() => parseSigningKeys(k1, 'k2')).toThrow(/CURRENT/);
  });
});
