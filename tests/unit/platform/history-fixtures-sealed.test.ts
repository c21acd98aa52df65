/**
 * The committed replay histories hold what Temporal stores in production: sealed payloads only
 * (search attributes aside), each opening with the tests' payload key. A history recorded without
 * the codec, or with another key, fails here by name (seal it with tests/harness/sealed-history.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../../db/security/payload-codec';
import { HISTORY_FIXTURES } from '../../harness/replay';
import { encodingOf, historyPayloads } from '../../harness/sealed-history';
import { TEST_PAYLOAD_KEYS, testPayloadCodec } from '../../harness/temporal';

const files = fs.readdirSync(HISTORY_FIXTURES).filter((f) => f.endsWith('.json')).sort();
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(HISTORY_FIXTURES, file), 'utf8')) as unknown;

describe('committed workflow histories', () => {
  it('are there to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('hold sealed payloads only, under the tests’ key', () => {
    const unsealed = files.flatMap((file) =>
      historyPayloads(read(file))
        // A patch marker's data is written by the SDK's core from the patch id, never through the
        // payload codec (sealed, the replay cannot read which patch it marks): it carries no data of ours.
        .filter(({ at }) => !at.includes('.markerRecordedEventAttributes.details.patch-data.'))
        .filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING || Buffer.from(payload.metadata?.['encryption-key-id'] ?? '', 'base64').toString() !== TEST_PAYLOAD_KEYS.current)
        .map(({ at }) => `${file} ${at}`),
    );
    expect(unsealed).toEqual([]);
  });

  it('open with the tests’ key to the payloads the workflows read (JSON or nothing)', async () => {
    const codec = testPayloadCodec();
    const problems: string[] = [];
    for (const file of files) {
      for (const { at, payload } of historyPayloads(read(file))) {
        const [opened] = await codec.decode([{ metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(payload.data ?? '', 'base64') }]);
        const encoding = Buffer.from(opened!.metadata?.encoding ?? new Uint8Array()).toString();
        if (encoding === 'json/plain') JSON.parse(Buffer.from(opened!.data ?? new Uint8Array()).toString('utf8'));
        else if (encoding !== 'binary/null') problems.push(`${file} ${at}: ${encoding}`);
        if (EncryptionCodec.keyIdOf(opened!) !== null) problems.push(`${file} ${at}: sealed twice`);
      }
    }
    expect(problems).toEqual([]);
  });
});
