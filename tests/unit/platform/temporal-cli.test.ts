import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemporalCli, temporalCliCacheDir } from '../../../ops/temporal-cli';

function fakeExecutable(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

describe('finding the Temporal CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prefers TEMPORAL_CLI_PATH', async () => {
    const explicit = fakeExecutable(dir, 'my-temporal');
    await expect(resolveTemporalCli({ explicitPath: explicit, env: { PATH: '' } })).resolves.toBe(explicit);
  });

  it('refuses a TEMPORAL_CLI_PATH that is not executable', async () => {
    await expect(resolveTemporalCli({ explicitPath: path.join(dir, 'missing'), env: {} })).rejects.toThrow(/TEMPORAL_CLI_PATH/);
  });

  it('then `temporal` on PATH', async () => {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const onPath = fakeExecutable(bin, 'temporal');
    await expect(resolveTemporalCli({ env: { PATH: bin, TAALMEL_CACHE_DIR: path.join(dir, 'cache') } })).resolves.toBe(onPath);
  });

  it('then the cached build outside the repository', async () => {
    const env = { PATH: '', TAALMEL_CACHE_DIR: path.join(dir, 'cache') };
    const cacheDir = temporalCliCacheDir(env);
    fs.mkdirSync(cacheDir, { recursive: true });
    const cached = fakeExecutable(cacheDir, 'temporal');
    await expect(resolveTemporalCli({ env })).resolves.toBe(cached);
    expect(cacheDir).toContain(path.join('temporal-cli', 'v1.5.1'));
  });
});
