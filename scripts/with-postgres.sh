#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster on a loopback port, then remove it.
# Installs PostgreSQL with apt-get when absent; runs the server as an unprivileged user.
# The command sees CREDENCE_TEST_PG_URL (an admin URL; tests create their own databases).
# For tests the cluster skips fsync (nothing in it outlives the run); `--durable` keeps
# PostgreSQL's durable defaults (fsync, full_page_writes, synchronous_commit) for benches,
# with room for several workers' pools (max_connections=200).
set -euo pipefail

DURABILITY="-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
if [ "${1:-}" = "--durable" ]; then
  shift
  DURABILITY="-c fsync=on -c full_page_writes=on -c synchronous_commit=on -c max_connections=200"
fi

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

PGBIN=$(find_bin || true)
if [ -z "$PGBIN" ]; then
  echo "with-postgres: PostgreSQL not found, installing it with apt-get" >&2
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(find_bin)
fi

PGTMP=$(mktemp -d /tmp/credence-pg.XXXXXX)
AS=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses root: run the cluster as the unprivileged postgres system user.
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres "$PGTMP"
  AS=(runuser -u postgres --)
fi
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap cleanup EXIT

"${AS[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -U credence --auth=trust --no-locale -E UTF8 >/dev/null
"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w \
  -o "-h 127.0.0.1 -p $PORT -k $PGTMP $DURABILITY" \
  start >/dev/null
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT ($DURABILITY)" >&2

export CREDENCE_TEST_PG_URL="postgresql+psycopg://credence@127.0.0.1:$PORT/postgres"
# The server log and data directory, for the tests that scan them (forensics, log leaks).
export CREDENCE_TEST_PG_LOG="$PGTMP/server.log"
export CREDENCE_TEST_PG_DATA="$PGTMP/data"
"$@"
