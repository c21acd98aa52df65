/**
 * The short transactions of a `transaction: 'handler'` route (api/routes.ts) against real
 * PostgreSQL: each runs on the api's pool under the caller's firm, holds one of the firm's slots
 * only while it runs, and none opens inside another. The declarations are checked too: a public
 * route takes no transaction option (at mount, and in the types), a default route's handler has no
 * `tenantTransaction` and a handler-mode route's has no `trx` (the `@ts-expect-error` lines fail
 * the typecheck if either becomes possible).
 */
import Router from '@koa/router';
import pino from 'pino';
import { FirmGate } from '../../../api/limits/firm-gate';
import { boundTenantTransaction, mountRoutes, route, type RouteDeps } from '../../../api/routes';
import { runWithContext } from '../../../db/request-context';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

describe('transactions a handler-mode route opens itself', () => {
  let db: TestDatabase;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await db.drop();
  });

  function bound(gate: FirmGate) {
    const admin = firm.users.firm_admin;
    const scope = { firmId: firm.id, clientId: null, actor: { userId: admin.id, email: admin.email, role: admin.role }, requestId: 'req-handler-trx' };
    return boundTenantTransaction({ knex: db.app, firmGate: gate }, { method: 'POST', path: '/api/example', state: { requestId: 'req-handler-trx', deadline: new AbortController().signal } }, scope);
  }

  it("runs under the caller's firm, holding one of the firm's slots only while it runs", async () => {
    const gate = new FirmGate({ perFirm: 1, waitMs: 200 });
    const tenantTransaction = bound(gate);
    const seen = await tenantTransaction(async (trx) => {
      const { rows } = await trx.raw(`select current_setting('app.firm_id', true) as firm`);
      return { firm: rows[0].firm as string, slots: gate.inUse(firm.id) };
    });
    expect({ ...seen, slotsAfter: gate.inUse(firm.id) }).toEqual({ firm: firm.id, slots: 1, slotsAfter: 0 });
  });

  it('waits for a slot of its firm like any request, and gives up with 503 unavailable', async () => {
    const gate = new FirmGate({ perFirm: 1, waitMs: 200 });
    const release = await gate.enter(firm.id);
    try {
      await expect(bound(gate)(async () => 'ran')).rejects.toMatchObject({ status: 503, code: 'unavailable' });
    } finally {
      release();
    }
  });

  it('refuses one opened inside another, or inside a request transaction', async () => {
    const gate = new FirmGate({ perFirm: 2, waitMs: 200 });
    const tenantTransaction = bound(gate);
    await expect(tenantTransaction(() => tenantTransaction(async () => 'inner'))).rejects.toThrow(/inside another/);
    await expect(db.app.transaction((trx) => runWithContext({ requestId: 'req-outer', trx }, () => tenantTransaction(async () => 'inner')))).rejects.toThrow(/inside another/);
    expect(gate.inUse(firm.id)).toBe(0);
  });
});

describe('route declarations', () => {
  const deps = { knex: {}, firmGate: new FirmGate({ perFirm: 1, waitMs: 1 }), logger: pino({ level: 'silent' }) } as unknown as RouteDeps;

  it('refuses a transaction option on a public route when mounting', () => {
    const spec = { method: 'get', path: '/api/public-example', action: 'public', transaction: 'handler', handler: () => undefined };
    expect(() => mountRoutes(new Router(), [spec as never], deps)).toThrow(/is public: it takes no transaction option/);
  });

  it('gives each kind of handler only its own kind of transaction (typecheck)', () => {
    const specs = [
      route({
        method: 'get',
        path: '/api/request-example',
        action: 'secrets.read',
        async handler(ctx) {
          // @ts-expect-error a default route runs inside the request's transaction: it opens none of its own
          await ctx.state.tenantTransaction(async () => undefined);
          await ctx.state.trx.raw('select 1');
        },
      }),
      route({
        method: 'post',
        path: '/api/handler-example',
        action: 'secrets.update',
        transaction: 'handler',
        async handler(ctx) {
          // @ts-expect-error a handler-mode route has no request transaction
          await ctx.state.trx.raw('select 1');
          await ctx.state.tenantTransaction((trx) => trx.raw('select 1'));
        },
      }),
      // @ts-expect-error a public route has no session, so no transaction to choose
      route({ method: 'get', path: '/api/public-example', action: 'public', transaction: 'handler', handler: () => undefined }),
    ];
    expect(specs.map((s) => s.transaction ?? 'request')).toEqual(['request', 'handler', 'handler']);
  });
});
