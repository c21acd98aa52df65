/** Runs `npm start` (ops/dev.ts) as a child process the way a user does, for end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');

export type Started = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

/** `npm start` in `cwd` (this checkout unless a test made a copy elsewhere). */
export function startStack(env: Record<string, string>, cwd = ROOT): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', 'ops/dev.ts'], {
    cwd,
    env: { ...process.env, ...env, LOG_LEVEL: 'info', NODE_ENV: 'development', DATABASE_URL: '', TEMPORAL_ADDRESS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function waitFor(started: Started, text: string, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes(text)) {
    if (started.child.exitCode !== null) throw new Error(`exited early:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const READY_LINE = 'Ctrl-C stops everything';
