/**
 * The api's request limits with their defaults (api/app.ts `requestLimits`): an upload already read
 * waits longer than a read for its firm's turn to be stored, but never unboundedly, since it keeps
 * a parse slot of the process while it waits.
 */
import knexFactory from 'knex';
import { DEFAULT_UPLOAD_STORE_WAIT_MS, DEFAULT_UPLOAD_TIMEOUT_MS, requestLimits, type AppDeps } from '../../../api/app';

const knex = knexFactory({ client: 'pg', pool: { min: 0, max: 8 } });
afterAll(() => knex.destroy());

const depsWith = (limits: AppDeps['limits']): AppDeps => ({ knex, limits }) as unknown as AppDeps;

describe('requestLimits', () => {
  it('gives a read upload a bounded wait to be stored, longer than a read waits and shorter than the upload deadline', () => {
    const limits = requestLimits(depsWith(undefined));
    expect(limits.uploadStoreWaitMs).toBe(DEFAULT_UPLOAD_STORE_WAIT_MS);
    expect(limits.uploadStoreWaitMs).toBeGreaterThan(limits.firmWaitMs);
    expect(limits.uploadStoreWaitMs).toBeLessThan(DEFAULT_UPLOAD_TIMEOUT_MS);
    expect(limits.perFirmConnections).toBe(4);
  });

  it('never lets the store wait outlast a shorter upload deadline, and takes an explicit wait as given', () => {
    expect(requestLimits(depsWith({ uploadTimeoutMs: 30_000 })).uploadStoreWaitMs).toBe(30_000);
    expect(requestLimits(depsWith({ uploadStoreWaitMs: 7_000 })).uploadStoreWaitMs).toBe(7_000);
    // Never less than a read of the firm waits, whatever the deadline (the deadline still ends it).
    expect(requestLimits(depsWith({ uploadTimeoutMs: 2_000 })).uploadStoreWaitMs).toBe(5_000);
  });
});
