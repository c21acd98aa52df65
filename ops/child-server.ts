/**
 * A server we run as a child process (PostgreSQL, the Temporal dev server). It gets its own process
 * group, so a Ctrl-C in the terminal reaches only us and we stop children in order (worker drain
 * first, servers last). Should we exit any other way, the children are killed on our way out.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export type ChildServer = { process: ChildProcess; output(): string; exited: Promise<number | null>; stop(signal?: NodeJS.Signals): Promise<void> };

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function spawnChildServer(
  command: string,
  args: string[],
  options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): ChildServer {
  installExitHook();
  const spawnOptions: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: options.env ?? process.env };
  if (options.uid !== undefined) spawnOptions.uid = options.uid;
  if (options.gid !== undefined) spawnOptions.gid = options.gid;
  const child = spawn(command, args, spawnOptions);
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-16_000);
    for (const line of text.split('\n')) if (line.trim()) options.onLine?.(line.trim());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  return {
    process: child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null || !running.has(child)) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
