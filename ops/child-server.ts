/**
 * A server we run as a child process (PostgreSQL, the Temporal dev server). It gets its own process
 * group, so a Ctrl-C in the terminal reaches only us and we stop children in order (worker drain
 * first, servers last). Should we exit any other way, the children are killed on our way out.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export type ChildServer = {
  process: ChildProcess;
  output(): string;
  /** Set once the process ended or could not be spawned at all (EACCES, ENOENT…). */
  ended(): { code: number | null; error: Error | null } | null;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
};

/**
 * A child server that would not start, said in one line: which server, what went wrong, what to do.
 * `detail` (its output, the system error) is for the debug log, not for the person starting it.
 */
export class ChildServerError extends Error {
  constructor(
    readonly server: string,
    problem: string,
    remedy: string,
    readonly detail: string,
  ) {
    super(`${server} could not start: ${problem}. ${remedy.charAt(0).toUpperCase()}${remedy.slice(1)}.`);
    this.name = 'ChildServerError';
  }
}

/** The one-line reason a spawn failed, from its system error (a binary we may not run, a missing one). */
export function spawnProblem(binary: string, error: Error | null): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EACCES') return `${binary} may not be run by the user it runs as (EACCES)`;
  if (code === 'ENOENT') return `${binary} does not exist (ENOENT)`;
  return error ? `${binary} could not be run (${error.message})` : null;
}

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
  let ended: { code: number | null; error: Error | null } | null = null;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      running.delete(child);
      ended ??= { code: -1, error };
      resolve(-1);
    });
    child.once('exit', (code) => {
      running.delete(child);
      ended ??= { code, error: null };
      resolve(code);
    });
  });
  return {
    process: child,
    output: () => output,
    ended: () => ended,
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
