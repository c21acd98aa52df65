/**
 * `npm run ops:verify-certificate -- <certificate.jws> [<public-key.jwk>]`: checks an erasure
 * certificate with the platform's public key alone (no database, no api) and prints it. Without a
 * key file it uses the key of the `npm start` stack of this DATA_DIR (or CERTIFICATE_SIGNING_KEY).
 * Exits 1 when the signature does not hold.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import { certificateKeyFromSeed, verifyCertificate } from '../db/security/certificate-key';
import { loadConfigOrExit } from './config';

/** The platform's public key: the file given, else the one configured or kept by the dev stack. */
async function publicKey(keyFile: string | undefined): Promise<JWK> {
  if (keyFile) return JSON.parse(fs.readFileSync(keyFile, 'utf8')) as JWK;
  const config = loadConfigOrExit();
  const devSeedFile = path.join(config.dataDir, 'certificate-key');
  const seed = config.dataProtection.certificateKey ?? (fs.existsSync(devSeedFile) ? fs.readFileSync(devSeedFile, 'utf8').trim() : undefined);
  if (!seed) {
    process.stderr.write(`no key file given, no CERTIFICATE_SIGNING_KEY and no \`npm start\` key in ${devSeedFile}: pass the platform's public key file\n`);
    process.exit(78);
  }
  process.stderr.write(`using the certificate key ${config.dataProtection.certificateKey ? 'of CERTIFICATE_SIGNING_KEY' : `of the \`npm start\` stack of ${config.dataDir}`}\n`);
  return (await certificateKeyFromSeed(seed)).publicJwk;
}

async function main(): Promise<void> {
  const [jwsFile, keyFile] = process.argv.slice(2);
  if (!jwsFile) {
    process.stderr.write('usage: npm run ops:verify-certificate -- <certificate.jws> [<public-key.jwk>]\n');
    process.exit(2);
  }
  const jws = fs.readFileSync(jwsFile, 'utf8').trim();
  const key = await publicKey(keyFile);
  try {
    const certificate = await verifyCertificate(jws, key);
    process.stdout.write(`${JSON.stringify(certificate, null, 2)}\nsignature: valid (EdDSA, key ${key.kid ?? 'without kid'})\n`);
  } catch (error) {
    process.stderr.write(`signature: NOT valid (${(error as Error).message})\n`);
    process.exit(1);
  }
}

void main();
