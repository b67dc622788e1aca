# What bench/run.sh and bench/ab.sh share: sourced, from the repository's root. The server
# they start is SERVER_PID, its output $WORK/server.log.

# A free TCP port on loopback. Node is there for the browser tests already; python3 may not be.
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

# Stops the server, if one runs, and waits for it to end.
stop_server() {
  [[ -z $SERVER_PID ]] || { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  SERVER_PID=
}

# Waits until the server at $1 answers, or says why not.
wait_until_serving() {
  for _ in $(seq 1 300); do
    curl -fso /dev/null "$1/login" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server stopped; see $WORK/server.log" >&2; cat "$WORK/server.log" >&2; return 1; }
    sleep 0.1
  done
  echo "the server did not answer at $1" >&2
  return 1
}

# The session cookie of user $2 (the demo password) at $1, as `name=value`.
session_cookie() {
  curl -fsS -o /dev/null -D - -H 'Content-Type: application/x-www-form-urlencoded' \
    --data "username=$2&password=demo1234" "$1/api/login" \
    | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(releasedesk_session=[^;]*\).*/\1/p' | head -1
}

# The burst of 200 captures of one task (bench/capture.mjs), after a warm-up burst on another,
# on the server at $1, by the bench users that `seed-bench` reported in the JSON $2; prints its
# JSON line.
capture_burst() {
  node bench/capture.mjs "$1" "$(jq .capture_target <<<"$2")" "$(jq .capture_warm_up_target <<<"$2")" \
    bench "$(jq .bench_users <<<"$2")" demo1234
}

# wrk at $4 connections for $3 seconds with the report script bench/wrk/$1 on $2; prints its
# JSON line. wrk counts a redirect as a success, so a page (get.lua) is first checked to answer
# 200 to the same request, within 30 s: a page that never answers is a failure to report, not
# a run that waits forever, and the report says how far the answer came (its head, the
# server's sockets) for a request never read, a head never sent and a body that stopped to be
# told apart. BENCH_THREADS, BENCH_COOKIE and what the script reads come from the environment.
wrk_json() {
  local script=$1 url=$2 seconds=$3 connections=$4 status failed=0
  if [[ $script == get.lua ]]; then
    status=$(curl -s --max-time 30 -o /dev/null -D "$WORK/check-head" -w '%{http_code}' \
      ${BENCH_COOKIE:+-H "Cookie: $BENCH_COOKIE"} "$url") || failed=$?
    if [[ $failed != 0 || $status != 200 ]]; then
      [[ $failed == 0 ]] && echo "$url answered $status, not 200" >&2 \
        || echo "$url did not answer (curl's exit status $failed; 28 is its 30 s limit)" >&2
      echo "the answer's head, as far as it came:" >&2
      if [[ -s $WORK/check-head ]]; then cat "$WORK/check-head" >&2; else echo "(none)" >&2; fi
      echo "the server's sockets (Recv-Q: what it has not read):" >&2
      ss -tnp 2>/dev/null | grep "pid=$SERVER_PID," >&2 || true
      echo "the server's log:" >&2
      tail -n 50 "$WORK/server.log" >&2
      return 1
    fi
  fi
  wrk -t "$BENCH_THREADS" -c "$connections" -d "${seconds}s" --timeout 10s -s "bench/wrk/$script" "$url" \
    | grep '^{'
}
