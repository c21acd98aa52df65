/**
 * Builds the web app (web/, with Vite) into dist/web when its sources changed since the last build:
 * `npm start` calls it before starting the api, the test harness once per run, `npm run build:web`
 * always. The fingerprint covers web/ (not its node_modules), the lock file and the pure domain
 * modules the app imports. A lock folder keeps two starts on one checkout from building at once.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
const WEB = path.join(REPO_ROOT, 'web');
/**
 * Sources outside web/ that the app bundles: the pure domain modules (the app imports labels, roles,
 * periods and rules from many of them, so the whole folder counts: a list by hand went stale) and
 * the lock file.
 */
const SHARED_DIRS = ['domain'];
const SHARED_FILES = ['package-lock.json'];
const STAMP = 'web-build.json';
const LOCK_STALE_MS = 10 * 60_000;

function listFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) listFiles(full, out);
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Every file the build's fingerprint covers, sorted. */
export function webSourceFiles(): string[] {
  const shared = SHARED_DIRS.flatMap((dir) => listFiles(path.join(REPO_ROOT, dir)));
  return [...listFiles(WEB), ...shared, ...SHARED_FILES.map((f) => path.join(REPO_ROOT, f))].sort();
}

/** One hash of every source's path and bytes. */
export function webSourceFingerprint(): string {
  const files = webSourceFiles();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.relative(REPO_ROOT, file)).update('\0');
    hash.update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function stampPath(outDir: string): string {
  return path.join(path.dirname(outDir), STAMP);
}

export function webBuildIsCurrent(outDir: string, fingerprint = webSourceFingerprint()): boolean {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampPath(outDir), 'utf8')) as { fingerprint?: string };
    return stamp.fingerprint === fingerprint && fs.existsSync(path.join(outDir, 'index.html'));
  } catch {
    return false;
  }
}

function runVite(outDir: string, say: (message: string) => void): Promise<void> {
  const vite = path.join(path.dirname(createRequire(path.join(WEB, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], { cwd: WEB, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        if (output.trim()) say(output.trim());
        resolve();
      } else reject(new Error(`building the web app failed (vite exited ${code}):\n${output}`));
    });
  });
}

async function withLock<T>(lockDir: string, work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A build that died long ago left its lock behind: take it over.
      const age = Date.now() - fs.statSync(lockDir, { throwIfNoEntry: false })!.mtimeMs;
      if (Number.isFinite(age) && age > LOCK_STALE_MS) fs.rmSync(lockDir, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Builds when the sources changed (or `force`); returns whether it built. */
export async function ensureWebBuilt(options: { outDir: string; force?: boolean; say?: (message: string) => void }): Promise<boolean> {
  const say = options.say ?? (() => undefined);
  const outDir = path.resolve(options.outDir);
  if (!options.force && webBuildIsCurrent(outDir)) return false;
  return withLock(`${outDir}.lock`, async () => {
    // Someone else may have built it while we waited for the lock.
    const fingerprint = webSourceFingerprint();
    if (!options.force && webBuildIsCurrent(outDir, fingerprint)) return false;
    say('building the web app (its sources changed since the last build)…');
    const started = Date.now();
    await runVite(outDir, say);
    fs.writeFileSync(stampPath(outDir), `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString() })}\n`);
    say(`web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return true;
  });
}
