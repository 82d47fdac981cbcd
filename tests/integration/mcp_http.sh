#!/bin/sh
# tests/integration/mcp_http.sh - MCP streamable HTTP at /mcp inside `dk serve`,
# driven by the official MCP TypeScript SDKs (tests/mcp, pinned): v1
# @modelcontextprotocol/sdk (2025-11-25, Mcp-Session-Id) and v2
# @modelcontextprotocol/client (2026-07-28 stateless; "auto" probes with
# server/discover). Tokens: wrong, missing, another token's session. Then the
# transport by hand with curl: Origin (DNS rebinding), methods, header/body
# checks, versions, legacy sessions, an SSE answer, a notification; and
# `dk mcp --server URL` forwarding stdio to the same server.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
cd "${DK_SRCDIR:-.}"
MCP=$(pwd)/tests/mcp
[ -d "$MCP/node_modules/@modelcontextprotocol/client" ] && [ -d "$MCP/node_modules/@modelcontextprotocol/sdk" ] ||
    { echo "FAIL: tests/mcp/node_modules missing: run scripts/deps" >&2; exit 1; }
tmp=$(mktemp -d)
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    [ -f "$tmp/serve.err" ] && tail -15 "$tmp/serve.err" >&2
    exit 1
}

git init -q -b main "$tmp/src"
printf 'def alpha():\n    return 1\n\n\ndef beta():\n    return 2\n\n\ndef gamma():\n    return 3\n' > "$tmp/src/app.py"
git -C "$tmp/src" add app.py
git -C "$tmp/src" -c user.name=t -c user.email=t@example.com commit -qm init
# slowpipe: two pipeline steps of 0.4 s each (progress streamed while they run)
mkdir -p "$tmp/slow/.dk"
printf 'all:\n\tsleep 0.4\ntest:\n\tsleep 0.4\n' > "$tmp/slow/Makefile"
printf 'stages:\n  - name: build\n    steps:\n      - name: build\n        run: make\n  - name: test\n    steps:\n      - name: unit\n        run: make test\n' > "$tmp/slow/.dk/pipeline.yaml"
git -C "$tmp/slow" init -q -b main && git -C "$tmp/slow" add . &&
    git -C "$tmp/slow" -c user.name=t -c user.email=t@example.com commit -qm init
"$DK" repo import slowpipe "$tmp/slow" --data "$tmp/data" > /dev/null || fail "dk repo import slowpipe"
# demo0 for the scenarios that land nothing; run() imports one per landing scenario
"$DK" repo import demo0 "$tmp/src" --data "$tmp/data" > /dev/null || fail "dk repo import"

"$DK" serve --listen 127.0.0.1:0 --data "$tmp/data" > "$tmp/serve.out" 2> "$tmp/serve.err" &
PID=$!
i=0
while [ ! -s "$tmp/serve.out" ]; do
    i=$((i + 1)); [ $i -lt 1200 ] || fail "server did not start in 60 s"
    kill -0 "$PID" 2>/dev/null || fail "server exited at start"
    sleep 0.05
done
URL=$(head -1 "$tmp/serve.out")
TOKEN=$(cat "$tmp/data/admin.token")
TOKEN2=$("$DK" token create --scope write --data "$tmp/data" | tail -1)
case $TOKEN2 in dkt_*) ;; *) fail "dk token create printed '$TOKEN2'" ;; esac

k=0
run() { # run SCENARIOS ARGS...: one node process, one fresh repository per scenario
    t0=$(date +%s%N)
    repos=
    for _s in $(echo "$1" | tr , ' '); do
        case $_s in
        flow | claim | conflict | more) # they land: a fresh repository each
            k=$((k + 1))
            "$DK" repo import "demo$k" "$tmp/src" --data "$tmp/data" > /dev/null || fail "dk repo import"
            repos=${repos:+$repos,}demo$k ;;
        *) repos=${repos:+$repos,}demo0 ;; # read-only on the branch: shared
        esac
    done
    echo "== $* ($repos)"
    DK_BIN=$DK DK_REPO=$repos DK_URL=$URL/mcp DK_TOKEN=$TOKEN DK_TOKEN2=$TOKEN2 \
        timeout 300 node "$MCP/client.mjs" "$@" > "$tmp/out" 2>&1 || { cat "$tmp/out"; fail "scenario $*"; }
    ! grep -q 'AddressSanitizer\|runtime error:' "$tmp/out" || { cat "$tmp/out"; fail "sanitizer report in dk mcp"; }
    echo "   checks: $(grep -c '^ok' "$tmp/out"), $((($(date +%s%N) - t0) / 1000000)) ms"
}

