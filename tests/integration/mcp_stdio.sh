#!/bin/sh
# tests/integration/mcp_stdio.sh - `dk mcp` over stdio, in-process on a data
# directory, driven by the official MCP TypeScript SDKs (tests/mcp, pinned):
# v1 @modelcontextprotocol/sdk (2025-11-25: initialize, one session, session_id
# omitted) and v2 @modelcontextprotocol/client (2026-07-28: stateless, pinned;
# and "auto", which probes with server/discover). Then the raw protocol: parse
# errors, batches, unsupported versions, a missing capabilities key, ping,
# notifications answered with nothing.
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
cd "${DK_SRCDIR:-.}"
MCP=$(pwd)/tests/mcp
[ -d "$MCP/node_modules/@modelcontextprotocol/client" ] && [ -d "$MCP/node_modules/@modelcontextprotocol/sdk" ] ||
    { echo "FAIL: tests/mcp/node_modules missing: run scripts/deps" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# the repository every scenario starts from
git init -q -b main "$tmp/src"
printf 'def alpha():\n    return 1\n\n\ndef beta():\n    return 2\n\n\ndef gamma():\n    return 3\n' > "$tmp/src/app.py"
git -C "$tmp/src" add app.py
git -C "$tmp/src" -c user.name=t -c user.email=t@example.com commit -qm init

# one data directory: demo0 for the scenarios that land nothing; run() imports one
# per landing scenario
export DK_DATA="$tmp/data"
"$DK" repo import demo0 "$tmp/src" --data "$DK_DATA" > /dev/null || fail "dk repo import"
k=0
run() { # run SCENARIOS ARGS...: one node process (several dk mcp children)
    t0=$(date +%s%N)
    repos=
    for _s in $(echo "$1" | tr , ' '); do
        case $_s in
        flow | claim | conflict | more) # they land: a fresh repository each
            k=$((k + 1))
            "$DK" repo import "demo$k" "$tmp/src" --data "$DK_DATA" > /dev/null || fail "dk repo import"
            repos=${repos:+$repos,}demo$k ;;
        *) repos=${repos:+$repos,}demo0 ;; # read-only on the branch: shared
        esac
    done
    echo "== $* ($repos)"
    DK_BIN=$DK DK_REPO=$repos timeout 300 node "$MCP/client.mjs" "$@" --transport stdio > "$tmp/out" 2>&1 ||
        { cat "$tmp/out"; fail "scenario $*"; }
    ! grep -q 'AddressSanitizer\|runtime error:' "$tmp/out" || { cat "$tmp/out"; fail "sanitizer report in dk mcp"; }
    echo "   checks: $(grep -c '^ok' "$tmp/out"), $((($(date +%s%N) - t0) / 1000000)) ms"
}

run tools,flow,conflict,errors,watch,more,progress --sdk v1
run tools,flow,claim,errors,progress --sdk v2 --era modern
run tools --sdk v2 --era auto

# the raw protocol, one JSON-RPC message per line
cat > "$tmp/in" <<'EOF'
{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"ping"}
not json
[{"jsonrpc":"2.0","id":3,"method":"ping"}]
{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"1900-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}
{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}
{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}
{"jsonrpc":"2.0","id":7,"method":"ping","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}
{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"dk_nope","arguments":{}}}
{"jsonrpc":"2.0","id":null,"method":"ping"}
{"jsonrpc":"2.0","id":9,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{}}}
{"jsonrpc":"2.0","id":10,"result":{}}
{"jsonrpc":"2.0","id":11,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}
EOF
"$DK" mcp < "$tmp/in" > "$tmp/raw" || fail "dk mcp exited non-zero"
python3 - "$tmp/raw" <<'PY' || fail "raw protocol"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
by = {}
nulls = []
for m in msgs:
    if m.get("id") is None:
        nulls.append(m)
    else:
        by[m["id"]] = m
assert by[1]["result"]["protocolVersion"] == "2025-06-18", by[1]
assert by[1]["result"]["capabilities"]["tools"] is not None
assert by[2]["result"] == {}, by[2]
assert [m["error"]["code"] for m in nulls] == [-32700, -32600, -32600], nulls
e = by[4]["error"]
assert e["code"] == -32022 and "2026-07-28" in e["data"]["supported"] and e["data"]["requested"] == "1900-01-01", e
assert by[5]["error"]["code"] == -32602, by[5]
r = by[6]["result"]
assert r["resultType"] == "complete" and r["ttlMs"] >= 0 and r["cacheScope"] in ("public", "private")
assert r["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "dk"
assert len(r["tools"]) == 18
assert by[7]["error"]["code"] == -32601, by[7]          # ping is gone in 2026-07-28
assert by[8]["error"]["code"] == -32602 and "dk_nope" in by[8]["error"]["message"], by[8]
assert by[9]["result"]["protocolVersion"] == "2025-11-25", by[9]   # ours when we do not speak theirs
assert 10 not in by                                      # a response from the client: ignored
d = by[11]["result"]
assert "2026-07-28" in d["supportedVersions"] and "2025-11-25" in d["supportedVersions"], d
assert len(msgs) == 12, len(msgs)                        # the notification got no answer
print("raw protocol: ok")
PY
# progress by hand: a dk_verify with a progressToken gets one notifications/progress
# per finished step, in order, every one before its response (the SDK scenarios
# above see them through the clients' handlers; this reads the lines themselves)
cat > "$tmp/pin" <<'EOF'
{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"dk_connect","arguments":{"repo":"demo0","intent":"raw progress","agent_id":"raw-progress"}}}
{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"dk_file_write","arguments":{"path":"app.py","content":"def alpha():\n    return 10\n\n\ndef beta():\n    return 2\n\n\ndef gamma():\n    return 3\n"}}}
{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"dk_submit","arguments":{}}}
{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"dk_verify","arguments":{},"_meta":{"progressToken":"raw-5"}}}
{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"dk_abandon","arguments":{"reason":"raw progress done"}}}
EOF
"$DK" mcp < "$tmp/pin" > "$tmp/praw" || fail "dk mcp exited non-zero (progress)"
python3 - "$tmp/praw" <<'PY' || fail "raw progress: $(cat "$tmp/praw")"
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1])]
for i in (2, 3, 4, 6):
    r = next(m for m in msgs if m.get("id") == i)
    assert "result" in r and not r["result"].get("isError"), r
at = next(k for k, m in enumerate(msgs) if m.get("id") == 5)
steps = msgs[at]["result"]["structuredContent"]["steps"]
notes = [m for m in msgs if m.get("method") == "notifications/progress"]
assert steps and len(notes) == len(steps), (len(notes), steps)
assert all(msgs.index(n) < at for n in notes), "a notification after its response"
for k, n in enumerate(notes):
    p = n["params"]
    assert "id" not in n and p["progressToken"] == "raw-5" and p["progress"] == k + 1, n
    assert ("step %s " % steps[k]["name"]) in p["message"] and steps[k]["status"] in p["message"], n
print("raw progress: ok (%d steps)" % len(steps))
PY
echo "mcp_stdio: ok"
