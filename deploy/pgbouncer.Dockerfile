# PgBouncer from Debian's own package, in transaction mode in front of PostgreSQL
# (deploy/docker-compose.yml gives it its ini). See the README's connection budget.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends pgbouncer \
    && rm -rf /var/lib/apt/lists/*
USER nobody
ENTRYPOINT ["pgbouncer", "/etc/pgbouncer/wardline.ini"]
