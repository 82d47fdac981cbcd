#!/bin/sh
# tests/integration/serve_malformed.sh - every malformed input gets a clear
# error with the right status and changes nothing: bad JSON, a non-object,
# wrong types, unknown and missing fields, duplicate keys, invalid UTF-8 and
# NUL in strings, bad enum values, unknown operation (404), wrong method
# (405), bad paths (400 INVALID_PATH), bad base64, bodies over the cap (413,
# announced or chunked), a client that never finishes its request (dropped
# after the idle timeout while others are served). At the end the session
# and the event log are exactly as before.
. "$(dirname "$0")/lib/serve_env.sh"
serve_start --idle-timeout 2

connect alice
ok file_write "{\"session_id\":\"$SID\",\"path\":\"app.py\",\"content\":$(app_with 1 '* 10')}"
ok watch '{"repo":"demo"}'; events_before=$(jq_ 'j["next"]')
ok changes "{\"session_id\":\"$SID\"}"; changes_before=$BODY

raw() { # raw OP BODY-FILE
    STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        --data-binary "@$2" "$URL/v1/$1"); BODY=$(cat "$tmp/body")
}
msg() { printf '%s' "$BODY" | grep -q "\"message\":\"[^\"]*$1" || fail "message lacks '$1'"; }

op file_write '{"session_id": "x", ' ; expect 400 INVALID_ARGUMENT; msg 'invalid JSON'
op file_write '[1,2]'; expect 400 INVALID_ARGUMENT; msg 'JSON object'
op file_write '"text"'; expect 400 INVALID_ARGUMENT
op status '{"session_id":42}'; expect 400 INVALID_ARGUMENT; msg 'session_id: expected string'
op status '{"session_id":null}'; expect 400 INVALID_ARGUMENT; msg 'session_id'
op status '{}'; expect 400 INVALID_ARGUMENT; msg 'session_id: required'
op status "{\"session_id\":\"$SID\",\"sessionid\":1}"; expect 400 INVALID_ARGUMENT; msg 'sessionid: unknown field'
op status "{\"session_id\":\"$SID\",\"session_id\":\"$SID\"}"; expect 400 INVALID_ARGUMENT; msg 'duplicate'
op file_list "{\"session_id\":\"$SID\",\"only_modified\":\"yes\"}"; expect 400 INVALID_ARGUMENT; msg 'only_modified: expected boolean'
op connect '{"repo":"demo","intent":"","agent_id":"a"}'; expect 400 INVALID_ARGUMENT; msg 'intent'
op connect '{"repo":"demo","intent":"x","agent_id":"a","mode":"forever"}'; expect 400 INVALID_ARGUMENT; msg 'mode: must be one of'
op file_write "{\"session_id\":\"$SID\",\"path\":\"app.py\",\"content\":\"x\",\"encoding\":\"hex\"}"; expect 400 INVALID_ARGUMENT
op file_write "{\"session_id\":\"$SID\",\"path\":\"app.py\",\"content\":\"!!not base64!!\",\"encoding\":\"base64\"}"; expect 400 INVALID_ARGUMENT; msg 'base64'
op file_write "{\"session_id\":\"$SID\",\"path\":\"app.py\",\"content\":\"a\\u0000b\"}"; expect 400 INVALID_ARGUMENT
op resolve "{\"session_id\":\"$SID\",\"resolutions\":[{\"path\":\"app.py\",\"action\":\"keep_mine\",\"extra\":true}]}"
expect 400 INVALID_ARGUMENT; msg 'resolutions\[0\].extra: unknown field'
op watch '{"repo":"demo","timeout_ms":999999}'; expect 400 INVALID_ARGUMENT; msg 'timeout_ms: must be <='
# invalid UTF-8 inside a JSON string
printf '{"session_id":"%s","path":"app.py","content":"caf\351"}' "$SID" > "$tmp/bad-utf8"
raw file_write "$tmp/bad-utf8"; expect 400 INVALID_ARGUMENT; msg 'invalid JSON'
printf '{"session_id":"%s","path":"\377.py","content":"x"}' "$SID" > "$tmp/bad-utf8-path"
raw file_write "$tmp/bad-utf8-path"; expect 400 INVALID_ARGUMENT

