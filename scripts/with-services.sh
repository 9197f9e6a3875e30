#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL and Redis beside it.
#
#   scripts/with-services.sh .venv/bin/pytest -n 2
#
# - If DATABASE_URL is already set, that database is used and no PostgreSQL is started.
#   Otherwise DATABASE_URL is the owner (postgres, which runs the tests and migrations)
#   and APP_DATABASE_URL the application's role, attendance_app, which row-level
#   security binds (run the app as it: DATABASE_URL=$APP_DATABASE_URL
#   MIGRATION_DATABASE_URL=$DATABASE_URL).
# - If REDIS_URL is already set, that Redis is used and no Redis is started.
# Otherwise both are started in a fresh temporary directory, exported to the command, and
# stopped (and the directory removed) when this script exits, whatever the outcome.
# The script exits with the command's exit code.
set -euo pipefail

tmp=""
pg_data=""
pg_bin=""
pg_user=""
redis_pid=""

log() { echo "with-services: $*" >&2; }

# Run a PostgreSQL server binary as $pg_user: initdb and postgres refuse to run as root.
as_pg() {
    if [ -n "$pg_user" ]; then
        runuser -u "$pg_user" -- "$@"
    else
        "$@"
    fi
}

cleanup() {
    local status=$?
    set +e
    if [ -n "$redis_pid" ]; then
        kill "$redis_pid" 2>/dev/null
        wait "$redis_pid" 2>/dev/null
    fi
    if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
        # "immediate" is fine: the data is thrown away anyway.
        as_pg "$pg_bin/pg_ctl" stop -D "$pg_data" -m immediate -w >/dev/null 2>&1
    fi
    if [ -n "$tmp" ]; then
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
# Turn Ctrl-C / kill into an ordinary exit so the EXIT trap always cleans up.
trap 'exit 130' INT
trap 'exit 143' TERM

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
    # Short fixed prefix under /tmp: a unix socket path must stay under ~107 bytes.
    tmp=$(mktemp -d /tmp/attmis-svc.XXXXXX)
    chmod 755 "$tmp"   # the unprivileged postgres user (and any client) must reach the socket
fi

# --- PostgreSQL --------------------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
        if command -v initdb >/dev/null 2>&1; then
            pg_bin=$(dirname "$(command -v initdb)")
        else
            log "PostgreSQL server binaries not found (install the 'postgresql' package)"
            exit 1
        fi
    fi

    if [ "$(id -u)" -eq 0 ]; then
        pg_user=pgtest
        if ! id "$pg_user" >/dev/null 2>&1; then
            useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
        fi
        chown "$pg_user" "$tmp"
    fi

    pg_data="$tmp/pgdata"
    as_pg "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
        >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }

    # Socket only (no TCP port, so parallel runs never clash); durability off for speed.
    if ! as_pg "$pg_bin/pg_ctl" start -D "$pg_data" -w -t 60 -l "$tmp/postgres.log" \
        -o "-c listen_addresses='' -k $tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        >/dev/null; then
        cat "$tmp/postgres.log" >&2
        exit 1
    fi
    # The application's role (README "Tenancy"): it owns no table, so row-level security
    # binds it; every table the owner creates later (migrations, and the test databases,
    # which are copied from template1) is granted to it for reading and writing rows only.
    "$pg_bin/psql" -q -h "$tmp" -U postgres -d template1 -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'attendance_app') THEN
        CREATE ROLE attendance_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END $$;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO attendance_app;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO attendance_app;
SQL
    "$pg_bin/createdb" -h "$tmp" -U postgres attendance

    # The socket directory goes in the query string: libpq (psql, psycopg) reads it natively,
    # and django-environ passes it on as OPTIONS["host"]. django-environ does NOT decode a
    # %2F-encoded host (postgres://postgres@%2Ftmp%2Fx/db), so that form must not be used.
    export DATABASE_URL="postgres://postgres@/attendance?host=$tmp"
    # For psql / pg_dump / manage.py dbshell run inside the command.
    export PGHOST="$tmp" PGUSER=postgres PGDATABASE=attendance
    # The same database as the application's role (bound by row-level security).
    export APP_DATABASE_URL="postgres://attendance_app@/attendance?host=$tmp"
    log "PostgreSQL ready: $DATABASE_URL"
fi

# --- Redis -------------------------------------------------------------------------------------
if [ -z "${REDIS_URL:-}" ]; then
    # A free TCP port on loopback: plain redis:// URLs work with redis-py, Celery and kombu alike.
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
        --daemonize no --dir "$tmp" --logfile "$tmp/redis.log" &
    redis_pid=$!
    redis_up() { redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; }
    for _ in $(seq 1 100); do
        redis_up && break
        kill -0 "$redis_pid" 2>/dev/null || break   # it died: no point waiting
        sleep 0.1
    done
    if ! redis_up; then
        cat "$tmp/redis.log" >&2
        log "redis-server failed to start"
        exit 1
    fi
    export REDIS_URL="redis://127.0.0.1:$port/0"
    log "Redis ready: $REDIS_URL"
fi

# Not exec: the EXIT trap must still run to stop the services. The command runs in the
# foreground (a terminal's Ctrl-C reaches it directly); a TERM sent to this script alone is
# acted on once the command has finished.
status=0
"$@" || status=$?
exit "$status"
