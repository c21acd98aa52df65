/**
 * The scheduler's health check fails when the scheduler stops ticking: the real scheduler process
 * (`ops/run-scheduler.ts`) against the real Temporal server, with a two-second heartbeat, and the
 * container's check command (`ops/check-scheduler-health.ts`) run as docker runs it. The scheduler is
 * made stuck for real (SIGSTOP: its event loop and cron engine stop), resumed (SIGCONT), stopped
 * (SIGTERM); a second scheduler points at a port where no Temporal answers. The scheduler never
 * connects to PostgreSQL, so its DATABASE_URL names nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../ops/ports';
import { eventually } from '../../harness/eventually';
import { harnessValue } from '../../harness/harness-env';
import { TEST_PAYLOAD_KEYS } from '../../harness/temporal';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('the scheduler health check', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-scheduler-health-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const env = (file: string, temporalAddress: string) => ({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATABASE_URL: 'postgres://unused:unused@127.0.0.1:1/unused',
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS.spec,
    TEMPORAL_PAYLOAD_KEY_CURRENT: TEST_PAYLOAD_KEYS.current,
    SCHEDULER_HEARTBEAT_FILE: file,
    SCHEDULER_HEARTBEAT_SECONDS: '2',
  });
  function startScheduler(file: string, temporalAddress: string): { child: ChildProcess; output: () => string } {
    let output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'ops/run-scheduler.ts'], { cwd: ROOT, env: env(file, temporalAddress), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    children.push(child);
    return { child, output: () => output };
  }
  /** The container's health check, as docker runs it (a process of its own, its exit status the answer). */
  function check(file: string): { code: number | null; said: string } {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'ops/check-scheduler-health.ts'], { cwd: ROOT, env: env(file, 'unused:1'), encoding: 'utf8' });
    return { code: run.status, said: `${run.stdout}${run.stderr}`.trim() };
  }

  it('is healthy while the scheduler ticks, unhealthy while it is stuck or stopped', async () => {
    const file = path.join(dir, 'heartbeat.json');
    expect(check(file)).toEqual({ code: 1, said: 'unhealthy: no heartbeat: the scheduler has not ticked yet' });

    const { child, output } = startScheduler(file, harnessValue('temporalAddress'));
    const healthy = await eventually('the scheduler to report healthy', () => {
      if (child.exitCode !== null) throw new Error(`the scheduler exited: ${output()}`);
      const result = check(file);
      return result.code === 0 ? result : null;
    }, 90_000, 200);
    expect(healthy.said).toMatch(/^healthy: ticked \d+ s ago; Temporal answers$/);

    // Stuck: the process is frozen, so nothing ticks; within three missed beats the check fails.
    child.kill('SIGSTOP');
    try {
      const stuck = await eventually('the check to fail while the scheduler is stuck', () => {
        const result = check(file);
        return result.code === 1 ? result : null;
      }, 90_000, 500);
      expect(stuck.said).toMatch(/^unhealthy: the last tick was \d+ s ago \(expected every 2 s\): the scheduler is stuck or stopped$/);
    } finally {
      child.kill('SIGCONT');
    }
    // Each look is a process of its own (seconds to start on a busy machine): the same budget as the first.
    await eventually('the check to pass once the scheduler ticks again', () => check(file).code === 0, 90_000, 200);

    // Stopped: the scheduler removes its heartbeat, so its last beat does not vouch for it.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    expect(check(file)).toEqual({ code: 1, said: 'unhealthy: no heartbeat: the scheduler has not ticked yet' });
  });

  it('is unhealthy while Temporal, where its jobs start, does not answer', async () => {
    const file = path.join(dir, 'no-temporal.json');
    const { child, output } = startScheduler(file, `127.0.0.1:${await freePort()}`);
    const result = await eventually('the scheduler to beat without Temporal', () => {
      if (child.exitCode !== null) throw new Error(`the scheduler exited: ${output()}`);
      return fs.existsSync(file) ? check(file) : null;
    }, 90_000, 200);
    expect(result.code).toBe(1);
    expect(result.said).toMatch(/^unhealthy: Temporal did not answer the last tick/);
    child.kill('SIGTERM');
  });
});
