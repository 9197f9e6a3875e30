#!/usr/bin/env bash
# Run once by the postgres image on a new data volume (docker-compose.yml mounts this
# directory at /docker-entrypoint-initdb.d). The application's role reads and writes
# rows but owns no table, so PostgreSQL's row-level security binds it (README "Tenancy");
# migrations run as the owner ($POSTGRES_USER), and every table the owner creates later
# is granted to the application's role for rows only (no DDL, no TRUNCATE).
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="${APP_DB_PASSWORD:?set APP_DB_PASSWORD}" <<'SQL'
CREATE ROLE attendance_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
    PASSWORD :'app_password';
GRANT CONNECT ON DATABASE :"DBNAME" TO attendance_app;
GRANT USAGE ON SCHEMA public TO attendance_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO attendance_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO attendance_app;
SQL
