#!/usr/bin/env bash
# The national-scale benchmark. Builds baucu in release mode, loads the national data set into a
# private database under bench/data, starts the application, signs in as each role, and drives it
# with wrk at 1, 16 and 64 connections; runs pgbench's TPC-B-like transaction against the same
# PostgreSQL as the ceiling for writes. Writes bench/RESULTS.md, replacing the previous run.
#
# Run it as `./dev.sh bench`, which installs PostgreSQL, wrk and curl when missing
# (BENCH_SECONDS=10 per measurement by default).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${BENCH_SECONDS:-10}
DATA=$PWD/bench/data
PORT=${BENCH_PORT:-3900}
ADDRESS=http://127.0.0.1:$PORT
AS_OF=2021-04-20
WORK=$(mktemp -d /tmp/baucu-bench-XXXXXX)
PASSWORD="bench: rừng cọ đồi chè xanh ngát"

: "${PG_BINDIR:?run the benchmark as ./dev.sh bench}"
PGBENCH=$PG_BINDIR/pgbench
PSQL_BIN=$PG_BINDIR/psql

echo "== build (release)"
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/baucu
export BAUCU_DATA=$DATA BAUCU_TODAY=$AS_OF BAUCU_BIND=127.0.0.1:$PORT RUST_LOG=warn

echo "== national data set"
rm -rf "$DATA"
seed_started=$(date +%s)
RUST_LOG=error "$BIN" seed --national --as-of "$AS_OF"
seed_seconds=$(($(date +%s) - seed_started))

echo "== start"
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -fs "$ADDRESS/readyz" >/dev/null && break; sleep 0.2; done
PSQL=("$PSQL_BIN" -qAtX -h "$DATA/run" -U postgres -d baucu)
[ "$(id -u)" -eq 0 ] && PSQL=(runuser -u postgres -- "${PSQL[@]}")
sql() { "${PSQL[@]}" -c "$1"; }

