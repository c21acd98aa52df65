import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA, PayloadCodecError } from '../../../db/security/payload-codec';
import { generateKeySpec } from '../../../db/security/secret-box';

const k1 = generateKeySpec('k1');
const k2 = generateKeySpec('k2');
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

function payloadOf(value: unknown): Payload {
  return defaultPayloadConverter.toPayload(value);
}

describe('Temporal payload codec (AES-256-GCM)', () => {
  const input = { clientName: 'Mehta Textiles Pvt Ltd', gstin: '27AAJCM4455Q1ZP' };

  it('seals a payload under the current key id and opens it back to the same payload', async () => {
    const codec = EncryptionCodec.fromSpec(k1, 'k1');
    const [sealed] = await codec.encode([payloadOf(input)]);
    expect(text(sealed!.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata?.[KEY_ID_METADATA])).toBe('k1');
    expect(Buffer.from(sealed!.data!).includes(Buffer.from(input.gstin))).toBe(false);
    expect(Buffer.from(sealed!.data!).includes(Buffer.from(input.clientName))).toBe(false);
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(input);
    expect(text(opened!.metadata?.encoding)).toBe('json/plain');
  });

  it('uses a fresh nonce for every payload', async () => {
    const codec = EncryptionCodec.fromSpec(k1, 'k1');
    const [a, b] = await codec.encode([payloadOf(input), payloadOf(input)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('opens with any configured key and seals with the current one (rotation)', async () => {
    const [old] = await EncryptionCodec.fromSpec(k1, 'k1').encode([payloadOf(input)]);
    const rotated = EncryptionCodec.fromSpec(`${k1},${k2}`, 'k2');
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(input);
    expect(EncryptionCodec.keyIdOf((await rotated.encode([payloadOf(input)]))[0]!)).toBe('k2');
    // Once the old key is removed its payloads no longer open, and the error names the key id only.
    const withoutOld = EncryptionCodec.fromSpec(k2, 'k2');
    await expect(withoutOld.decode([old!])).rejects.toThrow(new PayloadCodecError('no configured payload key with id k1'));
  });

  it('refuses a tampered payload and a payload relabelled with another key id, without echoing either', async () => {
    const codec = EncryptionCodec.fromSpec(`${k1},${k2}`, 'k1');
    const [sealed] = await codec.encode([payloadOf(input)]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(/failed authentication/);
    // The key id is the associated data: the same bytes under k2's id do not open.
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/failed authentication/);
  });

  it('passes through payloads recorded before the codec (plain histories still replay)', async () => {
    const plain = payloadOf(input);
    const [opened] = await EncryptionCodec.fromSpec(k1, 'k1').decode([plain]);
    expect(opened).toBe(plain);
  });

  it('keeps large activity payloads whole with a constant overhead (4 MB through the codec)', async () => {
    const codec = EncryptionCodec.fromSpec(k1, 'k1');
    const big = payloadOf({ rows: 'x'.repeat(4 * 1024 * 1024) });
    const [sealed] = await codec.encode([big]);
    const plainBytes = big.data!.length + text(big.metadata?.encoding).length;
    // Nonce 12 + tag 16 + the protobuf framing of the inner payload: well under 100 bytes.
    expect(sealed!.data!.length - plainBytes).toBeLessThan(100);
    const [opened] = await codec.decode([sealed!]);
    expect(Buffer.from(opened!.data!).equals(Buffer.from(big.data!))).toBe(true);
  });
});
