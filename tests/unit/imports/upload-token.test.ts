import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { MeteredBody } from '../../../api/imports/metered-body';
import { UploadTokens } from '../../../api/imports/upload-token';
import { reconciliationWorkflowId } from '../../../api/reconciliations/workflow-id';
import { generateKeys } from '../../../ops/keys';

describe('upload tokens', () => {
  const keys = generateKeys();
  const tokens = UploadTokens.fromSigningKey(keys.signingKeys, keys.signingKeyCurrent);
  const claims = { importId: randomUUID(), firmId: randomUUID(), expiresAt: new Date(Date.now() + 15 * 60_000) };
  const toTheSecond = (at: Date) => new Date(Math.floor(at.getTime() / 1000) * 1000);

  it('round-trips the import, the firm and the expiry (to the second)', async () => {
    expect(await tokens.verify(await tokens.sign(claims))).toEqual({ ok: true, claims: { ...claims, expiresAt: toTheSecond(claims.expiresAt) } });
  });

  it('refuses a changed payload, a changed signature, another key and garbage', async () => {
    const token = await tokens.sign(claims);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: randomUUID() })).toString('base64url');
    expect(await tokens.verify(`${header}.${forged}.${signature}`)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await tokens.verify(`${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`)).toEqual({ ok: false, reason: 'bad_signature' });
    const other = generateKeys();
    expect(await UploadTokens.fromSigningKey(other.signingKeys, other.signingKeyCurrent).verify(token)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await tokens.verify('nonsense')).toEqual({ ok: false, reason: 'malformed' });
    expect(await tokens.verify(`${token}.extra`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses a token for another audience under the same key, and an unsigned one', async () => {
    const key = randomBytes(32);
    const own = new UploadTokens(key);
    const forApi = await new SignJWT({ fid: claims.firmId }).setProtectedHeader({ alg: 'HS256' }).setIssuer('taalmel').setAudience('taalmel-api').setSubject(claims.importId).setExpirationTime('15m').sign(key);
    expect(await own.verify(forApi)).toEqual({ ok: false, reason: 'malformed' });
    expect(await own.verify(await own.sign(claims))).toMatchObject({ ok: true });
    const unsigned = new UnsecuredJWT({ fid: claims.firmId }).setIssuer('taalmel').setAudience('taalmel-upload').setSubject(claims.importId).setExpirationTime('15m').encode();
    expect(await own.verify(unsigned)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('says expired, with the import it names, only once the signature holds', async () => {
    const lapsed = { ...claims, expiresAt: new Date(Date.now() - 1000) };
    expect(await tokens.verify(await tokens.sign(lapsed))).toEqual({ ok: false, reason: 'expired', claims: { ...lapsed, expiresAt: toTheSecond(lapsed.expiresAt) } });
    expect(await tokens.verify(await tokens.sign(claims), new Date(claims.expiresAt.getTime() + 1000))).toMatchObject({ ok: false, reason: 'expired' });
    const other = generateKeys();
    const foreign = await UploadTokens.fromSigningKey(other.signingKeys, other.signingKeyCurrent).sign(lapsed);
    expect(await tokens.verify(foreign)).toEqual({ ok: false, reason: 'bad_signature' });
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
