# A throwaway PostgreSQL cluster for the tests, sourced by scripts/test and .ci/run
# (the one copy of this logic).
#
#   pg_find_bin   prints the directory holding initdb and pg_ctl (PATH first, then the
#                 newest /usr/lib/postgresql/*/bin); fails when there is none
#   pg_start      initdb + start in a fresh temporary directory, listening on 127.0.0.1
#                 only, on $ORGRAPH_TEST_PG_PORT or a free port; as root, runs the server
#                 as the `postgres` user (created if missing). Exports
#                 ORGRAPH_TEST_DATABASE_URL and PG_PORT, and stops the server and removes
#                 its directory when the calling shell exits. The free port is the first
#                 one free from a number derived from the checkout's path, so that the URL
#                 (which the tests read at compile time) stays the same from run to run
#                 and cargo does not rebuild the test binaries each time.
#   pg_stop       the cleanup pg_start arranges (idempotent)

pg_find_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return 0
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] || return 1
  echo "$dir"
}

_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/bash -c "$1"
  else
    bash -c "$1"
  fi
}

# Something already listens on 127.0.0.1:$1.
_pg_port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pg_start() {
  PG_BIN=${PG_BIN:-$(pg_find_bin)} || { echo "pg_start: initdb/pg_ctl not found" >&2; return 1; }
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/orgraph-pg.XXXXXX")
  trap pg_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown -R postgres "$PG_DIR"
  fi
  _pg_as_owner "'$PG_BIN/initdb' -D '$PG_DIR/data' -A trust -U postgres >'$PG_DIR/initdb.log' 2>&1" || {
    cat "$PG_DIR/initdb.log" >&2
    return 1
  }
  local attempt base
  base=$((20000 + $(pwd -P | cksum | cut -d' ' -f1) % 40000))
  for attempt in $(seq 0 49); do
    PG_PORT=${ORGRAPH_TEST_PG_PORT:-$((base + attempt))}
    if _pg_port_busy "$PG_PORT"; then
      if [ -n "${ORGRAPH_TEST_PG_PORT:-}" ]; then
        echo "pg_start: 127.0.0.1:$PG_PORT (ORGRAPH_TEST_PG_PORT) is taken" >&2
        return 1
      fi
      continue
    fi
    if _pg_as_owner "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w -o \"-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start >/dev/null"; then
      export PG_PORT ORGRAPH_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
      return 0
    fi
    [ -n "${ORGRAPH_TEST_PG_PORT:-}" ] && break
  done
  echo "pg_start: the PostgreSQL server did not start; its log:" >&2
  cat "$PG_DIR/server.log" >&2 2>/dev/null || true
  return 1
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  _pg_as_owner "'$PG_BIN/pg_ctl' -D '$PG_DIR/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=
}
