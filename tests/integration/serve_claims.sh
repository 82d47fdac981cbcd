#!/bin/sh
# tests/integration/serve_claims.sh - claims over HTTP: a second agent's write
# to a symbol the first one changed is refused whole with 409 SYMBOL_CLAIMED
# naming the holder (agent, session, since) and the recovery; nothing of it is
# stored; another symbol of the same file is free; submit releases the claim.
. "$(dirname "$0")/lib/serve_env.sh"
serve_start

connect alice; A=$SID
ok status "{\"session_id\":\"$A\"}"; alice_name=$(jq_ 'j["agent_name"]')
connect bob; B=$SID
[ "$(jq_ '[s["agent_id"] for s in j["other_sessions"]]')" = '["alice"]' ] || fail "connect lists the other session"

ok file_write "{\"session_id\":\"$A\",\"path\":\"app.py\",\"content\":$(app_with 1 '* 10')}"
op file_write "{\"session_id\":\"$B\",\"path\":\"app.py\",\"content\":$(app_with 1 '- 1')}"
expect 409 SYMBOL_CLAIMED
[ "$(jq_ 'j["error"]["details"]["claims"][0]["symbol"]')" = f1 ] || fail "claimed symbol"
[ "$(jq_ 'j["error"]["details"]["claims"][0]["holder_agent"]')" = "$alice_name" ] || fail "holder agent"
[ "$(jq_ 'j["error"]["details"]["claims"][0]["holder_session"]')" = "$A" ] || fail "holder session"
jq_ 'j["error"]["details"]["claims"][0]["since"]' | grep -q '^20[0-9-]*T' || fail "since"
[ "$(jq_ 'len(j["error"]["details"]["recovery"]) > 0')" = true ] || fail "recovery steps"
jq_ 'j["error"]["message"]' | grep -q "$alice_name" || fail "message names the holder"

# the refused write left nothing behind
ok file_read "{\"session_id\":\"$B\",\"path\":\"app.py\"}"
[ "$(jq_ 'j["modified_in_session"]')" = false ] || fail "refused write stored"
ok changes "{\"session_id\":\"$B\"}"; [ "$(jq_ 'len(j["symbols"])')" = 0 ] || fail "refused write changed symbols"

# file_list tells bob who else changes app.py
ok file_list "{\"session_id\":\"$B\"}"
jq_ '[f["other_modifiers"] for f in j["files"] if f["path"]=="app.py"][0]' | grep -q "$alice_name" || fail "other_modifiers"

# another function of the same file is free
ok file_write "{\"session_id\":\"$B\",\"path\":\"app.py\",\"content\":$(app_with 2 '- 2')}"

# carol reads app.py before alice submits
connect carol; C=$SID
ok file_read "{\"session_id\":\"$C\",\"path\":\"app.py\"}"

# submit releases alice's claim: bob (reading after it) may now take f1 too
ok submit "{\"session_id\":\"$A\"}"
ok file_read "{\"session_id\":\"$B\",\"path\":\"app.py\"}"
both=$(printf '%s' "$BODY" | python3 -c 'import json,sys; c=json.load(sys.stdin)["content"]; print(json.dumps(c.replace("return x + 1","return x - 1")))')
ok file_write "{\"session_id\":\"$B\",\"path\":\"app.py\",\"content\":$both}"

# carol's view of app.py predates alice's submitted changeset: STALE_OVERLAY, nothing written
op file_write "{\"session_id\":\"$C\",\"path\":\"app.py\",\"content\":$(app_with 3 '* 3')}"
expect 409 STALE_OVERLAY
[ "$(jq_ 'j["error"]["details"]["changeset_id"]')" != None ] || fail "stale changeset"
ok changes "{\"session_id\":\"$C\"}"; [ "$(jq_ 'len(j["symbols"])')" = 0 ] || fail "stale write stored"
# after a fresh read the same write goes through
ok file_read "{\"session_id\":\"$C\",\"path\":\"app.py\"}"
ok file_write "{\"session_id\":\"$C\",\"path\":\"app.py\",\"content\":$(app_with 3 '* 3')}"
serve_finish
echo "serve_claims: ok"
