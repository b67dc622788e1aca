#!/usr/bin/env bash
# `make bench`: seeds a fresh database per backend with BENCH_RELEASES releases, serves it
# with the release build, measures it with wrk (and Chromium, and a 200-person capture
# burst), and writes target/bench/report.json: one object per database.
#
# Settings (environment): BENCH_RELEASES (100000), BENCH_SECONDS per wrk run (10),
# BENCH_DATABASES ("sqlite postgres"), BENCH_CONNECTIONS (32), BENCH_HYDRATION_RUNS (10),
# SERVER_BIN (the release binary). `make test` runs this once, tiny and short.
set -euo pipefail
cd "$(dirname "$0")/.."

RELEASES=${BENCH_RELEASES:-100000}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
DATABASES=${BENCH_DATABASES:-sqlite postgres}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
HYDRATION_RUNS=${BENCH_HYDRATION_RUNS:-10}
SERVER_BIN=${SERVER_BIN:?the release binary, as the Makefile passes it}
export BENCH_DIR=$PWD/bench BENCH_THREADS=2
OUT=target/bench
WORK=$(mktemp -d /tmp/releasedesk-bench.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$OUT"
SERVER_PID= PG_DATA= DATABASE=

# shellcheck source=bench/lib.sh
source bench/lib.sh

log() { printf '\n== %s\n' "$*" >&2; }

cleanup() {
  stop_server
  if [[ -n $PG_DATA ]]; then as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; fi
  PG_DATA=
}
# What the server said (warnings, errors, panics) stays beside the report, a failed run's too.
keep_log() { [[ -z $DATABASE || ! -f $WORK/server.log ]] || cp "$WORK/server.log" "$OUT/server-$DATABASE.log"; }
trap 'cleanup; keep_log; rm -rf "$WORK"' EXIT

# initdb and pg_ctl refuse root: as root, run them as the postgres user.
as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

# A throw-away PostgreSQL cluster on a free port; prints its URL.
start_postgres() {
  local dir=$WORK/pg port
  port=$(free_port)
  mkdir -p "$dir"
  [[ $(id -u) == 0 ]] && chown postgres "$dir"
  as_postgres "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_connections=200" >/dev/null
  as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres releasedesk
  echo "postgres://postgres@127.0.0.1:$port/releasedesk"
}

# The server's resident memory now, in MB: run.sh notes it after each phase, so that the
# peak can be traced to the phase that made it.
rss_now() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }
phase_rss() { echo "\"$1\": $(rss_now)" >>"$WORK/rss-phases"; }

# One run of `wrk_json` (bench/lib.sh) for the run's length.
measure() { wrk_json "$1" "$2" "$SECONDS_PER_RUN" "$3"; }

