#!/usr/bin/env bash
# A/B of one page rendered on the server: two release binaries serve the same seeded SQLite
# database in turn, and wrk measures each, alternating, so that the machine's drift falls on
# both. For a change whose cost is smaller than the spread between `make bench` runs.
#
#   bench/ab.sh OLD_BIN NEW_BIN
#
# Settings (environment): AB_PAIRS (5), AB_PATH (/releases), AB_RELEASES (100000),
# AB_SECONDS per run (6, after a 2 s warm-up). The database is seeded once, in
# target/bench/ab.db, and kept for the next comparison. Prints one line per run.
set -euo pipefail
cd "$(dirname "$0")/.."

OLD=${1:?the binary before the change}
NEW=${2:?the binary after it}
PAIRS=${AB_PAIRS:-5}
PAGE=${AB_PATH:-/releases}
SECONDS_PER_RUN=${AB_SECONDS:-6}
DB=target/bench/ab.db
WORK=$(mktemp -d /tmp/releasedesk-ab.XXXXXX)
SERVER_PID=
# shellcheck source=bench/lib.sh
source bench/lib.sh
trap '[[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

mkdir -p target/bench
[[ -f $DB ]] || DATABASE_URL=$DB RUST_LOG=error "$NEW" seed-bench --releases "${AB_RELEASES:-100000}" >/dev/null

measure() {
  local bin=$1 port base cookie out
  port=$(free_port)
  base=http://127.0.0.1:$port
  DATABASE_URL=$DB LEPTOS_SITE_ADDR=127.0.0.1:$port RUST_LOG=error "$bin" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_until_serving "$base"
  cookie=$(session_cookie "$base" ana)
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$PAGE") == 200 ]] || {
    echo "$PAGE did not answer 200 to $bin" >&2
    return 1
  }
  wrk -t 2 -c 32 -d 2s -H "Cookie: $cookie" "$base$PAGE" >/dev/null
  out=$(wrk -t 2 -c 32 -d "${SECONDS_PER_RUN}s" --latency -H "Cookie: $cookie" "$base$PAGE")
  printf '%s\t%s pages/s\tp99 %s\n' "$bin" "$(awk '/Requests\/sec/ { print $2 }' <<<"$out")" \
    "$(awk '$1 == "99%" { print $2 }' <<<"$out")"
  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

for _ in $(seq "$PAIRS"); do
  measure "$OLD"
  measure "$NEW"
done
