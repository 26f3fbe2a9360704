#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster that commits durably (fsync,
# full_page_writes and synchronous_commit on), for benchmarks; see with-postgres.sh.
exec "$(dirname "$0")/with-postgres.sh" --durable "$@"
