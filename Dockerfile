# Masthead API image. Build: docker build -t masthead .
# Run:   docker run -p 3000:3000 -v masthead-data:/data masthead
# (MASTHEAD_DEMO=off skips the demo content on a new database; see README for the other settings.)
# On PostgreSQL: docker run -e DATABASE_URL=postgres://… masthead (docs/deploy.md: several nodes).

# --- build: compile TypeScript and the native SQLite binding ---------------------------------------
FROM node:20-bookworm-slim AS build
# better-sqlite3 12 compiles from source when no prebuilt binary fits; the slim image has no compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# prune keeps the already-compiled binding; then drop its sources and objects (about 25 MB)
# and prove the binding still loads before anything is copied out of this stage.
RUN npm run build \
 && npm prune --omit=dev \
 && cd node_modules/better-sqlite3 \
 && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/.deps \
           build/Release/sqlite3.a build/Release/test_extension.node \
 && cd /app \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

# --- runtime: production dependencies, compiled code and migrations only ---------------------------
FROM node:20-bookworm-slim
# No DATABASE_PATH here: setting DATABASE_URL (PostgreSQL) beside it would be a start-up error. The
# default path, ./data/masthead.db from /app, reaches the volume through the link made below.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# dist/store/sqlite/connection.js reads migrations from ../../../migrations/sqlite, i.e. /app/migrations.
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data && ln -s /data /app/data
VOLUME /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/cli/main.js", "serve"]
