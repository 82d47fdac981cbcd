#!/bin/sh
# bench/serve_bench.sh O - the protocol benchmarks against a real `dk serve`
# (release build $O/dk) on 127.0.0.1 with a fresh data directory:
#   bench_http: file_read throughput over keep-alive with an epoll load
#     generator, against GET /healthz and a bare libmicrohttpd answer measured
#     in the same run (target >= 20,000 requests/s on the 2-core machine);
#   bench_sse: 1,000 SSE watchers receiving every event of a burst of 20
#     writes (count, p50/p99 delivery latency, server RSS), then 500 watchers
#     of demo alone against 500 of demo plus 500 on 50 idle repositories
#     watched first (the p50 ratio: how promptly one repository among many
#     is woken).
# BENCH_HTTP_CONNS (16), BENCH_HTTP_SECONDS (5), BENCH_SSE_WATCHERS (1000),
# BENCH_SSE_EVENTS (20) change the sizes. Exits non-zero only when a request
# fails or a watcher misses an event (no timed assertions).
set -eu
case "${1:-}" in -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/.."
O=${1:-build/release}
d=$O/bench-serve
rm -rf "$d"; mkdir -p "$d"
cc -std=c17 -O2 -g -D_GNU_SOURCE -o "$O/bench_http" bench/bench_http.c \
    $(pkg-config --cflags --libs libmicrohttpd)
cc -std=c17 -O2 -g -D_GNU_SOURCE -o "$O/bench_sse" bench/bench_sse.c -lpthread
git init -q -b main "$d/src"
printf 'def f(x):\n    return x + 1\n\n\ndef g(x):\n    return x + 2\n' > "$d/src/app.py"
git -C "$d/src" add app.py
git -C "$d/src" -c user.name=bench -c user.email=bench@example.com commit -qm init
"$O/dk" repo import demo "$d/src" --data "$d/data" >/dev/null
i=1; while [ $i -le 50 ]; do "$O/dk" repo init "idle$i" --data "$d/data" >/dev/null; i=$((i + 1)); done
"$O/dk" serve --listen 127.0.0.1:0 --heartbeat-ms 1000 --data "$d/data" >"$d/serve.out" 2>"$d/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
n=0
while [ ! -s "$d/serve.out" ]; do
    n=$((n + 1)); [ $n -lt 200 ] || { echo "serve_bench: dk serve did not start" >&2; cat "$d/serve.err" >&2; exit 1; }
    sleep 0.05
done
url=$(head -1 "$d/serve.out"); hostport=${url#http://}
token=$(cat "$d/data/admin.token")
sid=$(curl -s --max-time 10 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data '{"repo":"demo","intent":"benchmark","agent_id":"bench"}' "$url/v1/connect" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')
"$O/bench_http" "$hostport" "$token" "$sid" app.py "${BENCH_HTTP_CONNS:-16}" "${BENCH_HTTP_SECONDS:-5}"
echo
"$O/bench_sse" "$hostport" "$token" "$sid" app.py "$pid" "${BENCH_SSE_WATCHERS:-1000}" "${BENCH_SSE_EVENTS:-20}" 50
