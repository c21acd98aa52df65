/**
 * The Temporal payload codec: every payload a client or worker hands to Temporal (workflow inputs
 * and results, signals, updates, queries, activity arguments and results, heartbeats) is sealed
 * with AES-256-GCM before it leaves the process, so Temporal's database, its Web UI and history
 * exports hold ciphertext only. The key ring is the secret box's (`kid:<base64 32 bytes>` list and
 * a current id, parsed by parseSecretKeys): the current key seals, every configured key opens, so
 * keys rotate the same way.
 *
 * Encoded form: metadata `encoding: binary/encrypted` and `encryption-key-id: <kid>`; data =
 * nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes) of the original payload's protobuf bytes. The key
 * id is also the GCM associated data, so a payload moved under another key id does not open.
 * Decoding passes through payloads that are not sealed (histories recorded before the codec).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { parseSecretKeys, type SecretKeys } from './secret-box';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = temporal.api.common.v1.Payload;

export class PayloadCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadCodecError';
  }
}

function text(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes ? Buffer.from(bytes).toString('utf8') : undefined;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: SecretKeys) {}

  /** The ring from configuration (`TEMPORAL_PAYLOAD_KEYS`, `TEMPORAL_PAYLOAD_KEY_CURRENT`). */
  static fromSpec(spec: string, current: string): EncryptionCodec {
    return new EncryptionCodec(parseSecretKeys(spec, current));
  }

  get currentKeyId(): string {
    return this.ring.current;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.seal(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.open(payload));
  }

  /** The key id a payload was sealed with, or null when it is not sealed. */
  static keyIdOf(payload: Payload): string | null {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return null;
    return text(payload.metadata?.[KEY_ID_METADATA]) ?? null;
  }

  private seal(payload: Payload): Payload {
    const keyId = this.ring.current;
    const key = this.ring.keys[keyId] as Buffer;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(Buffer.from(keyId, 'utf8'));
    const plaintext = ProtoPayload.encode(payload).finish();
    const sealed = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(keyId) },
      data: new Uint8Array(sealed.buffer, sealed.byteOffset, sealed.byteLength),
    };
  }

  private open(payload: Payload): Payload {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!keyId) throw new PayloadCodecError('an encrypted payload carries no key id');
    const key = this.ring.keys[keyId];
    if (!key) throw new PayloadCodecError(`no configured payload key with id ${keyId}`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new PayloadCodecError('an encrypted payload is too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(keyId, 'utf8'));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plaintext = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return ProtoPayload.decode(plaintext) as Payload;
    } catch {
      // Never echo the payload or the key: only that it did not authenticate.
      throw new PayloadCodecError('an encrypted payload failed authentication (wrong key or tampered data)');
    }
  }
}
