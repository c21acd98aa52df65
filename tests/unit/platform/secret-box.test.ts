import { generateKeySpec, parseSecretKeys, SecretBox } from '../../../db/security/secret-box';

describe('secret box (AES-256-GCM)', () => {
  const k1 = generateKeySpec('k1');
  const k2 = generateKeySpec('k2');

  it('round-trips and uses a fresh nonce every time', () => {
    const box = new SecretBox(parseSecretKeys(k1, 'k1'));
    const a = box.encrypt('smtp password');
    const b = box.encrypt('smtp password');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(Buffer.from(a.split('.')[2] as string, 'base64url')).toHaveLength(12);
    expect(box.decrypt(a)).toBe('smtp password');
    expect(a).not.toContain('smtp password');
  });

  it('decrypts with any configured key, encrypts with the current one', () => {
    const old = new SecretBox(parseSecretKeys(k1, 'k1'));
    const sealed = old.encrypt('totp seed');
    const rotated = new SecretBox(parseSecretKeys(`${k1},${k2}`, 'k2'));
    expect(rotated.decrypt(sealed)).toBe('totp seed');
    expect(rotated.keyIdOf(rotated.encrypt('x'))).toBe('k2');
    expect(rotated.keyIdOf(rotated.reencrypt(sealed))).toBe('k2');
  });

  it('detects tampering without revealing anything', () => {
    const box = new SecretBox(parseSecretKeys(k1, 'k1'));
    const parts = box.encrypt('gsp secret').split('.');
    const ct = Buffer.from(parts[3] as string, 'base64url');
    ct[0] = (ct[0] as number) ^ 1;
    parts[3] = ct.toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow(/failed authentication/);
  });

  it('refuses bad key configuration', () => {
    expect(() => parseSecretKeys('k1:c2hvcnQ=', 'k1')).toThrow(/32/);
    expect(() => parseSecretKeys(k1, 'k9')).toThrow(/current key/);
  });
});
