import type { Knex } from 'knex';

/**
 * The figures the api's GET /metrics needs from every firm at once, as numbers only. The api has no
 * system context (it cannot read across firms), so it reads them through this one function, which
 * runs as its owner in the system context and returns aggregates: no row, id or name of any firm.
 * EXECUTE goes to the application role only.
 */
const OPS_METRICS = `
CREATE OR REPLACE FUNCTION ops_metrics()
RETURNS TABLE (last_verified_backup_at timestamptz, last_drill_status text, last_drill_at timestamptz, emails jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET app.system = 'on' SET app.firm_id = '' AS $fn$
  SELECT
    (SELECT max(coalesce(drill_finished_at, dump_finished_at)) FROM backups WHERE status = 'verified'),
    d.drill_status,
    d.drill_finished_at,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('audience', e.audience, 'status', e.status, 'count', e.n)), '[]'::jsonb)
       FROM (SELECT audience, status, count(*) AS n FROM outbox
              WHERE status IN ('sent', 'failed') AND updated_at > now() - interval '1 hour'
              GROUP BY audience, status) e)
  FROM (SELECT 1) one
  LEFT JOIN LATERAL (
    SELECT drill_status, drill_finished_at FROM backups
     WHERE drill_status IN ('passed', 'failed') AND drill_finished_at IS NOT NULL
     ORDER BY drill_finished_at DESC LIMIT 1
  ) d ON true
$fn$;
REVOKE ALL ON FUNCTION ops_metrics() FROM PUBLIC;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(OPS_METRICS);
  await knex.raw(`DO $grant$ BEGIN
    EXECUTE format('GRANT EXECUTE ON FUNCTION ops_metrics() TO %I', current_setting('taalmel.app_role'));
  END $grant$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS ops_metrics()');
}
