import { randomBytes, randomUUID } from 'node:crypto';
import { MeteredBody } from '../../../api/imports/metered-body';
import { UploadTokens } from '../../../api/imports/upload-token';
import { reconciliationWorkflowId } from '../../../api/reconciliations/workflow-id';
import { generateKeys } from '../../../ops/keys';

describe('upload tokens', () => {
  const keys = generateKeys();
  const tokens = UploadTokens.fromSigningKey(keys.signingKeys, keys.signingKeyCurrent);
  const claims = { importId: randomUUID(), firmId: randomUUID(), expiresAt: new Date(Date.now() + 15 * 60_000) };

  it('round-trips the import, the firm and the expiry (to the second)', () => {
    const verified = tokens.verify(tokens.sign(claims));
    expect(verified).toEqual({ importId: claims.importId, firmId: claims.firmId, expiresAt: new Date(Math.floor(claims.expiresAt.getTime() / 1000) * 1000) });
  });

  it('refuses a changed payload, a changed signature, another key and garbage', () => {
    const token = tokens.sign(claims);
    const [payload, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ i: randomUUID(), f: claims.firmId, e: 9_999_999_999 })).toString('base64url');
    expect(tokens.verify(`${forged}.${mac}`)).toBe('bad_signature');
    expect(tokens.verify(`${payload}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`)).toBe('bad_signature');
    const other = generateKeys();
    expect(UploadTokens.fromSigningKey(other.signingKeys, other.signingKeyCurrent).verify(token)).toBe('bad_signature');
    expect(tokens.verify('nonsense')).toBe('malformed');
    expect(tokens.verify(`${token}.extra`)).toBe('malformed');
  });

  it('says expired only once the signature holds', () => {
    const stale = tokens.sign({ ...claims, expiresAt: new Date(Date.now() - 1000) });
    expect(tokens.verify(stale)).toBe('expired');
    expect(tokens.verify(tokens.sign(claims), new Date(claims.expiresAt.getTime() + 1000))).toBe('expired');
  });

  it('refuses a short key', () => {
    expect(() => new UploadTokens(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('metered upload body', () => {
  async function* source(parts: string[]) {
    for (const p of parts) yield Buffer.from(p);
  }

  it('keeps the peeked head, counts and hashes every byte', async () => {
    const body = new MeteredBody(source(['ab', 'cd', 'ef']), 100);
    expect((await body.head(3)).toString()).toBe('abc');
    const seen: string[] = [];
    for await (const c of body.chunks()) seen.push(c.toString());
    expect(seen.join('')).toBe('abcdef');
    expect(body.bytes).toBe(6);
    expect(body.sha256()).toBe('bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721');
  });

  it('ends the stream at the cap and says so', async () => {
    const body = new MeteredBody(source(['12345', '67890', 'abcde']), 8);
    const seen: string[] = [];
    for await (const c of body.chunks()) seen.push(c.toString());
    expect(seen).toEqual(['12345']);
    expect(body.overLimit).toBe(true);
  });
});

describe('reconciliation workflow ids', () => {
  const key = { firmId: randomUUID(), clientId: randomUUID(), period: '2024-06', registerImportId: randomUUID(), gstr2bImportId: randomUUID(), options: { amountTolerance: 100, dateWindowDays: 10 } };

  it('is the same for the same request and different for other imports or options', () => {
    const id = reconciliationWorkflowId(key);
    expect(id.startsWith(`recon-${key.firmId}-${key.clientId}-2024-06-`)).toBe(true);
    expect(reconciliationWorkflowId({ ...key, options: { dateWindowDays: 10, amountTolerance: 100 } })).toBe(id);
    expect(reconciliationWorkflowId({ ...key, options: { amountTolerance: 101, dateWindowDays: 10 } })).not.toBe(id);
    expect(reconciliationWorkflowId({ ...key, registerImportId: key.gstr2bImportId, gstr2bImportId: key.registerImportId })).not.toBe(id);
  });
});
