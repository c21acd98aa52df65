import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../ops/config';
import { generateKeys, loadOrCreateDevKeys, temporalPayloadCodec } from '../../../ops/keys';

describe('payload codec keys', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-keys-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives a dev key file from before the codec its payload keys, keeping its other keys, mode 600', () => {
    const old = generateKeys();
    fs.writeFileSync(path.join(dir, 'dev-keys.json'), JSON.stringify(old), { mode: 0o600 });
    const upgraded = loadOrCreateDevKeys(dir);
    expect(upgraded).toMatchObject(old);
    expect(upgraded.payloadKeys).toMatch(/^k\d{8}:[A-Za-z0-9+/]{43}=$/);
    expect(loadOrCreateDevKeys(dir)).toEqual(upgraded); // stable once written
    expect(fs.statSync(path.join(dir, 'dev-keys.json')).mode & 0o777).toBe(0o600);
  });

  it('uses TEMPORAL_PAYLOAD_KEYS when set, the dev file outside production, and refuses production without them', () => {
    const env = { DATA_DIR: dir };
    expect(temporalPayloadCodec(loadConfig({ ...env, TEMPORAL_PAYLOAD_KEYS: 'prod1:' + Buffer.alloc(32, 7).toString('base64'), TEMPORAL_PAYLOAD_KEY_CURRENT: 'prod1' })).currentKeyId).toBe('prod1');
    expect(temporalPayloadCodec(loadConfig(env)).currentKeyId).toBe(loadOrCreateDevKeys(dir).payloadKeyCurrent);
    expect(() => temporalPayloadCodec(loadConfig({ ...env, NODE_ENV: 'production' }))).toThrow(/TEMPORAL_PAYLOAD_KEYS and TEMPORAL_PAYLOAD_KEY_CURRENT are required/);
    expect(() => loadConfig({ ...env, NODE_ENV: 'production' }, { requirePayloadKeys: true })).toThrow(/TEMPORAL_PAYLOAD_KEYS: required/);
  });
});
