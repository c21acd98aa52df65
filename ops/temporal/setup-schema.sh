#!/bin/sh
# Run by the compose file's temporal-schema service (the temporalio/admin-tools image) before the
# Temporal server starts, as Temporal documents for production instead of the auto-setup image:
# creates Temporal's two databases on the PostgreSQL server and brings their schemas to the versions
# the image ships. Every step is safe to repeat: a second `up` finds everything in place.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT="${DB_PORT:-5432}"
SCHEMA=/etc/temporal/schema/postgresql/v12

tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$PORT" "$@"; }

for db in temporal:temporal temporal_visibility:visibility; do
  name="${db%%:*}"; dir="${db##*:}"
  echo "Temporal schema: database ${name}"
  tool --db "$name" create
  tool --db "$name" setup-schema -v 0.0
  tool --db "$name" update-schema -d "$SCHEMA/$dir/versioned"
done
echo "Temporal schema: up to date"
