/**
 * GET /readyz's 503 while the api starts is expected (the worker has not polled yet): it is logged
 * at info until the api has been ready once or the start grace has passed; after that a 503 is an
 * outage, logged as an error. The probe's own history decides, on an injected clock.
 */
import type { Knex } from 'knex';
import { ReadinessProbe, readinessLogLevel, READINESS_START_GRACE_MS } from '../../../api/health/readiness';
import type { TemporalHandle } from '../../../api/temporal-client';

describe('the level a readiness answer is logged at', () => {
  it('is info for a not-yet-ready start within the grace, error after it or once ready', () => {
    const grace = READINESS_START_GRACE_MS;
    expect([
      readinessLogLevel({ ready: false, everReady: false, sinceStartMs: 0 }),
      readinessLogLevel({ ready: false, everReady: false, sinceStartMs: grace - 1 }),
      readinessLogLevel({ ready: false, everReady: false, sinceStartMs: grace }),
      readinessLogLevel({ ready: false, everReady: true, sinceStartMs: 5 }),
      readinessLogLevel({ ready: true, everReady: false, sinceStartMs: 0 }),
    ]).toEqual(['info', 'info', 'error', 'error', 'info']);
  });

  it('follows the probe: info while starting, error when it goes down after being ready', async () => {
    let now = 1_000_000;
    let pollers = 0; // no worker polls yet: not ready
    let databaseUp = true;
    const knex = { raw: () => ({ timeout: () => (databaseUp ? Promise.resolve({}) : Promise.reject(new Error('down'))) }) } as unknown as Knex;
    const temporal = {
      connection: { withDeadline: (_d: number, fn: () => Promise<unknown>) => fn(), workflowService: { describeTaskQueue: async () => ({ pollers: Array.from({ length: pollers }, () => ({})) }) } },
      client: { options: { namespace: 'default' } },
      taskQueue: 'q',
    } as unknown as TemporalHandle;
    const probe = new ReadinessProbe({ knex, temporal, ttlMs: 0, now: () => now });
    const answer = async () => {
      const { ready, level } = await probe.check();
      return { ready, level };
    };
    expect(await answer()).toEqual({ ready: false, level: 'info' });
    pollers = 1;
    now += 1000;
    expect(await answer()).toEqual({ ready: true, level: 'info' });
    databaseUp = false;
    now += 1000;
    expect(await answer()).toEqual({ ready: false, level: 'error' });
  });

  it('is error when the api never became ready within the grace', async () => {
    let now = 0;
    const knex = { raw: () => ({ timeout: () => Promise.reject(new Error('down')) }) } as unknown as Knex;
    const temporal = {
      connection: { withDeadline: (_d: number, fn: () => Promise<unknown>) => fn(), workflowService: { describeTaskQueue: async () => ({ pollers: [{}] }) } },
      client: { options: { namespace: 'default' } },
      taskQueue: 'q',
    } as unknown as TemporalHandle;
    const probe = new ReadinessProbe({ knex, temporal, ttlMs: 0, now: () => now, graceMs: 10_000 });
    expect((await probe.check()).level).toBe('info');
    now = 10_000;
    expect((await probe.check()).level).toBe('error');
  });
});
