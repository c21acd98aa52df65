/**
 * runTool, the way pg_dump and pg_restore run: stopping it (an activity's cancellation) kills the
 * child, SIGTERM first and SIGKILL for one that ignores it, and rejects with the cancellation's reason
 * only once the child has exited. Real child processes (sh and sleep) stand in for the tools.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../../../activities/backup-tools';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pidFrom(file: string): Promise<number> {
  for (let i = 0; i < 200; i += 1) {
    if (fs.existsSync(file)) return Number(fs.readFileSync(file, 'utf8'));
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the tool never wrote ${file}`);
}

describe('runTool', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-run-tool-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A tool that records its pid, then runs for a minute (exec: the pid is the spawned process's). */
  function stuckTool(options: { ignoreSigterm: boolean }): { binary: string; pidFile: string } {
    const pidFile = path.join(dir, 'tool.pid');
    const binary = path.join(dir, 'stuck-tool');
    const trap = options.ignoreSigterm ? "trap '' TERM\n" : '';
    // An ignored signal stays ignored across exec, so sleep ignores SIGTERM too.
    fs.writeFileSync(binary, `#!/bin/sh\n${trap}echo $$ > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile}\nexec sleep 60\n`, { mode: 0o755 });
    return { binary, pidFile };
  }

  it('kills a running tool with SIGTERM when stopped and rejects with the reason once it has exited', async () => {
    const { binary, pidFile } = stuckTool({ ignoreSigterm: false });
    const stop = new AbortController();
    const running = runTool(binary, [], { env: process.env, signal: stop.signal });
    const outcome = running.then(() => null, (error: unknown) => error);
    const pid = await pidFrom(pidFile);
    expect(alive(pid)).toBe(true);

    const reason = new Error('activity cancelled');
    const started = Date.now();
    stop.abort(reason);
    expect(await outcome).toBe(reason);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(alive(pid)).toBe(false);
  });

  it('kills a tool that ignores SIGTERM with SIGKILL after killAfterMs', async () => {
    const { binary, pidFile } = stuckTool({ ignoreSigterm: true });
    const stop = new AbortController();
    const running = runTool(binary, [], { env: process.env, signal: stop.signal, killAfterMs: 300 });
    const outcome = running.then(() => null, (error: unknown) => error);
    const pid = await pidFrom(pidFile);

    const started = Date.now();
    stop.abort(new Error('stop'));
    // Still running after SIGTERM, within the delay.
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(true);
    expect(await outcome).toEqual(new Error('stop'));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(3_000);
    expect(alive(pid)).toBe(false);
  });

  it('does not start a tool when already stopped', async () => {
    const { binary, pidFile } = stuckTool({ ignoreSigterm: false });
    const reason = new Error('cancelled before it began');
    await expect(runTool(binary, [], { env: process.env, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await new Promise((r) => setTimeout(r, 100));
    expect(fs.existsSync(pidFile)).toBe(false);
  });

  it('still resolves on success and reports a failing exit with its stderr', async () => {
    await expect(runTool('/bin/sh', ['-c', 'exit 0'], { env: process.env })).resolves.toBeUndefined();
    await expect(runTool('/bin/sh', ['-c', 'echo "no such table" >&2; exit 3'], { env: process.env, signal: new AbortController().signal })).rejects.toThrow(
      'sh exited with 3: no such table',
    );
  });
});
