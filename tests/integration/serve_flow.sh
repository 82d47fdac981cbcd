#!/bin/sh
# tests/integration/serve_flow.sh - dk serve end to end with curl: connect ->
# read -> write -> changes -> pre_submit_check -> submit -> land, then
# `git clone` over HTTP shows the commit; content both ways as UTF-8 and as
# base64; delete/revert; listings; keep-alive (curl reuses one connection);
# the request log on stderr; a clean exit on SIGTERM.
. "$(dirname "$0")/lib/serve_env.sh"
serve_start

[ "$(stat -c %a "$tmp/data/admin.token")" = 600 ] || fail "admin.token mode"
STATUS=$(curl -s --max-time 60 -o "$tmp/body" -w '%{http_code}' "$URL/healthz"); BODY=$(cat "$tmp/body")
expect 200; [ "$(jq_ 'j["status"]')" = ok ] || fail healthz

ok repo_list '{}'
[ "$(jq_ '[r["name"] for r in j["repos"]]')" = '["demo", "other"]' ] || fail repo_list

connect alice
[ "$(jq_ 'j["summary"]["files"]')" = 2 ] || fail "summary files"
[ "$(jq_ 'j["summary"]["languages"]["python"]')" = 1 ] || fail "summary languages"
base=$(jq_ 'j["base_commit"]')

ok file_read "{\"session_id\":\"$SID\",\"path\":\"app.py\"}"
[ "$(jq_ 'j["modified_in_session"]')" = false ] || fail "fresh read modified"
jq_ 'j["content"]' | grep -q 'return x + 1' || fail "read content"

content=$(app_with 1 '* 10')
ok file_write "{\"session_id\":\"$SID\",\"path\":\"app.py\",\"content\":$content}"
[ "$(jq_ '[(s["symbol"], s["change"]) for s in j["symbols"]]')" = '[["f1", "modified"]]' ] || fail "write symbols"
ok changes "{\"session_id\":\"$SID\"}"
[ "$(jq_ 'len(j["symbols"])')" = 1 ] || fail changes
ok file_read "{\"session_id\":\"$SID\",\"path\":\"app.py\"}"
[ "$(jq_ 'j["modified_in_session"]')" = true ] || fail "read after write"
jq_ 'j["content"]' | grep -q 'return x \* 10' || fail "read own write"

# binary content: base64 in, base64 out, byte for byte
printf '\377\376\000bin' > "$tmp/bin"
b64=$(base64 -w0 "$tmp/bin")
ok file_write "{\"session_id\":\"$SID\",\"path\":\"data/blob.bin\",\"content\":\"$b64\",\"encoding\":\"base64\"}"
[ "$(jq_ 'j["is_new"]')" = true ] || fail "new file"
ok file_read "{\"session_id\":\"$SID\",\"path\":\"data/blob.bin\"}"
[ "$(jq_ 'j["encoding"]')" = base64 ] || fail "binary read encoding"
[ "$(jq_ 'j["content"]')" = "$b64" ] || fail "binary round trip"

# delete then revert: back to the base
ok file_delete "{\"session_id\":\"$SID\",\"path\":\"README\"}"
op file_read "{\"session_id\":\"$SID\",\"path\":\"README\"}"; expect 404 NOT_FOUND
ok file_revert "{\"session_id\":\"$SID\",\"path\":\"README\"}"
ok file_read "{\"session_id\":\"$SID\",\"path\":\"README\"}"

ok file_list "{\"session_id\":\"$SID\",\"only_modified\":true}"
[ "$(jq_ '[(f["path"], f["status"]) for f in j["files"]]')" = '[["app.py", "modified"], ["data/blob.bin", "added"]]' ] || fail "file_list"
ok file_list "{\"session_id\":\"$SID\",\"prefix\":\"data/\"}"
[ "$(jq_ 'len(j["files"])')" = 1 ] || fail "file_list prefix"

