# fitbot: one image for the bot and every worker (the command picks the role).
# TypeScript runs through tsx's loader (bin/fitbot.js registers it), so there is
# no build step: the image holds the sources and the production dependencies.

# --- deps: production dependencies only --------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script (esbuild and msgpackr
# ship prebuilt binaries as optional packages; see PLATFORM-NOTES.md).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

# --- runtime ------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    OPS_PORT=9464 \
    OPS_HOST=0.0.0.0 \
    FITBOT_DATA_DIR=/tmp/fitbot
WORKDIR /app
# Owned by root and read-only to the app user: the process cannot rewrite its own code.
# tsconfig.json: tsx reads it, so the runtime compiles exactly as in development.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY workers ./workers
COPY data ./data
COPY scripts ./scripts
USER node
EXPOSE 9464
# Docker marks the container unhealthy when /healthz answers 503 (or nothing).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.OPS_PORT||9464)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "bin/fitbot.js"]
