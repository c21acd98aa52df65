/**
 * Finding the servers we run from Go binaries (the Temporal CLI, Mailpit): on PATH, in a cache
 * outside the repository (so every clone and CI run on a machine reuses one build), or built once
 * with `go install` into that cache when Go is present.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Say = (message: string) => void;

/** `~/.cache/taalmel` (or TAALMEL_CACHE_DIR, or under XDG_CACHE_HOME). */
export function taalmelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TAALMEL_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'taalmel');
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

export function goBinary(env: NodeJS.ProcessEnv): string | null {
  return onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
}

/** `go install <goPackage>` with GOBIN=cacheDir; resolves to the built binary's path. */
export async function buildWithGo(options: { go: string; goPackage: string; cacheDir: string; binaryName: string; label: string; say: Say }): Promise<string> {
  const { go, goPackage, cacheDir, label, say } = options;
  fs.mkdirSync(cacheDir, { recursive: true });
  say(`Building ${label} with Go into ${cacheDir} (first time only; a few minutes)…`);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', '-v', goPackage], {
      env: { ...process.env, GOBIN: cacheDir, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let packages = 0;
    let tail = '';
    const ticker = setInterval(() => {
      say(`  …still building ${label} (${Math.round((Date.now() - started) / 1000)} s, ${packages} packages compiled)`);
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
      else reject(new Error(`go install ${goPackage} failed with exit code ${code}:\n${tail}`));
    });
  });
  say(`${label} built in ${Math.round((Date.now() - started) / 1000)} s.`);
  return path.join(cacheDir, options.binaryName);
}
