# syntax=docker/dockerfile:1
# Steward: one image for the API, the workers and the migration job.
# docker-compose.yml overrides the command per service; the default runs the API.
#
# Debian (glibc), not Alpine: the Temporal worker's native bridge and @node-rs/argon2 ship
# prebuilt glibc binaries.
# Node 24, an LTS release (Node 20 reached its end of life in April 2026); package.json's engines
# still accept 20, which development machines may have.
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

# ---- build: install everything, compile TypeScript to dist/, drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true
COPY package.json package-lock.json ./
# No dependency needs its install script: ssh2's native crypto and cpu-features are optional
# (the pure-JS path works), and @swc/core and @node-rs/argon2 ship their platform binaries
# as optional packages.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime: compiled app and production dependencies only, as a non-root user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=4000
WORKDIR /app
# Files stay owned by root, so the app (user `node`) cannot rewrite its own code.
# schema.graphq[l]: copied when present (the glob lets the build pass without it).
COPY --from=build /app/package.json /app/package-lock.json /app/schema.graphq[l] ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 4000
CMD ["node", "dist/scripts/api.js"]
