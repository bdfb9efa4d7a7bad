# syntax=docker/dockerfile:1
# Switchyard's production image: `docker build -t switchyard .`
# Build stage: every dependency, then the server (tsc) and the web console (esbuild).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts skipped: `prepare` builds from sources not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY gen ./gen
COPY src ./src
RUN npm run build:ui && npm run build \
  && npm prune --omit=dev --no-audit --no-fund --ignore-scripts

# Run stage: production dependencies and the built output only, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=4000 \
    SWITCHYARD_DATA_DIR=/data
WORKDIR /app
# tini as PID 1: signals reach node (SIGTERM starts the drain), zombies are reaped.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The embedded store's data dir (only used without DATABASE_URL) is the one writable place.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
# CONFIG names a mounted LiteLLM-style YAML (e.g. /etc/switchyard/config.yaml); unset: the demo config.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health/liveliness').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# V8's young generation at 8 MiB a semi-space, as `make run` starts it (src/server/heap-tuning.ts).
ENV NODE_OPTIONS="--max-semi-space-size=8"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/src/main.js"]
