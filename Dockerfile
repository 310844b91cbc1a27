# syntax=docker/dockerfile:1
# One image for every Hanpyo service and the `hanpyo` command; the container's command picks which
# (deploy/k8s: `node services/<name>/dist/main.js`, or `node tools/hanpyo/bin/hanpyo.js …`).
# Stage 1 builds the workspace (npm ci, the native crypto backend over the system libsodium, tsc);
# stage 2 is the runtime: production dependencies, the compiled dist/ folders and the addon, run as
# a numeric non-root user. Checked statically by scripts/dockerfile.test.mjs (deploy/k8s/README.md).
# Base images are pinned by version; pin them by digest as well where your registry policy asks.

FROM node:20.20.2-bookworm-slim AS build
# A C compiler and the system libsodium: libs/crypto-native/build.mjs links the N-API addon to it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libsodium23 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY libs/ libs/
COPY services/ services/
COPY tools/ tools/
# npm ci needs every workspace's package.json; the test workspace is not built into the image.
COPY test/package.json test/package.json
RUN npm ci --no-audit --no-fund --ignore-scripts
RUN node libs/crypto-native/build.mjs --strict
RUN npx tsc -b libs/crypto libs/contracts libs/ledger libs/counting libs/crypto-native \
      libs/secrets libs/kafka libs/cassandra libs/service-kit libs/worker-pool \
      services/registrar services/edge services/persister services/ledger services/observer \
      tools/hanpyo
# The runtime tree: each package's package.json and dist/ (tests left out), the addon, the CLI's
# bin/, and node_modules pruned to production dependencies.
RUN set -eu; mkdir -p /out; \
    for p in libs/* services/* tools/*; do \
      [ "$p" = libs/crypto-testing ] && continue; \
      mkdir -p "/out/$p"; cp "$p/package.json" "/out/$p/"; \
      if [ -d "$p/dist" ]; then cp -R "$p/dist" "/out/$p/dist"; fi; \
    done; \
    find /out -name '*.spec.js' -delete -o -name '*.spec.d.ts' -delete -o -name '*.tsbuildinfo' -delete; \
    cp -R libs/crypto-native/build /out/libs/crypto-native/build; \
    cp -R tools/hanpyo/bin /out/tools/hanpyo/bin; \
    npm prune --omit=dev --no-audit --no-fund; \
    cp -R node_modules package.json /out/

FROM node:20.20.2-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsodium23 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/ /app/
# Numeric, so Kubernetes' runAsNonRoot can check it without /etc/passwd.
USER 10001:10001
EXPOSE 8080 8081 8082 8083 8084
ENTRYPOINT ["node"]
CMD ["services/edge/dist/main.js"]
