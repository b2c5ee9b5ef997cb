# syntax=docker/dockerfile:1
# Build stage: dev dependencies (TypeScript, AssemblyScript) compile src/ and wasm/, and
# node-gyp compiles isolated-vm's native module (the sandbox of user functions) with the
# toolchain installed here only.
FROM node:22-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY wasm ./wasm
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: production dependencies (isolated-vm already built, so no compiler here),
# the compiled server and the WebAssembly kernels only. One image, two roles: the API server
# (the default command) and a distributed-mode worker (`node dist/worker.js`, see
# docker-compose.yml), which touches WORKER_HEALTH_FILE after every heartbeat to Redis.
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 WORKER_HEALTH_FILE=/tmp/crunch-worker.health
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/wasm/build ./wasm/build
USER node
EXPOSE 3000
# Either role: a worker is healthy while its heartbeat file is fresh (it has no HTTP port),
# a server while GET /healthz answers (src/healthcheck.ts).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["node", "dist/healthcheck.js"]
# Exec form: node is PID 1 and receives SIGTERM itself, so `docker stop` drains in-flight
# requests, and a worker finishes or hands back its jobs.
CMD ["node", "dist/server.js"]
