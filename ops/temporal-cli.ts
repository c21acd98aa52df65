/**
 * Finds the Temporal CLI (which contains the Temporal dev server and its Web UI), in this order:
 *   1. TEMPORAL_CLI_PATH;
 *   2. `temporal` on PATH;
 *   3. a binary cached outside the repository (so every clone and CI run on a machine reuses it),
 *      built once with `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` when Go is present;
 *   4. otherwise null, and callers fall back to the Temporal SDK's own download (needs internet).
 * v1.5.1 is pinned because later tags carry a `replace` directive that `go install` refuses.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ChildServerError } from './child-server';
import { buildWithGo, goBinary, isExecutable, onPath, taalmelCacheDir, type Say } from './go-binaries';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(taalmelCacheDir(env), 'temporal-cli', TEMPORAL_CLI_VERSION);
}

export type ResolveOptions = { explicitPath?: string; env?: NodeJS.ProcessEnv; say?: Say };

/** The Temporal CLI's path, building it when needed; null when it can only come from the SDK's download. */
export async function resolveTemporalCli(options: ResolveOptions = {}): Promise<string | null> {
  const env = options.env ?? process.env;
  const say = options.say ?? ((message: string) => process.stderr.write(`${message}\n`));
  if (options.explicitPath) {
    if (!isExecutable(options.explicitPath)) {
      throw new ChildServerError('The Temporal dev server', `TEMPORAL_CLI_PATH=${options.explicitPath} is not an executable file`, 'point TEMPORAL_CLI_PATH at the temporal binary, or unset it', '');
    }
    return options.explicitPath;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;

  const cacheDir = temporalCliCacheDir(env);
  const cached = path.join(cacheDir, 'temporal');
  if (isExecutable(cached)) return cached;

  const go = goBinary(env);
  if (go) return buildWithGo({ go, goPackage: GO_PACKAGE, cacheDir, binaryName: 'temporal', label: `the Temporal CLI ${TEMPORAL_CLI_VERSION}`, say });
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
