/**
 * The platform's certificate key: Ed25519 (JWS alg EdDSA, signed with jose). Configured as a
 * base64 32-byte seed (CERTIFICATE_SIGNING_KEY); the public half is published as a JWK whose
 * RFC 7638 thumbprint is the `kid`, so a firm can verify a certificate later with the public key
 * alone, without trusting the database that stored it.
 */
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, CompactSign, compactVerify, type JWK } from 'jose';

// DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export type CertificateKey = { privateKey: KeyObject; publicJwk: JWK; kid: string };

export function newCertificateSeed(): string {
  return randomBytes(32).toString('base64');
}

export async function certificateKeyFromSeed(seedBase64: string): Promise<CertificateKey> {
  const seed = Buffer.from(seedBase64, 'base64');
  if (seed.length !== 32) throw new Error('CERTIFICATE_SIGNING_KEY must be 32 bytes, base64');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const { kty, crv, x } = createPublicKey(privateKey).export({ format: 'jwk' });
  const bare = { kty, crv, x } as JWK;
  const kid = await calculateJwkThumbprint(bare);
  return { privateKey, publicJwk: { ...bare, kid, alg: 'EdDSA', use: 'sig' }, kid };
}

export async function signCertificate(key: CertificateKey, certificate: unknown): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(certificate), 'utf8')).setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'taalmel-erasure-certificate+jws' }).sign(key.privateKey);
}

/** The certificate inside a JWS, when its signature holds under the public key; throws otherwise. */
export async function verifyCertificate(jws: string, publicJwk: JWK): Promise<unknown> {
  const key = createPublicKey({ key: publicJwk as never, format: 'jwk' });
  const { payload } = await compactVerify(jws, key, { algorithms: ['EdDSA'] });
  return JSON.parse(Buffer.from(payload).toString('utf8'));
}
