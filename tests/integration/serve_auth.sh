#!/bin/sh
# tests/integration/serve_auth.sh - tokens: 401 without one or with a wrong,
# malformed or revoked one; 403 on another token's session; repository
# scope (a token for repository "other" can neither connect to, list nor
# clone "demo", nor tell its changeset ids from unknown ones); the scope ladder (read cannot write, write cannot approve);
# admin may act on every session; only hashes in the store; admin.token is
# kept across restarts. Every refusal changes nothing.
. "$(dirname "$0")/lib/serve_env.sh"
serve_start

# no token, a wrong one, a malformed one
op repo_list '{}' ""; expect 401 UNAUTHORIZED
wrong=$(printf '%s' "$TOKEN" | sed 's/.$/0/'); [ "$wrong" != "$TOKEN" ] || wrong=$(printf '%s' "$TOKEN" | sed 's/.$/1/')
op repo_list '{}' "$wrong"; expect 401 UNAUTHORIZED
op repo_list '{}' "not-a-token"; expect 401 UNAUTHORIZED
curl -s --max-time 60 -D "$tmp/h" -o /dev/null -X POST -d '{}' "$URL/v1/repo_list"
grep -qi '^WWW-Authenticate: Bearer' "$tmp/h" || fail "WWW-Authenticate"

