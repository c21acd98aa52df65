/**
 * `npm run ops:verify-certificate -- <certificate.jws> <public-key.jwk>`: checks an erasure
 * certificate with the platform's public key alone (no database, no api) and prints it. Exits 1
 * when the signature does not hold.
 */
import fs from 'node:fs';
import type { JWK } from 'jose';
import { verifyCertificate } from '../db/security/certificate-key';

async function main(): Promise<void> {
  const [jwsFile, keyFile] = process.argv.slice(2);
  if (!jwsFile || !keyFile) {
    process.stderr.write('usage: npm run ops:verify-certificate -- <certificate.jws> <public-key.jwk>\n');
    process.exit(2);
  }
  const jws = fs.readFileSync(jwsFile, 'utf8').trim();
  const key = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as JWK;
  try {
    const certificate = await verifyCertificate(jws, key);
    process.stdout.write(`${JSON.stringify(certificate, null, 2)}\nsignature: valid (EdDSA, key ${key.kid ?? 'without kid'})\n`);
  } catch (error) {
    process.stderr.write(`signature: NOT valid (${(error as Error).message})\n`);
    process.exit(1);
  }
}

void main();