run tools,flow,claim,errors,more,auth,progress --sdk v1 --transport http
run tools,flow,conflict,errors,cross,watch,auth,progress --sdk v2 --era modern --transport http
run tools --sdk v2 --era auto --transport http
run tools,claim --sdk v2 --era legacy --transport http
# dk mcp --server: stdio in front, the same server behind
export DK_MCP_SERVER="$URL"
run flow --sdk v2 --era modern --transport stdio
unset DK_MCP_SERVER

# ---- the transport by hand -------------------------------------------------------
M='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
post() { # [AUTH=TOKEN] post NAME BODY [curl args...]: status in $tmp/NAME.st, headers .h, body .b
    name=$1; body=$2; shift 2
    curl -s --max-time 60 -o "$tmp/$name.b" -D "$tmp/$name.h" -w '%{http_code}' -X POST "$URL/mcp" \
        -H "Authorization: Bearer ${AUTH:-$TOKEN}" -H 'Content-Type: application/json' "$@" -d "$body" > "$tmp/$name.st"
}
check() { # check NAME STATUS [JSON-RPC error code]
    st=$(cat "$tmp/$1.st")
    [ "$st" = "$2" ] || fail "$1: HTTP $st, expected $2: $(cat "$tmp/$1.b")"
    if [ -n "${3:-}" ]; then
        python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['error']; assert e['code']==int(sys.argv[2]), e" \
            "$tmp/$1.b" "$3" || fail "$1: expected JSON-RPC error $3: $(cat "$tmp/$1.b")"
    fi
    echo "ok - $1: $2 ${3:-}"
}
J='-H Accept:application/json,text/event-stream'
disc="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{$M}}"

post evil_origin "$disc" -H 'Origin: http://evil.example' -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: server/discover'
check evil_origin 403 -32600
post local_origin "$disc" -H 'Origin: http://localhost:5173' -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: server/discover' $J
check local_origin 200
AUTH=dkt_wrong_00 post no_token "$disc" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: server/discover'
check no_token 401
post no_version_header "$disc" -H 'Mcp-Method: server/discover' $J
check no_version_header 400 -32020
post method_mismatch "$disc" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/list' $J
check method_mismatch 400 -32020
post name_mismatch "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"dk_status\",\"arguments\":{\"session_id\":\"x\"},$M}}" \
    -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call' -H 'Mcp-Name: dk_close' $J
check name_mismatch 400 -32020
post old_version "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"1900-01-01\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}" \
    -H 'MCP-Protocol-Version: 1900-01-01' -H 'Mcp-Method: tools/list' $J
check old_version 400 -32022
post unknown_method "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"prompts/list\",\"params\":{$M}}" \
    -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: prompts/list' $J
check unknown_method 404 -32601
post parse_error '{"jsonrpc":' $J
check parse_error 400 -32700
post no_session '{"jsonrpc":"2.0","id":5,"method":"tools/list"}' $J
check no_session 400 -32600
post bad_session '{"jsonrpc":"2.0","id":6,"method":"tools/list"}' -H 'Mcp-Session-Id: mcp_0000' $J
check bad_session 404
post init '{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}' \
    -H 'Accept: text/event-stream'
