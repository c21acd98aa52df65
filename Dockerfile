# Multi-stage build: compile TypeScript and prebuild the workflow bundle, then ship only the
# production dependencies and compiled JavaScript. One image runs api, worker, scheduler or migrate.
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The web app is an npm workspace: its manifest must be there for npm ci.
COPY web/package.json web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20.20-bookworm-slim AS runtime
# pg_dump/pg_restore of the server's major version, for backups and restore drills.
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client-15 \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    ADMIN_JS_TMP_DIR=/tmp/adminjs
COPY package.json package-lock.json ./
COPY web/package.json web/
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf /root/.npm
# dist/web is the built web app the api serves at / (WEB_DIR).
COPY --from=build /app/dist ./dist
# The console dashboard's component source: AdminJS bundles it when the api starts.
COPY --from=build /app/admin/components ./dist/admin/components
# The folders the processes write (docker-compose.yml mounts volumes on them): made here and owned by
# node, so a fresh named volume takes their owner and mode instead of root's.
RUN mkdir -p /app/.data/exports /app/.data/files /backups /tmp/adminjs \
  && chown -R node:node /app/.data /backups /tmp/adminjs \
  && chmod 700 /app/.data/exports /app/.data/files /backups
USER node
EXPOSE 3000
# Override per service: dist/ops/run-worker.js (with --max-semi-space-size=64: the matcher allocates
# many short-lived objects, see domain/recon/README.md), dist/ops/run-scheduler.js, dist/ops/run-migrations.js
CMD ["node", "dist/ops/run-api.js"]
