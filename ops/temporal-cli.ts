/**
 * Finds the Temporal CLI (which contains the Temporal dev server and its Web UI), in this order:
 *   1. TEMPORAL_CLI_PATH;
 *   2. `temporal` on PATH;
 *   3. a binary cached outside the repository (so every clone and CI run on a machine reuses it),
 *      built once with `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` when Go is present;
 *   4. otherwise null, and callers fall back to the Temporal SDK's own download (needs internet).
 * v1.5.1 is pinned because later tags carry a `replace` directive that `go install` refuses.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

type Say = (message: string) => void;

export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.TAALMEL_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'taalmel');
  return path.join(base, 'temporal-cli', TEMPORAL_CLI_VERSION);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function goBinary(env: NodeJS.ProcessEnv): string | null {
  return onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
}

async function buildWithGo(go: string, cacheDir: string, say: Say): Promise<string> {
  fs.mkdirSync(cacheDir, { recursive: true });
  say(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${cacheDir} (first time only; a few minutes)…`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', '-v', GO_PACKAGE], {
      env: { ...process.env, GOBIN: cacheDir, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let packages = 0;
    let tail = '';
    const ticker = setInterval(() => {
      say(`  …still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s, ${packages} packages compiled)`);
    }, 15_000);
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      packages += text.split('\n').filter((line) => line && !line.startsWith('go: downloading')).length;
      tail = (tail + text).slice(-4000);
    });
    child.on('error', (error) => {
      clearInterval(ticker);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`go install ${GO_PACKAGE} failed with exit code ${code}:\n${tail}`));
    });
  });
  say(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s.`);
  return path.join(cacheDir, 'temporal');
}

export type ResolveOptions = { explicitPath?: string; env?: NodeJS.ProcessEnv; say?: Say };

/** The Temporal CLI's path, building it when needed; null when it can only come from the SDK's download. */
export async function resolveTemporalCli(options: ResolveOptions = {}): Promise<string | null> {
  const env = options.env ?? process.env;
  const say = options.say ?? ((message: string) => process.stderr.write(`${message}\n`));
  if (options.explicitPath) {
    if (!isExecutable(options.explicitPath)) throw new Error(`TEMPORAL_CLI_PATH=${options.explicitPath} is not an executable file`);
    return options.explicitPath;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;

  const cacheDir = temporalCliCacheDir(env);
  const cached = path.join(cacheDir, 'temporal');
  if (isExecutable(cached)) return cached;

  const go = goBinary(env);
  if (go) return buildWithGo(go, cacheDir, say);
  say('No Temporal CLI found and Go is not installed: falling back to the Temporal SDK download (needs internet).');
  return null;
}

export function temporalCliVersion(binary: string): string {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return (result.stdout || result.stderr).trim();
}

if (require.main === module) {
  resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH || undefined })
    .then((binary) => {
      process.stdout.write(`${binary ?? '(none: the SDK download will be used)'}\n`);
      if (binary) process.stdout.write(`${temporalCliVersion(binary)}\n`);
    })
    .catch((error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    });
}