# bad paths
for p in '../etc/passwd' '/etc/passwd' 'a/../../b' '.git/config' 'a//b' './app.py' 'a/./b'; do
    op file_write "{\"session_id\":\"$SID\",\"path\":\"$p\",\"content\":\"x\"}"; expect 400 INVALID_PATH
    msg 'path'
    op file_read "{\"session_id\":\"$SID\",\"path\":\"$p\"}"; expect 400 INVALID_PATH
done
op file_list "{\"session_id\":\"$SID\",\"prefix\":\"../\"}"; expect 400 INVALID_PATH

# unknown operation, wrong method, unknown resource, unknown session
op no_such_op '{}'; expect 404 UNKNOWN_OPERATION
STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/status"); BODY=$(cat "$tmp/body")
expect 405 INVALID_ARGUMENT
STATUS=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' "$URL/nothing/here"); [ "$STATUS" = 404 ] || fail "unknown resource $STATUS"
op status '{"session_id":"00000000-0000-0000-0000-000000000000"}'; expect 404 SESSION_NOT_FOUND

# bodies over the cap: announced (refused before reading) and chunked
head -c 1100000 /dev/zero | tr '\0' 'a' > "$tmp/big"
STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    --data-binary "@$tmp/big" "$URL/v1/status"); BODY=$(cat "$tmp/body")
expect 413 TOO_LARGE
STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/big" "$URL/v1/status"); BODY=$(cat "$tmp/body")
expect 413 TOO_LARGE
# file content over 50 MiB is TOO_LARGE too (the body cap of file_write is larger)
python3 - "$SID" > "$tmp/huge.json" <<'PY'
import sys
sys.stdout.write('{"session_id":"%s","path":"big.txt","content":"' % sys.argv[1])
sys.stdout.write("a" * (50 * 1024 * 1024 + 1))
sys.stdout.write('"}')
PY
raw file_write "$tmp/huge.json"; expect 413 TOO_LARGE
# while a 1 MiB file (over the small cap) is fine for file_write
python3 -c "import json; print(json.dumps({'session_id':'$SID','path':'mid.txt','content':'b'*1100000}))" > "$tmp/mid.json"
raw file_write "$tmp/mid.json"; expect 200
ok file_revert "{\"session_id\":\"$SID\",\"path\":\"mid.txt\"}"

# a slow client: headers and half a body, then silence; others are served meanwhile
python3 - "$HOSTPORT" "$TOKEN" > "$tmp/slow" <<'PY' &
import socket, sys, time
host, port = sys.argv[1].split(":")
t0 = time.monotonic()  # before the connection: the server's idle clock starts after it
s = socket.create_connection((host, int(port)))
s.sendall(("POST /v1/repo_list HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":" % sys.argv[2]).encode())
s.settimeout(60)  # a generous bound: a loaded machine may close it late, never early
try:
    data = s.recv(4096)
except socket.timeout:
    data = b"still open"
print("closed after %.1f s: %r" % (time.monotonic() - t0, data[:40]))
PY
SLOW=$!
sleep 0.3
ok repo_list '{}'
ok file_read "{\"session_id\":\"$SID\",\"path\":\"app.py\"}"
wait $SLOW
# closed by the 2 s idle timeout: not at once, and (the log says why) not for another reason
grep -Eq "closed after ([1-9]|[1-5][0-9])\.[0-9] s: b''" "$tmp/slow" || fail "slow client: $(cat "$tmp/slow")"
grep -q 'end=timeout' "$tmp/serve.err" || fail "timeout not logged"

# nothing changed
ok changes "{\"session_id\":\"$SID\"}"; [ "$BODY" = "$changes_before" ] || fail "changes moved: $BODY"
ok file_list "{\"session_id\":\"$SID\",\"only_modified\":true}"
[ "$(jq_ '[f["path"] for f in j["files"]]')" = '["app.py"]' ] || fail "overlay changed"
ok watch "{\"repo\":\"demo\",\"since\":$events_before,\"types\":\"file.*,claim.*,changeset.*\"}"
[ "$(jq_ 'len(j["events"])')" = 2 ] || fail "events: $BODY"   # mid.txt written and reverted, nothing else
serve_finish
echo "serve_malformed: ok"