bench_database() {
  local database=$1 url base port seeded cookie
  cleanup
  DATABASE=$database
  rm -f "$WORK/server.log"
  case $database in
    sqlite) url=$WORK/releasedesk-bench.db ;;
    # start_postgres runs in a subshell: the cluster to stop is named here, in this one.
    postgres) PG_DATA=$WORK/pg/data; url=$(start_postgres) ;;
    *) echo "unknown database $database" >&2; return 1 ;;
  esac
  log "$database: seeding $RELEASES releases"
  local started=$SECONDS
  # The bulk statements are slow by design: their timings are not warnings here.
  seeded=$(DATABASE_URL=$url RUST_LOG=warn,sqlx::query=error "$SERVER_BIN" seed-bench --releases "$RELEASES")
  local seed_seconds=$((SECONDS - started))
  echo "$seeded" | jq -r '.held_by_ana[]' >"$WORK/advance-ids"

  port=$(free_port)
  base=http://127.0.0.1:$port
  DATABASE_URL=$url LEPTOS_SITE_ADDR=127.0.0.1:$port RUST_LOG=warn "$SERVER_BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_until_serving "$base"
  : >"$WORK/rss-phases"
  phase_rss started
  cookie=$(session_cookie "$base" ana)
  [[ -n $cookie ]] || { echo "cannot log in as ana" >&2; return 1; }
  export BENCH_COOKIE=$cookie BENCH_ADVANCE_IDS=$WORK/advance-ids

  # The figures mean nothing unless the pages measured are the real ones.
  curl -fsS -H "Cookie: $cookie" "$base/releases" | grep -q 'class="table-wrap"' \
    || { echo "the list page did not render for ana" >&2; return 1; }

  local newest deep_page deep_after
  newest=$(echo "$seeded" | jq .newest)
  # A page four fifths down the list, reached the way the pager's links reach it.
  deep_page=$(( $(echo "$seeded" | jq .releases) * 4 / 5 / 25 ))
  deep_after=$(( newest - deep_page * 25 + 1 ))

  log "$database: static asset (the stylesheet)"
  BENCH_COOKIE= measure get.lua "$base/pkg/releasedesk.css" "$CONNECTIONS" >"$WORK/static.json"
  log "$database: list page (server-rendered), first and page $deep_page"
  measure get.lua "$base/releases" "$CONNECTIONS" >/dev/null  # warm-up
  measure get.lua "$base/releases" "$CONNECTIONS" >"$WORK/list.json"
  measure get.lua "$base/releases?page=$deep_page&after=$deep_after" "$CONNECTIONS" >"$WORK/deep.json"
  # Sorted by priority (five values: the most ties), after a cursor half-way down the numbers.
  log "$database: list page sorted by priority, after release $(( newest / 2 ))"
  measure get.lua "$base/releases?sort=priority&page=$deep_page&after=$(( newest / 2 ))" "$CONNECTIONS" >"$WORK/sorted.json"
  phase_rss list
  # "Exportar CSV" of the whole list (every release: 100,000 at the default size), timed by
  # curl, its rows counted, and the server's memory noted before and after.
  log "$database: CSV export of the whole list"
  local export_before export_stats export_rows
  export_before=$(rss_now)
  export_stats=$(curl -fsS -H "Cookie: $cookie" -o "$WORK/export.csv" -w '{"seconds": %{time_total}, "bytes": %{size_download}}' \
    "$base/releases/export.csv?lang=es")
  export_rows=$(( $(wc -l <"$WORK/export.csv") - 1 ))
  phase_rss export
  # Searches read other index pages than the list: the first run on a just-seeded database
  # warms them (its figures kept as search_cold_*), the second is measured, as the list's is.
  log "$database: search by title words (the first run warms up)"
  measure search.lua "$base/api/list_releases" "$CONNECTIONS" >"$WORK/search-cold.json"
  measure search.lua "$base/api/list_releases" "$CONNECTIONS" >"$WORK/search.json"
  phase_rss search
  log "$database: 200 simultaneous captures of one task"
  capture_burst "$base" "$seeded" >"$WORK/capture.json"
  phase_rss capture
  log "$database: cold page load to interactive in Chromium ($HYDRATION_RUNS runs), over loopback and over a 20 Mbit/s link with 40 ms round trips"
  LINKS="loopback 20/40" node bench/hydration.mjs "$base" ana demo1234 "$HYDRATION_RUNS" >"$WORK/hydration.json"
  phase_rss hydration
  # Each release ana holds is advanced once: a run longer than they last measures refusals
  # after them (SQLite advanced all 13,318 of 100,000 releases in under 10 s in the thirtieth
  # pass). The run lasts as long as they would at 2,500 advances/s, at most BENCH_SECONDS;
  # `advance_refused` counts the requests after they ran out.
  local advance_seconds
  advance_seconds=$(( $(wc -l <"$WORK/advance-ids") / 2500 ))
  advance_seconds=$(( advance_seconds < 1 ? 1 : advance_seconds > SECONDS_PER_RUN ? SECONDS_PER_RUN : advance_seconds ))
  log "$database: save and advance flow ($advance_seconds s)"
  BENCH_CATEGORY=$(echo "$seeded" | jq .solution_category) \
    wrk_json advance.lua "$base/api/advance_release" "$advance_seconds" "$CONNECTIONS" >"$WORK/advance.json"
  phase_rss advance

  local rss_kb
  rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
  # The app's own module is the first download; the lazily loaded pages' chunks
  # (`--split`) come when a page is first opened.
  local wasm=target/site/pkg/releasedesk.wasm lazy_gzip=0 chunk
  for chunk in target/site/pkg/*.wasm; do
    [ "$chunk" = "$wasm" ] || lazy_gzip=$((lazy_gzip + $(gzip -9c "$chunk" | wc -c)))
  done
  # What the server sends of it to a browser that accepts brotli and gzip, as Chromium does.
  local wasm_sent
  wasm_sent=$(curl -fsS -H 'Accept-Encoding: br, gzip' -o /dev/null -w '%{size_download}' "$base/pkg/releasedesk.wasm")
  jq -n \
    --argjson static "$(cat "$WORK/static.json")" --argjson list "$(cat "$WORK/list.json")" \
    --argjson deep "$(cat "$WORK/deep.json")" --argjson search "$(cat "$WORK/search.json")" \
    --argjson search_cold "$(cat "$WORK/search-cold.json")" \
    --argjson advance "$(cat "$WORK/advance.json")" --argjson capture "$(cat "$WORK/capture.json")" \
    --argjson hydration "$(jq .loopback "$WORK/hydration.json")" --argjson hydration_link "$(jq '."20/40"' "$WORK/hydration.json")" \
    --argjson seeded "$(echo "$seeded" | jq "{releases}")" \
    --argjson wasm_bytes "$(stat -c %s "$wasm")" --argjson wasm_gzip "$(gzip -9c "$wasm" | wc -c)" \
    --argjson wasm_lazy_gzip "$lazy_gzip" --argjson wasm_sent "$wasm_sent" --argjson sorted "$(cat "$WORK/sorted.json")" \
    --argjson export "$export_stats" --argjson export_rows "$export_rows" --argjson export_before "$export_before" \
    --argjson rss_kb "$rss_kb" --argjson seed_seconds "$seed_seconds" \
    --argjson panics "$(grep -c 'panicked' "$WORK/server.log" || true)" \
    --argjson rss_phases "{$(paste -sd, "$WORK/rss-phases")}" \
    '{
      static_rps: $static.rps,
      list_ssr_rps: $list.rps, list_ssr_p50_ms: $list.p50_ms, list_ssr_p99_ms: $list.p99_ms,
      list_ssr_deep_rps: $deep.rps, list_ssr_deep_p50_ms: $deep.p50_ms, list_ssr_deep_p99_ms: $deep.p99_ms,
      list_ssr_sorted_deep_rps: $sorted.rps, list_ssr_sorted_deep_p99_ms: $sorted.p99_ms,
      export_csv_rows: $export_rows, export_csv_seconds: $export.seconds, export_csv_mb: (($export.bytes / 1048576) * 10 | round / 10),
      export_csv_rss_growth_mb: (($rss_phases.export - $export_before) * 10 | round / 10),
      search_p50_ms: $search.p50_ms, search_p99_ms: $search.p99_ms, search_rps: $search.rps,
      search_cold_p99_ms: $search_cold.p99_ms, search_cold_rps: $search_cold.rps,
      advance_per_s: $advance.ok_per_s, advance_seconds: $advance.seconds, advance_refused: $advance.non_2xx,
      capture_winners: $capture.winners, capture_refused: $capture.refused, capture_p99_ms: $capture.p99_ms,
      capture_floor_p99_ms: $capture.floor_p99_ms, capture_cold_p99_ms: $capture.cold_p99_ms,
      capture_cold_winners: $capture.cold_winners,
      wasm_bytes: $wasm_bytes, wasm_gzip_bytes: $wasm_gzip, wasm_sent_bytes: $wasm_sent,
      wasm_lazy_pages_gzip_bytes: $wasm_lazy_gzip,
      page_hydrated_ms: $hydration.median_ms, page_bytes: $hydration.bytes,
      page_hydrated_20mbit_ms: $hydration_link.median_ms,
      rss_peak_mb: (($rss_kb / 1024) * 10 | round / 10), rss_mb_after: $rss_phases,
      releases: $seeded.releases, seed_seconds: $seed_seconds,
      errors: ([$static, $list, $deep, $sorted, $search_cold, $search] | map(.non_2xx + .socket_errors) | add),
      server_panics: $panics,
      errors_by_phase: {static: $static, list: $list, deep: $deep, sorted: $sorted, search_cold: $search_cold, search: $search, advance: $advance}
        | map_values({non_2xx, socket_errors})
    }' >"$WORK/result-$database.json"
  keep_log
  cleanup
}

for database in $DATABASES; do
  bench_database "$database"
done

jq -n '[inputs | {(input_filename | capture("result-(?<db>[a-z]+)").db): .}] | add' "$WORK"/result-*.json \
  >"$OUT/report.json"
jq -r '
  (keys_unsorted) as $dbs | (.[$dbs[0]] | keys_unsorted) as $keys
  | (["figure"] + $dbs | @tsv), ($keys[] as $k | [$k] + [$dbs[] as $d | .[$d][$k] | tostring] | @tsv)
' "$OUT/report.json" | if command -v column >/dev/null; then column -t -s $'\t'; else cat; fi
echo "Written: $OUT/report.json"
