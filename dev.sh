#!/usr/bin/env bash
# The README's two commands, and the upkeep of the committed query data.
#
#   ./dev.sh run [baucu arguments]   build and run the application (serve by default)
#   ./dev.sh test                    install what is missing, then run every check and test
#   ./dev.sh sqlx-prepare            regenerate .sqlx/ and migrations/schema.sql after changing a query or a migration
#   ./dev.sh bench                   the national-scale benchmark (bench/run.sh), results in bench/RESULTS.md
#
# Each installs what it needs from the distribution's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

die() {
  echo "dev.sh: $*" >&2
  exit 1
}

# The PostgreSQL server programs, where the application's launcher looks for them too.
pg_bindir() {
  local dir
  if dir=$(pg_config --bindir 2>/dev/null) && [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
    echo "$dir"
    return 0
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# Installs Debian packages, or says in one sentence what to install when this cannot.
install_packages() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      die "please install these packages first (for example: sudo apt-get install $*), or set DATABASE_URL to an existing PostgreSQL server."
    fi
  fi
  command -v apt-get >/dev/null 2>&1 ||
    die "apt-get is not available: install $* with this system's package manager, or set DATABASE_URL to an existing PostgreSQL server."
  echo "dev.sh: installing $*" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_postgres() {
  pg_bindir >/dev/null || install_packages postgresql
  pg_bindir >/dev/null || die "the PostgreSQL server programs are still missing after installing them."
}

# The browser tests drive Debian's Chromium through its WebDriver, and read the PDFs it prints
# with poppler's pdftotext.
ensure_nginx() {
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || install_packages nginx
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 ||
    die "nginx is still missing after installing it (package nginx)."
}

# The mail tests send to a real SMTP server: Debian's aiosmtpd, run by the system's Python.
ensure_smtp_server() {
  /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || install_packages python3-aiosmtpd
  /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 ||
    die "aiosmtpd is still missing after installing it (package python3-aiosmtpd)."
}

ensure_chromium() {
  if ! [ -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
    install_packages chromium chromium-driver poppler-utils
  fi
  [ -x /usr/bin/chromium ] && command -v chromedriver >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 ||
    die "Chromium, its driver or pdftotext are still missing after installing them (packages chromium, chromium-driver, poppler-utils)."
}

# A throwaway PostgreSQL with the migrations applied, for checking queries at compile time.
# It is built with the server programs directly because the application that holds the launcher
# cannot be compiled until its query data is current. Sets SCRATCH_URL; stopped on exit.
start_scratch_database() {
  local bin dir run_as=()
  bin=$(pg_bindir)
  dir=$(mktemp -d /tmp/baucu-scratch-XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$dir"
    run_as=(runuser -u postgres --)
  fi
  trap "(cd / && ${run_as[*]} $bin/pg_ctl -D $dir/pg -m immediate stop >/dev/null 2>&1); rm -rf $dir" EXIT
  (cd / && "${run_as[@]}" "$bin/initdb" -D "$dir/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null)
  (cd / && "${run_as[@]}" "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir'" start >/dev/null)
  "$bin/psql" -qX -h "$dir" -U postgres -c "CREATE DATABASE baucu" >/dev/null
  for migration in migrations/[0-9]*_*.sql; do
    "$bin/psql" -qX -h "$dir" -U postgres -d baucu -v ON_ERROR_STOP=1 -f "$migration" >/dev/null
  done
  SCRATCH_URL="postgres://postgres@localhost/baucu?host=$dir"
  SCRATCH_DIR="$dir"
}

# The schema of the scratch database as one file to read: its dump, without the lines that
# change from run to run or from one PostgreSQL release to the next.
dump_schema() {
  echo "-- The current schema, generated from the migrations by ./dev.sh (sqlx-prepare regenerates it,"
  echo "-- test fails while it is stale). Read it here; change the schema with a new migration."
  "$(pg_bindir)/pg_dump" --schema-only --no-owner --no-privileges -h "$SCRATCH_DIR" -U postgres baucu |
    grep -v -e '^-- Dumped from' -e '^-- Dumped by' -e '^\\restrict' -e '^\\unrestrict' -e '^SET transaction_timeout'
}

# Compiles every target with the queries checked against the scratch database, writing their
# data to $1. Touching the library makes the query macros run again.
compile_with_live_queries() {
  local out=$1
  shift
  mkdir -p "$out"
  touch src/lib.rs
  SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" DATABASE_URL="$SCRATCH_URL" "$@"
}

case "${1:-}" in
  run)
    shift
    ensure_postgres
    # The first build takes a few minutes on a small machine: show its progress, then run quietly.
    echo "dev.sh: building baucu (the first build takes a few minutes; later ones seconds)"
    cargo build --release
    exec cargo run --release --quiet -- "$@"
    ;;
  test)
    ensure_postgres
    ensure_chromium
    ensure_nginx
    ensure_smtp_server
    echo "== cargo fmt --check"
    cargo fmt --check
    echo "== cargo clippy (queries checked against the migrated schema)"
    start_scratch_database
    # The committed snapshot of the schema is regenerated from the migrations; a stale one fails.
    dump_schema >"$SCRATCH_DIR/schema.sql"
    if ! cmp -s migrations/schema.sql "$SCRATCH_DIR/schema.sql"; then
      cp "$SCRATCH_DIR/schema.sql" migrations/schema.sql
      die "migrations/schema.sql did not match the migrations: it has been regenerated; review and commit it."
    fi
    compile_with_live_queries "$SCRATCH_DIR/sqlx" cargo clippy --all-targets --quiet -- -D warnings
    if ! diff -rq .sqlx "$SCRATCH_DIR/sqlx" >/dev/null; then
      diff -rq .sqlx "$SCRATCH_DIR/sqlx" >&2 || true
      die ".sqlx/ does not match the queries and migrations: run ./dev.sh sqlx-prepare and commit .sqlx/."
    fi
    echo "== cargo test"
    cargo test --all-targets
    ;;
  sqlx-prepare)
    ensure_postgres
    start_scratch_database
    dump_schema >migrations/schema.sql
    rm -rf .sqlx
    compile_with_live_queries "$PWD/.sqlx" cargo check --all-targets --quiet
    echo "dev.sh: .sqlx/ regenerated ($(ls .sqlx | wc -l) queries)"
    ;;
  bench)
    ensure_postgres
    for tool in wrk curl python3; do
      command -v "$tool" >/dev/null 2>&1 || install_packages "$tool"
    done
    PG_BINDIR=$(pg_bindir) exec bench/run.sh
    ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
