/** The api's database pool (tarn, under knex): connections in use, idle, being opened, and requests waiting for one. */
import type { Knex } from 'knex';
import { Gauge, type Registry } from 'prom-client';

type TarnPool = { numUsed(): number; numFree(): number; numPendingAcquires(): number; numPendingCreates(): number; max: number };

function poolOf(knex: Knex): TarnPool | null {
  return ((knex.client as { pool?: TarnPool }).pool ?? null) as TarnPool | null;
}

export function poolMetrics(registry: Registry, knex: Knex): void {
  new Gauge({
    name: 'taalmel_db_pool_connections',
    help: 'Database pool connections by state: used, free, pending (being opened), max (the pool size).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const pool = poolOf(knex);
      if (!pool) return;
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'pending' }, pool.numPendingCreates());
      this.set({ state: 'max' }, pool.max);
    },
  });
  new Gauge({
    name: 'taalmel_db_pool_waiting_requests',
    help: 'Queries waiting for a database connection from the pool.',
    registers: [registry],
    collect() {
      this.set(poolOf(knex)?.numPendingAcquires() ?? 0);
    },
  });
}
