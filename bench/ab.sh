#!/usr/bin/env bash
# A/B of two release binaries: they serve the same seeded database in turn (SQLite, or the
# PostgreSQL one AB_DATABASE_URL names), and wrk measures each, alternating, so that the
# machine's drift falls on both. For a change whose cost is smaller than the spread between
# `make bench` runs.
#
#   bench/ab.sh OLD_BIN NEW_BIN
#
# Settings (environment):
#   AB_WORK      page (default): one page rendered on the server, AB_PATH (/releases);
#                search: the list's server function searching title words, as `make bench`;
#                advances: "Guardar y avanzar flujo" on releases ana holds, as `make bench`;
#                capture: 200 people capture the same task at once, as `make bench`
#                (bench/capture.mjs); prints its p50 and p99 and the static burst's (the
#                floor) beside them
#   AB_STREAMS   live-event streams held open during each run (0), as a team's open tabs:
#                the bench users' sessions, spread over them (bench/streams.mjs); not with
#                capture
#   AB_PAIRS     how many pairs of runs (5)
#   AB_RELEASES  the database's size (100000)
#   AB_SECONDS   per run (6), after a 2 s warm-up
#   AB_DATABASE_URL  a PostgreSQL database `releasedesk seed-bench` filled, served by both
#                binaries in place of the SQLite copy. Page and search read it in place; the
#                advances and captures write, so each of their runs serves a fresh copy of
#                it, made on its cluster (`CREATE DATABASE … TEMPLATE` with psql, as a role
#                that may create databases and owns that one, or a superuser) and dropped
#                after the run
#   AB_SEEDED    with AB_DATABASE_URL, for advances and capture: the JSON `seed-bench` printed
#                when it filled that database (the releases ana holds, the task to capture)
#   AB_OLD_DATABASE_URL  for page and search, when NEW adds a migration that OLD refuses: the
#                database OLD serves instead, a copy of AB_DATABASE_URL's data at OLD's
#                migrations
# Without AB_DATABASE_URL, the SQLite database is seeded once per size, in
# target/bench/ab-RELEASES.db (what the seed reports beside it, in ab-RELEASES.json), and kept
# for the next comparison; each run serves a fresh copy of it, so that the writes of one run
# leave nothing to the next. Prints one line per run.
set -euo pipefail
# A relative AB_SEEDED is the caller's, from where they ran this.
[[ -z ${AB_SEEDED:-} ]] || AB_SEEDED=$(realpath -m -- "$AB_SEEDED")
cd "$(dirname "$0")/.."

OLD=${1:?the binary before the change}
NEW=${2:?the binary after it}
WORK_KIND=${AB_WORK:-page}
PAIRS=${AB_PAIRS:-5}
PAGE=${AB_PATH:-/releases}
SECONDS_PER_RUN=${AB_SECONDS:-6}
RELEASES=${AB_RELEASES:-100000}
DB=target/bench/ab-$RELEASES.db
SEEDED=target/bench/ab-$RELEASES.json
WORK=$(mktemp -d /tmp/releasedesk-ab.XXXXXX)
STREAMS=${AB_STREAMS:-0}
SERVER_PID= COPY_MADE= STREAMS_PID=
# shellcheck source=bench/lib.sh
source bench/lib.sh
# An interrupted run leaves no server and no copy of the PostgreSQL database behind.
trap 'stop_streams; stop_server; [[ -z $COPY_MADE ]] || drop_copy; rm -rf "$WORK"' EXIT
case $WORK_KIND in
  page | search | advances | capture) ;;
  *) echo "AB_WORK is page, search, advances or capture, not $WORK_KIND" >&2; exit 2 ;;