check init 200
grep -qi '^content-type: text/event-stream' "$tmp/init.h" || fail "init: SSE answer expected for Accept: text/event-stream"
grep -q '^data: {"jsonrpc":"2.0","id":7,"result":{"protocolVersion":"2025-06-18"' "$tmp/init.b" || fail "init: SSE body: $(cat "$tmp/init.b")"
SID=$(tr -d '\r' < "$tmp/init.h" | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')
[ -n "$SID" ] || fail "init: no Mcp-Session-Id"
echo "ok - init: SSE answer, Mcp-Session-Id $SID"
post initialized '{"jsonrpc":"2.0","method":"notifications/initialized"}' -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-06-18' $J
check initialized 202
[ ! -s "$tmp/initialized.b" ] || fail "a notification got a body"
post ping '{"jsonrpc":"2.0","id":8,"method":"ping"}' -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-06-18' $J
check ping 200
AUTH=$TOKEN2 post other_token '{"jsonrpc":"2.0","id":9,"method":"ping"}' -H "Mcp-Session-Id: $SID" $J
check other_token 404
st=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' "$URL/mcp" -H "Authorization: Bearer $TOKEN")
[ "$st" = 405 ] || fail "GET /mcp: $st"; echo "ok - GET /mcp: 405"
st=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' -X DELETE "$URL/mcp" -H "Authorization: Bearer $TOKEN2" -H "Mcp-Session-Id: $SID")
[ "$st" = 403 ] || fail "DELETE by another token: $st"; echo "ok - DELETE by another token: 403"
st=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' -X DELETE "$URL/mcp" -H "Authorization: Bearer $TOKEN" -H "Mcp-Session-Id: $SID")
[ "$st" = 200 ] || fail "DELETE: $st"; echo "ok - DELETE: 200"
post ping_after '{"jsonrpc":"2.0","id":10,"method":"ping"}' -H "Mcp-Session-Id: $SID" $J
check ping_after 404
post not_acceptable "$disc" -H 'Accept: text/html' -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: server/discover'
check not_acceptable 406

# progress by hand: a dk_verify with a progressToken is answered as an SSE stream, the
# step notifications first, the response last; JSON-only clients get the response alone
tc() { # tc ID TOOL ARGS [META-EXTRA]: a modern tools/call body
    printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}%s}}}' "$1" "$2" "$3" "${4:-}"
}
H() { echo "-H MCP-Protocol-Version:2026-07-28 -H Mcp-Method:tools/call -H Mcp-Name:$1"; }
post pg_connect "$(tc 20 dk_connect '{"repo":"demo0","intent":"progress by hand","agent_id":"raw"}')" $(H dk_connect) $J
check pg_connect 200
PSID=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['result']['structuredContent']['session_id'])" "$tmp/pg_connect.b")
post pg_write "$(tc 21 dk_file_write "{\"session_id\":\"$PSID\",\"path\":\"raw.py\",\"content\":\"x = 1\\n\"}")" $(H dk_file_write) $J
check pg_write 200
post pg_verify "$(tc 22 dk_verify "{\"session_id\":\"$PSID\",\"check\":true}" ',"progressToken":"p-22"')" $(H dk_verify) $J
check pg_verify 200
grep -qi '^content-type: text/event-stream' "$tmp/pg_verify.h" || fail "progress: not an SSE answer: $(cat "$tmp/pg_verify.h")"
python3 - "$tmp/pg_verify.b" <<'PY' || fail "progress stream: $(cat "$tmp/pg_verify.b")"
import json, sys
msgs = [json.loads(l[6:]) for l in open(sys.argv[1]).read().splitlines() if l.startswith("data: ")]
notes, last = msgs[:-1], msgs[-1]
assert last["id"] == 22 and "result" in last, last
steps = last["result"]["structuredContent"]["steps"]
assert len(notes) == len(steps) >= 1, (notes, steps)
for i, n in enumerate(notes):
    assert n["method"] == "notifications/progress" and "id" not in n, n
    p = n["params"]
    assert p["progressToken"] == "p-22" and p["progress"] == i + 1, p
    assert p["message"].startswith("step %s " % steps[i]["name"]), p
PY
echo "ok - pg_verify: $(grep -c '^data: ' "$tmp/pg_verify.b") SSE events, progress then the response"
post pg_verify_json "$(tc 23 dk_verify "{\"session_id\":\"$PSID\",\"check\":true}" ',"progressToken":"p-23"')" $(H dk_verify) -H 'Accept: application/json'
check pg_verify_json 200
grep -qi '^content-type: application/json' "$tmp/pg_verify_json.h" || fail "progress, JSON-only client: $(cat "$tmp/pg_verify_json.h")"
! grep -q 'notifications/progress' "$tmp/pg_verify_json.b" || fail "progress sent to a JSON-only client"
echo "ok - pg_verify_json: JSON answer, no notification"
post pg_bad_token "$(tc 24 dk_verify "{\"session_id\":\"$PSID\",\"check\":true}" ',"progressToken":{"x":1}')" $(H dk_verify) $J
check pg_bad_token 200 -32602
post pg_abandon "$(tc 25 dk_abandon "{\"session_id\":\"$PSID\"}")" $(H dk_abandon) $J
check pg_abandon 200
# a pipeline of slow steps (slowpipe): each event arrives while the next step runs (the
# reader waits suspended in between); a client that leaves mid-stream harms nothing
post sp_connect "$(tc 26 dk_connect '{"repo":"slowpipe","intent":"slow steps","agent_id":"slow"}')" $(H dk_connect) $J
check sp_connect 200
SPSID=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['result']['structuredContent']['session_id'])" "$tmp/sp_connect.b")
sp_verify() { tc "$1" dk_verify "{\"session_id\":\"$SPSID\",\"check\":true}" ",\"progressToken\":$1"; }
curl -s -N --max-time 0.6 -o "$tmp/sp_left.b" -X POST "$URL/mcp" -H "Authorization: Bearer $TOKEN" $J $(H dk_verify) -d "$(sp_verify 27)" || true
post sp_verify "$(sp_verify 28)" $(H dk_verify) $J
check sp_verify 200
[ "$(grep -c '"method":"notifications/progress"' "$tmp/sp_verify.b")" = 3 ] && grep -q '"id":28,"result"' "$tmp/sp_verify.b" ||
    fail "slow pipeline stream: $(cat "$tmp/sp_verify.b")"
echo "ok - sp_verify: 3 steps streamed, the response last; an earlier client left mid-stream"

kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$tmp/serve.err"; then fail "sanitizer report"; fi
echo "mcp_http: ok"
