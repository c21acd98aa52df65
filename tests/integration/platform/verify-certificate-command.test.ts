/**
 * `npm run ops:verify-certificate` beside `npm start`: without a key file it checks an erasure
 * certificate with the dev stack's own certificate key (DATA_DIR/certificate-key) and says so; a
 * certificate signed by another key is refused. Run as the command runs, a child process.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { certificateKeyFromSeed, newCertificateSeed, signCertificate } from '../../../db/security/certificate-key';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../../..');

function verify(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'ops/verify-certificate.ts', ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, CERTIFICATE_SIGNING_KEY: '' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('ops:verify-certificate without a key file', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-verify-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it("uses the npm start stack's key, and refuses a certificate that key did not sign", async () => {
    const seed = newCertificateSeed();
    fs.writeFileSync(path.join(dataDir, 'certificate-key'), `${seed}\n`, { mode: 0o600 });
    const certificate = { erasureId: 'e-1', client: 'Alpha Traders', deleted: { clients: 1 } };
    const file = path.join(dataDir, 'certificate.jws');
    fs.writeFileSync(file, await signCertificate(await certificateKeyFromSeed(seed), certificate));

    const good = await verify(dataDir, [file]);
    expect({ code: good.code, stderr: good.stderr }).toEqual({ code: 0, stderr: `using the certificate key of the \`npm start\` stack of ${dataDir}\n` });
    expect(good.stdout).toContain('signature: valid');
    expect(JSON.parse(good.stdout.slice(0, good.stdout.lastIndexOf('}') + 1))).toEqual(certificate);

    const forged = path.join(dataDir, 'forged.jws');
    fs.writeFileSync(forged, await signCertificate(await certificateKeyFromSeed(newCertificateSeed()), certificate));
    const bad = await verify(dataDir, [forged]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('signature: NOT valid');

    const none = await verify(fs.mkdtempSync(path.join(dataDir, 'empty-')), [file]);
    expect(none.code).toBe(78);
    expect(none.stderr).toContain("pass the platform's public key file");
  });
});
