/**
 * AES-256-GCM for secrets we must store and later use (TOTP seeds, SMTP and GSP passwords).
 * Each value gets a fresh random 96-bit nonce; the key id travels with the ciphertext so keys can
 * rotate: decryption accepts any configured key, encryption uses the current one, and
 * `reencrypt` moves a value to the current key. Keys come from configuration, never the database.
 *
 * Stored form: `v1.<keyId>.<nonce b64url>.<ciphertext b64url>.<tag b64url>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export type SecretKeys = { current: string; keys: Record<string, Buffer> };

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** Parses `kid1:<base64 32 bytes>,kid2:<…>`. */
export function parseSecretKeys(spec: string, current: string): SecretKeys {
  const keys: Record<string, Buffer> = {};
  for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [id, material] = entry.split(':');
    if (!id || !material || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new SecretBoxError('each key is `<id>:<base64 of 32 bytes>`');
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32) throw new SecretBoxError(`key ${id} is ${key.length} bytes; AES-256 needs 32`);
    keys[id] = key;
  }
  if (!keys[current]) throw new SecretBoxError(`the current key id "${current}" is not among the configured keys`);
  return { current, keys };
}

export function generateKeySpec(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export class SecretBox {
  constructor(private readonly config: SecretKeys) {}

  get currentKeyId(): string {
    return this.config.current;
  }

  encrypt(plaintext: string): string {
    const key = this.config.keys[this.config.current] as Buffer;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', this.config.current, nonce.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
  }

  keyIdOf(stored: string): string {
    const [version, keyId] = stored.split('.');
    if (version !== 'v1' || !keyId) throw new SecretBoxError('not a secret box value');
    return keyId;
  }

  decrypt(stored: string): string {
    const [version, keyId, nonce, ciphertext, tag] = stored.split('.');
    if (version !== 'v1' || !keyId || !nonce || ciphertext === undefined || !tag) throw new SecretBoxError('not a secret box value');
    const key = this.config.keys[keyId];
    if (!key) throw new SecretBoxError(`no configured key with id ${keyId}`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // Never echo the value or the key: only that it did not authenticate.
      throw new SecretBoxError('a stored secret failed authentication (wrong key or tampered value)');
    }
  }

  /** The value under the current key (unchanged when it already is). */
  reencrypt(stored: string): string {
    return this.keyIdOf(stored) === this.config.current ? stored : this.encrypt(this.decrypt(stored));
  }
}