# only the hash is stored
secret=${TOKEN##*_}
if grep -a -q "$secret" "$tmp/data/dk.db" "$tmp/data/dk.db-wal" 2>/dev/null; then fail "token secret in the store"; fi
"$DK" token list --data "$tmp/data" > "$tmp/list"
grep -q "$secret" "$tmp/list" && fail "token list shows a secret"
grep -q 'admin' "$tmp/list" || fail "token list"

w1=$("$DK" token create --scope write --label one --data "$tmp/data" 2>/dev/null)
w2=$("$DK" token create --scope write --data "$tmp/data" 2>/dev/null)
rd=$("$DK" token create --scope read --data "$tmp/data" 2>/dev/null)
oth=$("$DK" token create --scope admin --repo other --data "$tmp/data" 2>/dev/null)
ap=$("$DK" token create --scope approve --repo demo --data "$tmp/data" 2>/dev/null)
if "$DK" token create --scope root --data "$tmp/data" >/dev/null 2>&1; then fail "bad scope accepted"; fi
if "$DK" token create --scope read --repo nosuch --data "$tmp/data" >/dev/null 2>&1; then fail "unknown repo accepted"; fi

connect alice "$w1"; A=$SID
ok file_write "{\"session_id\":\"$A\",\"path\":\"app.py\",\"content\":$(app_with 1 '* 10')}" "$w1"

# another token's session: 403 for every operation on it, nothing changes
for o in status changes file_list submit close abandon pre_submit_check; do
    op $o "{\"session_id\":\"$A\"}" "$w2"; expect 403 FORBIDDEN
done
op file_read "{\"session_id\":\"$A\",\"path\":\"app.py\"}" "$w2"; expect 403 FORBIDDEN
op file_write "{\"session_id\":\"$A\",\"path\":\"app.py\",\"content\":\"x\"}" "$w2"; expect 403 FORBIDDEN
op land "{\"session_id\":\"$A\"}" "$w2"; expect 403 FORBIDDEN
ok status "{\"session_id\":\"$A\"}" "$w1"
[ "$(jq_ 'j["state"]')" = active ] && [ "$(jq_ 'j["changeset_state"]')" = draft ] || fail "refusals changed the session"
ok file_read "{\"session_id\":\"$A\",\"path\":\"app.py\"}" "$w1"
jq_ 'j["content"]' | grep -q 'x \* 10' || fail "refused write landed"

# the scope ladder
op connect '{"repo":"demo","intent":"i","agent_id":"r"}' "$rd"; expect 403 FORBIDDEN
ok repo_list '{}' "$rd"
op submit "{\"session_id\":\"$A\"}" "$w1"; expect 200
cs=$(jq_ 'j["changeset_id"]')
op approve "{\"changeset_id\":\"$cs\",\"reason\":\"looks good\"}" "$w1"; expect 403 FORBIDDEN
op reject "{\"changeset_id\":\"$cs\",\"reason\":\"no\"}" "$w1"; expect 403 FORBIDDEN
# approve scope, but the changeset is submitted, not awaiting approval: nothing changes
op reject "{\"changeset_id\":\"$cs\",\"reason\":\"no\"}" "$ap"; expect 409 INVALID_STATE
op approve "{\"changeset_id\":\"$cs\",\"reason\":\"looks good\"}" "$ap"; expect 200
[ "$(jq_ 'j["state"]')" = approved ] || fail approve

# repository scope: a token for "other" sees only "other"
op connect '{"repo":"demo","intent":"i","agent_id":"o"}' "$oth"; expect 403 FORBIDDEN
ok repo_list '{}' "$oth"
[ "$(jq_ '[r["name"] for r in j["repos"]]')" = '["other"]' ] || fail "scoped repo_list"
op sessions_list '{"repo":"demo"}' "$oth"; expect 403 FORBIDDEN
ok sessions_list '{}' "$oth"; [ "$(jq_ 'len(j["sessions"])')" = 0 ] || fail "scoped sessions_list"
op status "{\"session_id\":\"$A\"}" "$oth"; expect 403 FORBIDDEN
# a changeset of "demo" is answered as an unknown id, word for word (ids are readable)
for verb in approve reject; do
    op $verb '{"changeset_id":"cs_demo_9999","reason":"x"}' "$oth"; expect 404 NOT_FOUND
    none=$(printf '%s' "$BODY" | sed 's/cs_demo_9999/ID/')
    op $verb "{\"changeset_id\":\"$cs\",\"reason\":\"x\"}" "$oth"; expect 404 NOT_FOUND
    [ "$(printf '%s' "$BODY" | sed "s/$cs/ID/")" = "$none" ] || fail "$verb tells a changeset of demo from none: $BODY / $none"
done
if GIT_TERMINAL_PROMPT=0 timeout 20 git clone -q "http://dk:$oth@$HOSTPORT/git/demo.git" "$tmp/c1" 2>/dev/null; then fail "scoped clone"; fi
if GIT_TERMINAL_PROMPT=0 timeout 20 git clone -q "http://dk:$wrong@$HOSTPORT/git/demo.git" "$tmp/c2" 2>/dev/null; then fail "wrong-token clone"; fi
if GIT_TERMINAL_PROMPT=0 timeout 20 git clone -q "http://$HOSTPORT/git/demo.git" "$tmp/c3" 2>/dev/null; then fail "anonymous clone"; fi
GIT_TERMINAL_PROMPT=0 timeout 20 git clone -q "http://dk:$rd@$HOSTPORT/git/demo.git" "$tmp/c4" || fail "read token clone"

# admin acts on every session
ok status "{\"session_id\":\"$A\"}"

# a revoked token is refused at once
id=$("$DK" token list --json --data "$tmp/data" | python3 -c 'import json,sys; print([t["id"] for t in map(json.loads, sys.stdin) if t["label"]=="one"][0])')
"$DK" token revoke "$id" --data "$tmp/data" 2>/dev/null
op status "{\"session_id\":\"$A\"}" "$w1"; expect 401 UNAUTHORIZED
if "$DK" token revoke "$id" --data "$tmp/data" 2>/dev/null; then fail "revoked twice"; fi

# restart: the admin token is kept
serve_finish
serve_start
[ "$(cat "$tmp/data/admin.token")" = "$TOKEN" ] || fail "admin token changed on restart"
grep -q "admin token in " "$tmp/serve.err" || fail "restart message: $(cat "$tmp/serve.err")"
ok repo_list '{}'
serve_finish
echo "serve_auth: ok"
