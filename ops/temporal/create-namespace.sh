#!/bin/sh
# Run by the compose file's temporal-namespace service once the server answers: registers the
# namespace Taalmel uses (the auto-setup image did this for development) unless it exists.
set -eu
NS="${TEMPORAL_NAMESPACE:-default}"
if temporal operator namespace describe --namespace "$NS" > /dev/null 2>&1; then
  echo "Temporal namespace ${NS}: exists"
else
  temporal operator namespace create --namespace "$NS" --retention "${TEMPORAL_RETENTION:-30d}"
  echo "Temporal namespace ${NS}: created"
fi
