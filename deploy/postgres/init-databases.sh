#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised: one database per
# service, all owned by the application user. Each service migrates its own.
set -eu
for database in registry metrics gateway; do
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
        -c "CREATE DATABASE $database OWNER \"$POSTGRES_USER\""
done