ok pre_submit_check "{\"session_id\":\"$SID\"}"
[ "$(jq_ 'j["clean"]')" = true ] || fail "pre_submit_check"
ok submit "{\"session_id\":\"$SID\"}"
[ "$(jq_ 'j["state"]')" = submitted ] || fail submit
cs=$(jq_ 'j["changeset_id"]')
ok land "{\"session_id\":\"$SID\",\"message\":\"f1 times ten\"}"
commit=$(jq_ 'j["commit"]')
[ "$(jq_ 'j["landed_changeset_id"]')" = "$cs" ] || fail "landed changeset"
[ "$(jq_ 'j["changeset_id"]')" != "$cs" ] || fail "the session continues with a fresh changeset"
ok status "{\"session_id\":\"$SID\"}"
[ "$(jq_ 'j["base_commit"]')" = "$commit" ] || fail "session moved to the landed commit"

ok sessions_list '{"repo":"demo"}'
[ "$(jq_ 'len(j["sessions"])')" = 1 ] || fail sessions_list

# git clone over HTTP (token as the Basic password) sees the landing
GIT_TERMINAL_PROMPT=0 timeout 20 git clone -q "http://dk:$TOKEN@$HOSTPORT/git/demo.git" "$tmp/clone" || fail "git clone"
[ "$(git -C "$tmp/clone" rev-parse HEAD)" = "$commit" ] || fail "clone head"
[ "$(git -C "$tmp/clone" rev-parse HEAD~1)" = "$base" ] || fail "clone parent"
grep -q 'return x \* 10' "$tmp/clone/app.py" || fail "clone content"
cmp -s "$tmp/bin" "$tmp/clone/data/blob.bin" || fail "clone binary"
git -C "$tmp/clone" log -1 --format=%s | grep -q 'f1 times ten' || fail "commit message"
# pushing is refused
echo x >> "$tmp/clone/README"; git -C "$tmp/clone" -c user.name=t -c user.email=t@e commit -qam x
if GIT_TERMINAL_PROMPT=0 timeout 20 git -C "$tmp/clone" push -q origin main 2>/dev/null; then fail "push accepted"; fi

ok close "{\"session_id\":\"$SID\"}"
op status "{\"session_id\":\"$SID\"}"
# a closed session answers as closed (or is gone); it never looks active
case "$STATUS" in
404 | 409) ;;
200) [ "$(jq_ 'j["state"]')" = closed ] || fail "closed session looks $(jq_ 'j["state"]')" ;;
*) fail "status of a closed session: HTTP $STATUS" ;;
esac
op file_write "{\"session_id\":\"$SID\",\"path\":\"x.txt\",\"content\":\"x\"}"
[ "$STATUS" = 404 ] || [ "$STATUS" = 409 ] || fail "write to a closed session: HTTP $STATUS"

# keep-alive: three requests on one connection
curl -sv --max-time 60 -H "Authorization: Bearer $TOKEN" -X POST -d '{}' \
    "$URL/v1/repo_list" "$URL/v1/repo_list" "$URL/v1/repo_list" -o /dev/null -o /dev/null -o /dev/null 2>"$tmp/kv"
[ "$(grep -c 'Re-using existing connection' "$tmp/kv")" = 2 ] || fail "keep-alive: $(grep -i 'connection' "$tmp/kv")"
if grep -qi '^< connection: close' "$tmp/kv"; then fail "server closed a keep-alive connection"; fi

# one logfmt line per request, with op, status, duration and session
grep -q "op=file_write status=200 dur_ms=[0-9.]* code=OK session=$SID" "$tmp/serve.err" || fail "request log"
serve_finish

# every command answers --help and -h with exit 0
for c in serve repo token; do
    "$DK" $c --help | grep -q "^usage: dk $c" || fail "dk $c --help"
    "$DK" $c -h >/dev/null || fail "dk $c -h"
done
# DK_DATA stands for --data
DK_DATA="$tmp/data" "$DK" repo list | grep -q '^demo ' || fail "DK_DATA"
if "$DK" repo >/dev/null 2>&1; then fail "dk repo without a subcommand"; fi
echo "serve_flow: ok"
