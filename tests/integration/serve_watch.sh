#!/bin/sh
# tests/integration/serve_watch.sh - GET /v1/watch as Server-Sent Events:
# events arrive with `id:` lines, a dropped connection resumes with
# Last-Event-ID exactly after the last id seen (nothing lost, nothing twice),
# type filters, heartbeats, a suspended watcher woken by a new event, the
# long-poll `watch` operation, and quick requests answered while watchers and
# long polls wait. Auth: 401 without a token, 403 on another repository.
. "$(dirname "$0")/lib/serve_env.sh"
serve_start --heartbeat-ms 400

# Every wait is on state (a line in a stream), bounded by a generous 60 s: no
# check depends on how fast a loaded machine answers.
wait_for() { # wait_for FILE PATTERN
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 1200 ] || fail "timed out (60 s) waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
        sleep 0.05
    done
}
ids() { grep '^id: ' "$1" | sed 's/^id: //' | tr '\n' ' '; }

curl -sN --max-time 90 -H "Authorization: Bearer $TOKEN" "$URL/v1/watch?repo=demo&since=0" > "$tmp/w1" &
W1=$!
connect alice
ok file_write "{\"session_id\":\"$SID\",\"path\":\"app.py\",\"content\":$(app_with 1 '* 10')}"
wait_for "$tmp/w1" 'event: claim.acquired'
grep -q '^event: session.connected' "$tmp/w1" || fail "connected event"
kill $W1; wait $W1 2>/dev/null || true
last=$(grep '^id: ' "$tmp/w1" | tail -1 | sed 's/^id: //')
seen=$(ids "$tmp/w1")
[ -n "$last" ] || fail "no ids"
# ids are increasing from 1 with no gaps
expect_ids=$(seq 1 "$last" | tr '\n' ' ')
[ "$seen" = "$expect_ids" ] || fail "ids '$seen' != '$expect_ids'"
# each data line is one JSON event with the same id
grep '^data: ' "$tmp/w1" | sed 's/^data: //' | python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in sys.stdin]
assert ids == sorted(ids) and len(ids) == len(set(ids)), ids' || fail "data lines"

# while nobody watches: more events
ok submit "{\"session_id\":\"$SID\"}"
ok land "{\"session_id\":\"$SID\"}"

# resume after the last id seen: the next id first, nothing repeated; read until
# the landing's event and a heartbeat came
curl -sN --max-time 90 -H "Authorization: Bearer $TOKEN" -H "Last-Event-ID: $last" \
    "$URL/v1/watch?repo=demo" > "$tmp/w2" &
W2=$!
wait_for "$tmp/w2" '^event: changeset.merged'
wait_for "$tmp/w2" '^: ping'
kill $W2; wait $W2 2>/dev/null || true
first=$(grep '^id: ' "$tmp/w2" | head -1 | sed 's/^id: //')
[ "$first" = $((last + 1)) ] || fail "resume started at $first, want $((last + 1))"
grep -q '^event: changeset.submitted' "$tmp/w2" || fail "resume missed changeset.submitted"
grep -q '^event: changeset.merged' "$tmp/w2" || fail "resume missed changeset.merged"
for i in $(ids "$tmp/w2"); do [ "$i" -gt "$last" ] || fail "event $i delivered twice"; done
# (and a heartbeat came while the stream was idle: waited for above)

# a type filter (read until the last matching event, changeset.merged, came)
curl -sN --max-time 90 -H "Authorization: Bearer $TOKEN" "$URL/v1/watch?repo=demo&since=0&types=changeset.*" > "$tmp/w3" &
W3=$!
wait_for "$tmp/w3" '^event: changeset.merged'
kill $W3; wait $W3 2>/dev/null || true
[ "$(grep '^event: ' "$tmp/w3" | sort -u | sed 's/event: //' | tr '\n' ' ')" = "changeset.merged changeset.submitted " ] || fail "filter: $(grep '^event: ' "$tmp/w3")"

# a waiting watcher is woken by a new event (the hub, no polling by the client)
latest=$(grep '^id: ' "$tmp/w2" | tail -1 | sed 's/^id: //')
curl -sN --max-time 90 -H "Authorization: Bearer $TOKEN" "$URL/v1/watch?repo=demo&since=$latest&types=file.*" > "$tmp/w4" &
W4=$!
sleep 0.5
ok file_write "{\"session_id\":\"$SID\",\"path\":\"app.py\",\"content\":$(app_with 2 '* 20')}"
wait_for "$tmp/w4" 'event: file.written'
kill $W4; wait $W4 2>/dev/null || true

# the long-poll operation: blocks until an event, on a worker; quick requests still answer
ok watch "{\"repo\":\"demo\",\"since\":0,\"types\":\"session.*\",\"max\":5}"
[ "$(jq_ 'j["events"][0]["type"]')" = session.connected ] || fail "watch op"
ok watch "{\"repo\":\"demo\",\"since\":$latest}"
now=$(jq_ 'j["next"]')
(BODYFILE="$tmp/body.lp"; op watch "{\"repo\":\"demo\",\"since\":$now,\"timeout_ms\":60000}"; echo "$STATUS $BODY" > "$tmp/lp") &
LP=$!
(BODYFILE="$tmp/body.lp2"; op watch "{\"repo\":\"other\",\"since\":0,\"timeout_ms\":3000}"; echo "$STATUS" > "$tmp/lp2") &
LP2=$!
sleep 0.3
ok file_read "{\"session_id\":\"$SID\",\"path\":\"app.py\"}"
STATUS=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' "$URL/healthz"); [ "$STATUS" = 200 ] || fail healthz
# answered while the long poll on demo still waits (no event for it yet, 60 s
# timeout): the quick requests did not queue behind it (no clock involved)
[ ! -e "$tmp/lp" ] && kill -0 $LP 2>/dev/null || fail "quick requests answered only after the long poll ended"
ok file_write "{\"session_id\":\"$SID\",\"path\":\"app.py\",\"content\":$(app_with 3 '* 30')}"
wait $LP
grep -q '^200 .*file.written' "$tmp/lp" || fail "long poll: $(cat "$tmp/lp")"
wait $LP2
[ "$(cat "$tmp/lp2")" = 200 ] || fail "long poll timeout"

# auth and arguments
STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' "$URL/v1/watch?repo=demo"); BODY=$(cat "$tmp/body")
expect 401 UNAUTHORIZED
other=$("$DK" token create --scope read --repo other --data "$tmp/data" 2>/dev/null)
STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $other" "$URL/v1/watch?repo=demo"); BODY=$(cat "$tmp/body")
expect 403 FORBIDDEN
op watch '{"repo":"demo"}' "$other"; expect 403 FORBIDDEN
STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/watch?repo=nosuch"); BODY=$(cat "$tmp/body")
expect 404 NOT_FOUND
STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/watch?repo=demo&since=-4"); BODY=$(cat "$tmp/body")
expect 400 INVALID_ARGUMENT
STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/watch"); BODY=$(cat "$tmp/body")
expect 400 INVALID_ARGUMENT
serve_finish
echo "serve_watch: ok"
