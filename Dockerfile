# abuse-desk serve in a container (deploy/compose.yaml runs it with PostgreSQL).
#   docker build -t abuse-desk .
#   docker run --rm -e DATABASE_URL=postgres://... -v ./config.yaml:/etc/abuse-desk/config.yaml:ro abuse-desk
# The sources are TypeScript run by tsx (a runtime dependency): no build step.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    ABUSE_DESK_HOME=/var/lib/abuse-desk \
    ABUSE_DESK_CONFIG=/etc/abuse-desk/config.yaml

WORKDIR /opt/abuse-desk

# Dependencies first (cached while only the sources change); exactly the lockfile's versions.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY templates ./templates
COPY fixtures ./fixtures
COPY docs ./docs
COPY deploy/config.example.yaml /etc/abuse-desk/config.yaml

# The data directory (SQLite when DATABASE_URL is unset, the audit key, evidence) belongs to the
# unprivileged `node` user and nobody else.
RUN install -d -o node -g node -m 0700 /var/lib/abuse-desk
VOLUME ["/var/lib/abuse-desk"]
USER node

# The service's HTTP port (intake.http.port): /healthz, /readyz, /metrics. The example config binds
# it to loopback, which the HEALTHCHECK below reaches; to publish it, set intake.http.host 0.0.0.0
# and intake.http.token (env:NAME), which the service then requires.
EXPOSE 8025
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8025/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["node", "bin/abuse-desk.js"]
CMD ["serve"]
