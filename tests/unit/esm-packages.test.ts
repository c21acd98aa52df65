import cron from 'node-cron';
import * as jose from 'jose';

describe('ESM-only packages load under jest', () => {
  it('loads adminjs and its Koa adapter', async () => {
    const adminjs = await import('adminjs');
    const koaAdapter = await import('@adminjs/koa');
    expect(typeof adminjs.default).toBe('function');
    expect(typeof koaAdapter.default.buildRouter).toBe('function');
  });
  it('loads jose and node-cron', () => {
    expect(typeof jose.SignJWT).toBe('function');
    expect(cron.validate('0 2 * * *')).toBe(true);
  });
});
