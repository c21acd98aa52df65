import type { Knex } from 'knex';

/**
 * A close request can end as `abandoned` (docs/period-close.md, "A request whose workflow ended"):
 * its workflow is no longer running (terminated by ops, or a restore brought back a row whose
 * workflow had already ended) although the row still said pending. Nothing was decided; the period
 * goes back to where it was, so a new close can be requested.
 */
const WITHOUT = ['pending', 'approved', 'rejected', 'withdrawn', 'stale', 'expired'];

/** Drops the CHECK constraint of close_requests.status (knex named it itself), so another can replace it. */
async function dropStatusCheck(knex: Knex): Promise<void> {
  const found = await knex.raw(
    `select c.conname from pg_constraint c join pg_class t on t.oid = c.conrelid
      where t.relname = 'close_requests' and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%status = ANY%'`,
  );
  for (const { conname } of found.rows as Array<{ conname: string }>) await knex.raw('ALTER TABLE close_requests DROP CONSTRAINT ??', [conname]);
}

const check = (statuses: string[]) => `ALTER TABLE close_requests ADD CONSTRAINT close_requests_status_check CHECK (status IN (${statuses.map((s) => `'${s}'`).join(', ')}))`;

export async function up(knex: Knex): Promise<void> {
  await dropStatusCheck(knex);
  await knex.raw(check([...WITHOUT, 'abandoned']));
}

export async function down(knex: Knex): Promise<void> {
  // An abandoned request ended without a decision, which the older schema can only call expired.
  await knex('close_requests').where({ status: 'abandoned' }).update({ status: 'expired' });
  await dropStatusCheck(knex);
  await knex.raw(check(WITHOUT));
}
