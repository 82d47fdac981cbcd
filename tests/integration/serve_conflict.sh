#!/bin/sh
# tests/integration/serve_conflict.sh - a landing conflict over HTTP and its
# resolution: two agents change the same function; the second landing is
# 409 CONFLICT naming the symbol with base, theirs (the branch) and mine (the
# session) and the recovery; a resolve that does not match the conflicts is
# refused with nothing changed; keep_mine, keep_theirs and whole-file content
# each land, and the branch (read back through git over HTTP) has the choice.
. "$(dirname "$0")/lib/serve_env.sh"
serve_start

GIT_TERMINAL_PROMPT=0 timeout 20 git clone -q "http://dk:$TOKEN@$HOSTPORT/git/demo.git" "$tmp/c" || fail "clone"
head_file() { # the branch's app.py, fetched over HTTP
    GIT_TERMINAL_PROMPT=0 timeout 20 git -C "$tmp/c" fetch -q origin main || fail "fetch"
    git -C "$tmp/c" show FETCH_HEAD:app.py
}

connect alice; A=$SID
connect bob; B=$SID
connect carol; C=$SID
connect dave; D=$SID
ok file_write "{\"session_id\":\"$A\",\"path\":\"app.py\",\"content\":$(app_with 1 '* 10')}"
ok submit "{\"session_id\":\"$A\"}"
ok land "{\"session_id\":\"$A\"}"

# bob changed f1 too (alice's claim ended when she landed): a real conflict
ok file_write "{\"session_id\":\"$B\",\"path\":\"app.py\",\"content\":$(app_with 1 '- 1')}"
ok pre_submit_check "{\"session_id\":\"$B\"}"
[ "$(jq_ 'j["clean"]')" = false ] || fail "dry run clean"
[ "$(jq_ 'j["conflicts"][0]["symbol"]')" = f1 ] || fail "dry run symbol"
ok submit "{\"session_id\":\"$B\"}"
op land "{\"session_id\":\"$B\"}"
expect 409 CONFLICT
[ "$(jq_ 'j["error"]["details"]["conflicts"][0]["path"]')" = app.py ] || fail "conflict path"
[ "$(jq_ 'j["error"]["details"]["conflicts"][0]["symbol"]')" = f1 ] || fail "conflict symbol"
jq_ 'j["error"]["details"]["conflicts"][0]["theirs"]' | grep -q 'x \* 10' || fail "theirs text"
jq_ 'j["error"]["details"]["conflicts"][0]["mine"]' | grep -q 'x - 1' || fail "mine text"
jq_ 'j["error"]["details"]["conflicts"][0]["base"]' | grep -q 'x + 1' || fail "base text"
jq_ 'j["error"]["details"]["recovery"][0]' | grep -q resolve || fail "recovery"
head_file | grep -q 'x \* 10' || fail "conflict landed something"

# resolutions must match the conflicts exactly; a refusal changes nothing
op resolve "{\"session_id\":\"$B\",\"resolutions\":[{\"path\":\"app.py\",\"symbol\":\"f2\",\"action\":\"keep_mine\"}]}"
expect 400 INVALID_ARGUMENT
jq_ 'j["error"]["message"]' | grep -q 'no resolution for app.py f1' || fail "unresolved message"
op resolve "{\"session_id\":\"$B\",\"resolutions\":[{\"path\":\"app.py\",\"symbol\":\"f1\",\"action\":\"keep_mine\"},{\"path\":\"README\",\"action\":\"keep_mine\"}]}"
expect 400 INVALID_ARGUMENT
op resolve "{\"session_id\":\"$B\",\"resolutions\":[{\"path\":\"app.py\",\"symbol\":\"f1\",\"action\":\"merge\"}]}"
expect 400 INVALID_ARGUMENT
ok status "{\"session_id\":\"$B\"}"
[ "$(jq_ 'j["state"]')" = active ] || fail "refused resolve changed the session"
[ "$(jq_ 'j["changeset_state"]')" = submitted ] || fail "refused resolve changed the changeset"
CSB=$(jq_ 'j["changeset_id"]')

# keep_mine: bob's f1 lands on top of alice's commit
op resolve "{\"session_id\":\"$B\",\"resolutions\":[{\"path\":\"app.py\",\"symbol\":\"f1\",\"action\":\"keep_mine\"}]}"
expect 200
[ "$(jq_ 'j["landed"]')" = true ] || fail "keep_mine landed"
[ "$(jq_ 'j["session_id"]')" = "$B" ] || fail "resolve kept the session id"
[ "$(jq_ 'j.get("replaces_session_id", "")')" = "" ] || fail "a replacement session"
[ "$(jq_ 'j["changeset_id"]')" = "$CSB" ] || fail "resolve kept the changeset id"
head_file > "$tmp/h1"
grep -q 'return x - 1' "$tmp/h1" || fail "keep_mine content"
grep -q 'return x \* 10' "$tmp/h1" && fail "keep_mine kept theirs"
ok status "{\"session_id\":\"$B\"}"
[ "$(jq_ 'j["state"]')" = active ] || fail "resolved session not active"

# whole-file content: carol writes f1 and f2; her resolution is the exact file
ok file_write "{\"session_id\":\"$C\",\"path\":\"app.py\",\"content\":$(app_with 1 '* 7')}"
ok submit "{\"session_id\":\"$C\"}"
op land "{\"session_id\":\"$C\"}"; expect 409 CONFLICT
want='def f1(x):\n    return x * 77\n\n\ndef f2(x):\n    return x + 2\n\n\ndef f3(x):\n    return x + 3\n'
op resolve "{\"session_id\":\"$C\",\"resolutions\":[{\"path\":\"app.py\",\"action\":\"content\",\"content\":\"$want\"}],\"message\":\"carol resolves\"}"
expect 200
[ "$(jq_ 'j["landed"]')" = true ] || fail "content landed"
printf "$want" > "$tmp/want"
head_file > "$tmp/h2"
cmp -s "$tmp/want" "$tmp/h2" || fail "content: $(diff "$tmp/want" "$tmp/h2")"
git -C "$tmp/c" log -1 --format=%s FETCH_HEAD | grep -q 'carol resolves' || fail "resolve message"

# keep_theirs: dave changed f1 (conflicts) and f3 (does not); f1 stays the branch's
c2=$(app_with 1 '* 5' | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).replace("return x + 3","return x * 3")))')
ok file_write "{\"session_id\":\"$D\",\"path\":\"app.py\",\"content\":$c2}"
ok submit "{\"session_id\":\"$D\"}"
op land "{\"session_id\":\"$D\"}"; expect 409 CONFLICT
[ "$(jq_ 'len(j["error"]["details"]["conflicts"])')" = 1 ] || fail "one conflict"
op resolve "{\"session_id\":\"$D\",\"resolutions\":[{\"path\":\"app.py\",\"symbol\":\"f1\",\"action\":\"keep_theirs\"}]}"
expect 200
head_file > "$tmp/h3"
grep -q 'return x \* 77' "$tmp/h3" || fail "keep_theirs lost the branch's f1"
grep -q 'return x \* 3' "$tmp/h3" || fail "keep_theirs lost dave's f3"
grep -q 'return x \* 5' "$tmp/h3" && fail "keep_theirs took dave's f1"
serve_finish
echo "serve_conflict: ok"