largest_province=$(sql "SELECT p.gso_code FROM units p JOIN units c ON c.ancestors @> ARRAY[p.id] AND c.level = 'commune'
                          WHERE p.level = 'province' GROUP BY p.gso_code ORDER BY count(*) DESC LIMIT 1")
district=$(sql "SELECT d.gso_code FROM units d JOIN units p ON p.id = d.parent_id JOIN units c ON c.parent_id = d.id
                 WHERE p.gso_code = $largest_province AND d.level = 'district' GROUP BY d.gso_code ORDER BY count(*) DESC LIMIT 1")
commune=$(sql "SELECT c.gso_code FROM units c JOIN units d ON d.id = c.parent_id WHERE d.gso_code = $district AND d.level = 'district'
                ORDER BY c.gso_code LIMIT 1")

add_user() { # username role unit
  local unit_args=()
  [ -n "$3" ] && unit_args=(--unit "$3")
  echo "$PASSWORD" | "$BIN" user add --username "$1" --full-name "Người đo $1" --role "$2" "${unit_args[@]}" >/dev/null
}
add_user bench.admin admin ""
add_user bench.tinh province_officer "province:$largest_province"
add_user bench.bcd steering_member "province:$largest_province"
add_user bench.huyen district_officer "district:$district"
add_user bench.xa commune_officer "commune:$commune"

# Signs in as a person would; prints the session cookie and the CSRF token.
login() {
  local jar=$WORK/$1.jar csrf
  csrf=$(curl -s -c "$jar" -b "$jar" "$ADDRESS/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
  curl -s -o /dev/null -c "$jar" -b "$jar" -H "Origin: $ADDRESS" --data-urlencode "csrf=$csrf" \
    --data-urlencode "username=$1" --data-urlencode "password=$PASSWORD" "$ADDRESS/login"
  local cookie
  cookie=$(awk '$6 == "baucu_session" { print $6 "=" $7 }' "$jar")
  csrf=$(curl -s -b "$cookie" "$ADDRESS/my-work" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
  echo "$cookie $csrf"
}
read -r ADMIN_COOKIE ADMIN_CSRF <<<"$(login bench.admin)"
read -r TINH_COOKIE _ <<<"$(login bench.tinh)"
read -r BCD_COOKIE _ <<<"$(login bench.bcd)"
read -r HUYEN_COOKIE HUYEN_CSRF <<<"$(login bench.huyen)"
read -r XA_COOKIE _ <<<"$(login bench.xa)"
[ -n "$HUYEN_CSRF" ] || { echo "bench: signing in failed" >&2; cat "$WORK/server.log" >&2; exit 1; }

RESULTS=$WORK/results.tsv
# measure NAME CONNECTIONS PATH COOKIE [lua]
measure() {
  local name=$1 connections=$2 path=$3 cookie=$4 script=${5:-} threads=2 args=()
  [ "$connections" -lt 2 ] && threads=1
  [ -n "$cookie" ] && args+=(-H "Cookie: $cookie")
  [ -n "$script" ] && args+=(-s "$script")
  # Browsers ask for gzip; the mixed phase does too.
  [ -n "${GZIP:-}" ] && args+=(-H "Accept-Encoding: gzip")
  # wrk counts a redirect as a success: a page that sends a signed-out user to /login would be
  # measured as if it were drawn. Every page measured must answer 200 first.
  if [ -z "$script" ]; then
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' ${cookie:+-H "Cookie: $cookie"} "$ADDRESS$path")
    [ "$status" = 200 ] || { echo "bench: $path answered $status for '$name'" >&2; exit 1; }
  fi
  BENCH_THREADS=$threads wrk -t "$threads" -c "$connections" -d "${SECONDS_EACH}s" --latency "${args[@]}" "$ADDRESS$path" >"$WORK/wrk.out" 2>&1
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ { print $2 }' "$WORK/wrk.out")
  p50=$(awk '$1 == "50.000%" || $1 == "50%" { print $2 }' "$WORK/wrk.out")
  p99=$(awk '$1 == "99.000%" || $1 == "99%" { print $2 }' "$WORK/wrk.out")
  errors=$(awk '/Non-2xx or 3xx/ { n += $5 } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$WORK/wrk.out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$connections" "$rps" "$p50" "$p99" "$errors" >>"${RESULTS_TO:-$RESULTS}"
  echo "   $name c=$connections: $rps req/s, p50 $p50, p99 $p99, errors $errors"
  grep RECORDED "$WORK/wrk.out" | awk '{ print $2 }' >"$WORK/recorded" || true
}

# Tasks for the update run: every task of the district's communes, with its version now (read
# again before each run, since the previous run moved them on).
list_tasks() {
  sql "SELECT t.id || ',' || t.version FROM tasks t JOIN units u ON u.id = t.unit_id JOIN units d ON d.id = u.parent_id
        WHERE d.gso_code = $district AND d.level = 'district' ORDER BY t.id" >"$WORK/tasks.csv"
}
export BENCH_TASKS=$WORK/tasks.csv BENCH_CSRF=$HUYEN_CSRF BENCH_COOKIE=$HUYEN_COOKIE BENCH_ORIGIN=$ADDRESS
entry=$(sql "SELECT code FROM calendar_entries ORDER BY offset_days DESC LIMIT 1 OFFSET 3")
# The largest province's People's Council, whose candidates' page lists every nominee.
province_council=$(sql "SELECT c.id FROM councils c JOIN races r ON r.id = c.race_id JOIN units u ON u.id = c.unit_id
                         WHERE r.kind = 'province_council' AND u.gso_code = $largest_province AND u.level = 'province'")
entry_for_list=$entry

echo "== pgbench database"
sql "CREATE DATABASE pgbench" >/dev/null 2>&1 || true
PGB=("$PGBENCH" -h "$DATA/run" -U postgres)
[ "$(id -u)" -eq 0 ] && PGB=(runuser -u postgres -- "${PGB[@]}")
"${PGB[@]}" -i -q -s 10 pgbench >/dev/null 2>&1

# Every accepted update moves its task's version by one and writes one audit record; counting both
# afterwards shows any update lost (a version moved without a record) or duplicated.
all_versions="SELECT coalesce(sum(t.version), 0) FROM tasks t"
versions_before=$(sql "$all_versions")
updates_before=$(sql "SELECT count(*) FROM audit_log WHERE action = 'task.updated'")
recorded_total=0
# The server counts the structure checks of the whole country in the background as it starts;
# the national overview waits for them, so asking for it once lets the measurements begin after.
# Just after seeding the database's pages are cold and that count can pass the 5 s statement limit
# (the page answers 503 and the next request counts again): ask until it is counted.
for _ in $(seq 10); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $ADMIN_COOKIE" "$ADDRESS/dashboard")" = 200 ] && break
  sleep 1
done
# The load left dirty pages that the next checkpoint would write in the middle of a measurement.
sql "CHECKPOINT" >/dev/null

# Every page first, then the writes: a write anywhere in the cluster moves the data version on
# (and leaves autovacuum work whose own writes move it again), so pages measured after writes
# would be measured against the database catching up rather than against the application.
for c in 1 16 64; do
  echo "== pages, $c connections"
  measure "Không chạm cơ sở dữ liệu (/healthz)" "$c" /healthz ""
  measure "Trang tối thiểu có đăng nhập (/me)" "$c" /me "$ADMIN_COOKIE"
  measure "Tổng hợp tỉnh lớn nhất (ban chỉ đạo)" "$c" /dashboard "$BCD_COOKIE"
  measure "Tổng quan toàn quốc" "$c" /dashboard "$ADMIN_COOKIE"
  measure "Tổng hợp huyện" "$c" /dashboard "$HUYEN_COOKIE"
  measure "Việc của tôi (xã)" "$c" /my-work "$XA_COOKIE"
  measure "Danh sách công việc" "$c" "/tasks?unit=district:$district&entry=$entry" "$TINH_COOKIE"
  measure "Người ứng cử theo hội đồng (toàn quốc)" "$c" /candidates "$ADMIN_COOKIE"
  measure "Người ứng cử của HĐND tỉnh lớn nhất" "$c" "/councils/$province_council/candidates" "$TINH_COOKIE"
done
for c in 1 16 64; do
  echo "== writes, $c connections"
  list_tasks
  measure "Cập nhật công việc (POST)" "$c" /tasks/0 "" bench/update.lua
  recorded_total=$((recorded_total + $(cat "$WORK/recorded" 2>/dev/null || echo 0)))
  threads=2; [ "$c" -lt 2 ] && threads=1
  tps=$("${PGB[@]}" -c "$c" -j "$threads" -T "$SECONDS_EACH" -n pgbench 2>/dev/null | awk '/^tps/ { print $3; exit }')
  printf '%s\t%s\t%s\t\t\t0\n' "pgbench TPC-B" "$c" "$tps" >>"$RESULTS"
  echo "   pgbench c=$c: $tps tps"
done

# The mixed phase: pages read at 16 connections, asking for gzip as browsers do, while a paced
# writer changes the status of tasks across the country at 0, 50 and 200 updates a second, and
# once more at 200 with every update on one calendar entry (the day a deadline falls).
MIXED=$WORK/mixed.tsv
WRITER=$WORK/writer.tsv
export BENCH_HOST=127.0.0.1 BENCH_PORT=$PORT
# The day a deadline falls: the commune entry whose deadline is nearest the day measured.
busiest_entry=$(sql "SELECT c.code FROM calendar_entries c JOIN elections e ON e.id = c.election_id
                      WHERE 'commune' = ANY (c.levels) AND c.retired_at IS NULL
                      ORDER BY abs((e.election_day - c.offset_days) - DATE '$AS_OF'), c.code LIMIT 1")
writer_tasks() { # file [entry]
  local where="true"
  [ -n "${2:-}" ] && where="c.code = '$2'"
  sql "SELECT t.id || ',' || t.version || ',' || t.status FROM tasks t JOIN calendar_entries c ON c.id = t.calendar_entry_id
        WHERE $where AND t.status IN ('not_started', 'in_progress') ORDER BY random() LIMIT 20000" >"$1"
}
pages_in_mixed=6
for phase in "0" "50" "200" "200 $busiest_entry"; do
  read -r rate entry <<<"$phase"
  label="$rate/s"; [ -n "${entry:-}" ] && label="$rate/s, one entry"
  echo "== mixed: pages while $label task updates stream in"
  writer_pid=""
  if [ "$rate" -gt 0 ]; then
    writer_tasks "$WORK/writer-tasks.csv" "${entry:-}"
    BENCH_COOKIE=$ADMIN_COOKIE BENCH_CSRF=$ADMIN_CSRF python3 bench/writer.py "$rate" $((SECONDS_EACH * pages_in_mixed + 2)) \
      "$WORK/writer-tasks.csv" >"$WORK/writer.out" &
    writer_pid=$!
    sleep 1
  fi
  RESULTS_TO=$WORK/phase.tsv; : >"$RESULTS_TO"; export RESULTS_TO
  GZIP=1 measure "Trang tối thiểu có đăng nhập (/me)" 16 /me "$ADMIN_COOKIE"
  GZIP=1 measure "Tổng quan toàn quốc" 16 /dashboard "$ADMIN_COOKIE"
  GZIP=1 measure "Tổng hợp tỉnh lớn nhất (ban chỉ đạo)" 16 /dashboard "$BCD_COOKIE"
  GZIP=1 measure "Tổng hợp huyện" 16 /dashboard "$HUYEN_COOKIE"
  GZIP=1 measure "Việc của tôi (xã)" 16 /my-work "$XA_COOKIE"
  GZIP=1 measure "Danh sách công việc" 16 "/tasks?unit=district:$district&entry=$entry_for_list" "$TINH_COOKIE"
  unset RESULTS_TO
  sed "s|^|$label\t|" "$WORK/phase.tsv" >>"$MIXED"
  if [ -n "$writer_pid" ]; then
    wait "$writer_pid"
    printf '%s\t%s\n' "$label" "$(cat "$WORK/writer.out")" >>"$WRITER"
    recorded_total=$((recorded_total + $(cut -f2 "$WORK/writer.out")))
    echo "   writer: $(cat "$WORK/writer.out")"
  fi
done

# The drawing time of each kept page on a miss: a request that says its browser has just changed
# something is drawn afresh for it (the median of five).
DRAWS=$WORK/draws.tsv
draw_time() { # name cookie [path]
  local times=()
  for _ in 1 2 3 4 5; do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $2; baucu_changed=$(date +%s%3N)" "$ADDRESS${3:-/dashboard}")")
  done
  printf '%s\t%s\n' "$1" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p | awk '{ printf "%.1f ms", $1 * 1000 }')" >>"$DRAWS"
}
draw_time "Tổng quan toàn quốc" "$ADMIN_COOKIE"
draw_time "Tổng hợp tỉnh lớn nhất" "$BCD_COOKIE"
draw_time "Tổng hợp huyện" "$HUYEN_COOKIE"
draw_time "Danh sách công việc (huyện, một mốc)" "$TINH_COOKIE" "/tasks?unit=district:$district&entry=$entry_for_list"
draw_time "Danh sách công việc (tỉnh lớn nhất, mọi mốc)" "$TINH_COOKIE" "/tasks?unit=province:$largest_province"

updates_after=$(sql "SELECT count(*) FROM audit_log WHERE action = 'task.updated'")
events=$((updates_after - updates_before))
moved=$(($(sql "$all_versions") - versions_before))
peak_kb=$(awk '/VmHWM/ { print $2 }' /proc/$SERVER/status)
db_size=$(sql "SELECT pg_size_pretty(pg_database_size('baucu'))")

echo "== results"
{
  echo "# Benchmark results"
  echo
  echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/run.sh\` (${SECONDS_EACH} s per measurement)."
  echo "Machine: $(nproc) CPU ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) RAM; the application, PostgreSQL and wrk share it."
  echo
  echo "- National data set: built in ${seed_seconds} s; database size ${db_size}."
  echo "- Application peak memory (VmHWM): $((peak_kb / 1024)) MB."
  echo "- Task updates: the database recorded ${moved} (versions moved) with ${events} audit records, so $((moved - events)) were lost or duplicated. wrk and the paced writer saw ${recorded_total} of them answered 303; the other $((events - recorded_total)) were still in flight when a wrk run stopped (at most 1 + 16 + 64)."
  echo
  echo "| Measurement | Connections | Requests/s | p50 | p99 | Errors | Ratio to ceiling |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '
    { name[NR] = $1; c[NR] = $2; rps[NR] = $3; p50[NR] = $4; p99[NR] = $5; err[NR] = $6 }
    $1 ~ /healthz/ { floor[$2] = $3 }
    $1 ~ /\/me/ { auth[$2] = $3 }
    $1 ~ /pgbench/ { tps[$2] = $3 }
    END {
      for (i = 1; i <= NR; i++) {
        ratio = ""
        if (name[i] ~ /POST/ && tps[c[i]] > 0) ratio = sprintf("%.2f of pgbench", rps[i] / tps[c[i]])
        else if (name[i] ~ /\/me/ && floor[c[i]] > 0) ratio = sprintf("%.2f of /healthz", rps[i] / floor[c[i]])
        else if (name[i] !~ /healthz|pgbench/ && auth[c[i]] > 0) ratio = sprintf("%.2f of /me", rps[i] / auth[c[i]])
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", name[i], c[i], rps[i], p50[i], p99[i], err[i], ratio
      }
    }' <(sort -s -t$'\t' -k2,2n "$RESULTS")
  echo
  echo "## Pages while task updates stream in"
  echo
  echo "16 connections per page, asking for gzip; the paced writer (\`bench/writer.py\`, 4 connections, as the"
  echo "administrator) changes the status of random tasks across the country, or of tasks of the commune entry"
  echo "whose deadline is nearest the day measured (\`$busiest_entry\`). Dashboards and the tasks behind their cells are kept for up to 5 s."
  echo
  echo "| Updates | Page | Requests/s | p50 | p99 | Errors | Ratio to /me |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  awk -F'\t' '
    { phase[NR] = $1; name[NR] = $2; rps[NR] = $4; p50[NR] = $5; p99[NR] = $6; err[NR] = $7 }
    $2 ~ /\/me/ { me[$1] = $4 }
    END {
      for (i = 1; i <= NR; i++) {
        ratio = (name[i] !~ /\/me/ && me[phase[i]] > 0) ? sprintf("%.2f", rps[i] / me[phase[i]]) : ""
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", phase[i], name[i], rps[i], p50[i], p99[i], err[i], ratio
      }
    }' "$MIXED"
  echo
  echo "| Writer | Sent | Recorded (303) | Other answers | Achieved updates/s | p50 | p99 |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s ms | %s ms |\n", $1, $2, $3, $4, $5, $6, $7 }' "$WRITER"
  echo
  echo "| Page drawn on a miss | Time (median of 5, with the request) |"
  echo "|---|---:|"
  awk -F'\t' '{ printf "| %s | %s |\n", $1, $2 }' "$DRAWS"
} >bench/RESULTS.md
cat bench/RESULTS.md
