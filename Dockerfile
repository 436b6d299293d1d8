# syntax=docker/dockerfile:1
#
# Ballast. `docker build .` makes the production image (the last stage,
# `runtime`); `docker build --target upstream .` makes the test upstream that
# docker-compose.yml runs beside it.
#
#   deps       every dependency, dev included: what compiling needs
#   build      src/ + libs/ -> dist/ (npm run build), and test/upstream -> JS
#   prod-deps  production dependencies only; holds the OCR language data
#              (@tesseract.js-data/eng) and sharp's prebuilt native binaries,
#              so nothing is downloaded when the container starts
#   upstream   the OpenAI-compatible test upstream, compiled to plain JS.
#              It imports only Node built-ins, so the stage is the bare Node
#              image plus a few files: no ts-node, no node_modules, and no
#              test code in the production image
#   runtime    the production image: Node, production node_modules, dist/
#
# Everything runs as the base image's unprivileged `node` user, written as
# its numeric id (1000) so Kubernetes' runAsNonRoot can verify it.

ARG NODE_IMAGE=node:22-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs ./libs
COPY src ./src
COPY test/upstream ./test/upstream
RUN npm run build \
 && npx tsc --ignoreConfig --module node16 --moduleResolution node16 --target ES2022 --lib ES2023 --types node \
      --strict --skipLibCheck --rootDir test/upstream --outDir upstream-dist test/upstream/main.ts

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund \
 && node -e "require.resolve('@tesseract.js-data/eng/package.json')"

FROM ${NODE_IMAGE} AS upstream
ENV NODE_ENV=production \
    PORT=9000
WORKDIR /app
COPY --from=build /app/upstream-dist ./
USER 1000:1000
EXPOSE 9000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||9000)+'/v1/models',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "main.js"]

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
# Owned by root and read-only to the app: it writes nothing but /tmp.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 1000:1000
EXPOSE 8080
# Liveness only: never depends on an upstream. Node has fetch; the image has no curl.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: Node is PID 1 and receives SIGTERM itself (graceful shutdown).
CMD ["node", "dist/src/main.js"]