esac
SERVED=${AB_DATABASE_URL:-}
# The JSON of a seed-bench from before it named a capture burst's warm-up target.
outdated() { ! jq -e .capture_warm_up_target "$SEEDED" >/dev/null 2>&1; }
if [[ -n $SERVED ]]; then
  # postgres://…/NAME?OPTIONS: the cluster, the database's name, and the options every
  # connection keeps.
  SERVED_BASE=${SERVED%%\?*}
  SERVED_OPTIONS=${SERVED#"$SERVED_BASE"}
  SERVED_NAME=${SERVED_BASE##*/}
  CLUSTER=${SERVED_BASE%/*}
  COPY=${SERVED_NAME}_ab
  SEEDED=${AB_SEEDED:-}
  if [[ -n ${AB_OLD_DATABASE_URL:-} && ! $WORK_KIND =~ ^(page|search)$ ]]; then
    echo "AB_OLD_DATABASE_URL is read by page and search only" >&2
    exit 2
  fi
  if [[ $WORK_KIND =~ ^(advances|capture)$ && ! -f $SEEDED ]]; then
    echo "$WORK_KIND on AB_DATABASE_URL needs AB_SEEDED: the JSON seed-bench printed when it filled it" >&2
    exit 2
  fi
  if [[ $WORK_KIND == capture ]] && outdated; then
    echo "capture needs capture_warm_up_target in AB_SEEDED (seed-bench prints it since the thirtieth pass)" >&2
    exit 2
  fi
fi

mkdir -p target/bench
if [[ -z $SERVED ]] && { [[ ! -f $DB || ! -f $SEEDED ]] || outdated; }; then
  rm -f "$DB" "$DB-wal" "$DB-shm"
  DATABASE_URL=$DB RUST_LOG=error "$NEW" seed-bench --releases "$RELEASES" >"$SEEDED.new"
  mv "$SEEDED.new" "$SEEDED"
fi
# The advances: the releases ana holds, a third of them (at most 2,000) for the warm-up and
# the rest for the run (each release is advanced once).
export BENCH_DIR=$PWD/bench BENCH_THREADS=2 BENCH_CATEGORY
if [[ $WORK_KIND == advances ]]; then
  BENCH_CATEGORY=$(jq .solution_category "$SEEDED")
  jq -r '.held_by_ana[]' "$SEEDED" >"$WORK/held-ids"
  WARM_UP=$(($(wc -l <"$WORK/held-ids") / 3))
  WARM_UP=$((WARM_UP < 2000 ? WARM_UP : 2000))
  head -n "$WARM_UP" "$WORK/held-ids" >"$WORK/warm-up-ids"
  tail -n "+$((WARM_UP + 1))" "$WORK/held-ids" >"$WORK/run-ids"
fi

# `wrk_json` (bench/lib.sh) on the server at $1 with the session cookie $2, for $3 seconds;
# advances take the releases listed in the file $4.
load() {
  local base=$1 cookie=$2 seconds=$3 ids=$4
  case $WORK_KIND in
    page) BENCH_COOKIE=$cookie wrk_json get.lua "$base$PAGE" "$seconds" 32 ;;
    search) BENCH_COOKIE=$cookie wrk_json search.lua "$base/api/list_releases" "$seconds" 32 ;;
    advances)
      BENCH_COOKIE=$cookie BENCH_ADVANCE_IDS=$ids wrk_json advance.lua "$base/api/advance_release" "$seconds" 32 ;;
  esac
}

# `psql` on the maintenance database of the cluster that holds the database at $SERVED.
on_cluster() {
  PGOPTIONS="-c client_min_messages=warning" psql -qX -v ON_ERROR_STOP=1 "$CLUSTER/postgres$SERVED_OPTIONS" "$@" >&2
}
drop_copy() { on_cluster -c "DROP DATABASE IF EXISTS \"$COPY\" WITH (FORCE)" && COPY_MADE=; }

# The burst of captures on the server at $2, the binary $1 serving it.
burst() {
  local bin=$1 base=$2 out
  out=$(capture_burst "$base" "$(cat "$SEEDED")")
  if [[ $(jq .winners <<<"$out") -ne 1 || $(jq .cold_winners <<<"$out") -ne 1 ]]; then
    echo "not one winner on $bin: $out" >&2
    return 1
  fi
  printf '%s\tcapture p50 %s ms\tp99 %s ms\tfloor p50 %s ms\tp99 %s ms\tcold p99 %s ms\n' "$bin" \
    "$(jq .p50_ms <<<"$out")" "$(jq .p99_ms <<<"$out")" "$(jq .floor_p50_ms <<<"$out")" \
    "$(jq .floor_p99_ms <<<"$out")" "$(jq .cold_p99_ms <<<"$out")"
}

# Opens $STREAMS live-event streams on the server at $1 and waits until they all answered.
open_streams() {
  local base=$1
  [[ $STREAMS -gt 0 ]] || return 0
  # The last run's answer must not count for this one.
  rm -f "$WORK/streams.out"
  node bench/streams.mjs "$base" bench "$(jq .bench_users "$SEEDED")" demo1234 "$STREAMS" >"$WORK/streams.out" &
  STREAMS_PID=$!
  for _ in $(seq 1 600); do
    grep -qs '"open"' "$WORK/streams.out" && return 0
    kill -0 "$STREAMS_PID" 2>/dev/null || { echo "the streams did not open" >&2; return 1; }
    sleep 0.1
  done
  echo "the streams did not open within 60 s" >&2
  return 1
}
stop_streams() {
  [[ -z $STREAMS_PID ]] || { kill "$STREAMS_PID" 2>/dev/null || true; wait "$STREAMS_PID" 2>/dev/null || true; }
  STREAMS_PID=
}

# The rate of $WORK_KIND's requests on the server at $2, the binary $1 serving it.
rate() {
  local bin=$1 base=$2 cookie out
  open_streams "$base"
  cookie=$(session_cookie "$base" ana)
  load "$base" "$cookie" 2 "$WORK/warm-up-ids" >/dev/null
  out=$(load "$base" "$cookie" "$SECONDS_PER_RUN" "$WORK/run-ids")
  if [[ $(jq '.requests - .non_2xx' <<<"$out") -eq 0 ]]; then
    echo "no request of the run succeeded on $bin: $out" >&2
    return 1
  fi
  stop_streams
  printf '%s\t%s %s/s\tp99 %s ms\tnon-2xx %s\tstreams %s\n' "$bin" "$(jq .ok_per_s <<<"$out")" \
    "$WORK_KIND" "$(jq .p99_ms <<<"$out")" "$(jq .non_2xx <<<"$out")" "$STREAMS"
}

measure() {
  local bin=$1 port base served=$SERVED
  [[ $bin != "$OLD" || -z ${AB_OLD_DATABASE_URL:-} ]] || served=$AB_OLD_DATABASE_URL
  if [[ -z $served ]]; then
    rm -f "$WORK"/run.db*
    cp "$DB" "$WORK/run.db"
    for journal in wal shm; do [[ ! -f $DB-$journal ]] || cp "$DB-$journal" "$WORK/run.db-$journal"; done
    served=$WORK/run.db
  elif [[ $WORK_KIND =~ ^(advances|capture)$ ]]; then
    drop_copy
    COPY_MADE=1
    on_cluster -c "CREATE DATABASE \"$COPY\" TEMPLATE \"$SERVED_NAME\""
    served=$CLUSTER/$COPY$SERVED_OPTIONS
  fi
  port=$(free_port)
  base=http://127.0.0.1:$port
  DATABASE_URL=$served LEPTOS_SITE_ADDR=127.0.0.1:$port RUST_LOG=error "$bin" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_until_serving "$base"
  if [[ $WORK_KIND == capture ]]; then burst "$bin" "$base"; else rate "$bin" "$base"; fi
  stop_server
  [[ -z $COPY_MADE ]] || drop_copy
}

for _ in $(seq "$PAIRS"); do
  measure "$OLD"
  measure "$NEW"
done
