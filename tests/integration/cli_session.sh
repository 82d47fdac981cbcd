#!/bin/sh
# tests/integration/cli_session.sh - the session CLI (docs/cli.md) on both
# backends: in-process on a data directory, and against `dk serve` on
# 127.0.0.1 (--server). The same scenario runs on each:
#   connect -> write (stdin, binary) -> ls -> cat -> status -> check -> submit
#   -> verify (steps as they finish) -> land, with the state file remembered
#   (mode 0600) and cleared by the ending commands; a second agent refused by a
#   claim (exit 1, nothing stored); two agents conflicting: check and land exit
#   1 with both versions and the resolve command, a wrong resolve exits 2 with
#   nothing changed, resolve lands (in-process: keep mine; on the server: the
#   whole file with --content and --no-land, then submit and land); approve,
#   revert, abandon, close; watch (once and --follow); sessions; search and context; --json parsed by
#   python3; unknown session, bad path, missing file, no session, wrong token
#   each a clear error, a non-zero exit and nothing changed; on the server also
#   a read token writing and another token's session (FORBIDDEN, exit 4) and
#   the server gone (exit 5).
# In-process also: a failing pipeline (verify exit 1, the failed step's output).
# Once: --help exits 0 on every command; colour on a terminal, none with
# NO_COLOR or off a terminal; `dk help` documents the exit codes.
. "$(dirname "$0")/lib/serve_env.sh"

# the second data directory (in-process), same repository
"$DK" repo import demo "$tmp/src" --data "$tmp/local" >/dev/null

# as AGENT CMD...: run dk with AGENT's own state file; output in $OUT/$ERR, status in $RC
as() {
    _agent=$1; shift
    RC=0
    DK_STATE="$tmp/$_agent.state" "$DK" "$@" >"$tmp/out" 2>"$tmp/err" || RC=$?
    OUT=$(cat "$tmp/out"); ERR=$(cat "$tmp/err")
    if grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$tmp/err"; then
        cat "$tmp/err" >&2; fail "sanitizer report from dk $*"
    fi
}
rc_is() { [ "$RC" = "$1" ] || { echo "stdout: $OUT" >&2; echo "stderr: $ERR" >&2; fail "$2: exit $RC, expected $1"; }; }
out_has() { printf '%s' "$OUT" | grep -q -- "$1" || { echo "stdout: $OUT" >&2; fail "$2: stdout lacks '$1'"; }; }
err_has() { printf '%s' "$ERR" | grep -q -- "$1" || { echo "stderr: $ERR" >&2; fail "$2: stderr lacks '$1'"; }; }
# py EXPR: evaluate EXPR on the JSON in $OUT (as j)
py() { printf '%s' "$OUT" | python3 -c "import json,sys; j=json.load(sys.stdin); v=($1); print(v if not isinstance(v,(dict,list,bool)) else json.dumps(v))"; }
# app.py with f$1 returning `x $2`, as raw text
app_raw() { python3 -S -c 'import sys; s=open(sys.argv[1]).read(); print(s.replace("    return x + %s\n" % sys.argv[2], "    return x %s\n" % sys.argv[3]), end="")' "$tmp/src/app.py" "$1" "$2"; }

# ---- once: --help, dk help, no session -------------------------------------
for c in connect status cat write rm ls check submit verify approve reject land resolve revert abandon close watch sessions context search; do
    as nobody "$c" --help; rc_is 0 "$c --help"; out_has "usage: dk $c" "$c --help"
    as nobody "$c" -h; rc_is 0 "$c -h"
done
as nobody help; rc_is 0 "dk help"
out_has "exit statuses" "dk help exit codes"; out_has "SYMBOL_CLAIMED" "dk help maps the codes"; out_has "resolve" "dk help lists resolve"
as nobody status --data "$tmp/local"; rc_is 2 "status without a session"; err_has "no current session" "no session message"
as nobody connect demo --data "$tmp/local"; rc_is 2 "connect without --intent"; err_has "intent" "connect usage"
as nobody ls --bogus; rc_is 2 "unknown option"; err_has "unknown option" "unknown option message"
[ ! -e "$tmp/nobody.state" ] || fail "a refused command wrote the state file"
# a second connect replaces the current session and says the first stays open
as nobody connect demo --intent one --data "$tmp/local"; rc_is 0 "first connect"
OUT=$(cat "$tmp/nobody.state"); first=$(py 'j["session_id"]')
as nobody connect demo --intent two --data "$tmp/local"; rc_is 0 "second connect"
err_has "previous current session $first stays open" "second connect note"
as nobody close; rc_is 0 "close the second"
as nobody close --session "$first" --data "$tmp/local"; rc_is 0 "close the first"

# ---- the scenario, once per backend -----------------------------------------
# $1: "local" (in-process; connect gets --data) or "remote" (connect gets --server)
scenario() {
    mode=$1
    if [ "$mode" = local ]; then where="--data $tmp/local"; else where="--server $URL"; fi
    for a in alice bob carol dave; do rm -f "$tmp/$a.state"; done

    # connect: the state file remembers the session and where it lives, mode 0600
    as alice connect demo --intent "f1 times ten" --agent alice $where; rc_is 0 "$mode connect"
    out_has "session " "connect output"
    [ "$(stat -c %a "$tmp/alice.state")" = 600 ] || fail "$mode: state file mode"
    OUT=$(cat "$tmp/alice.state"); A=$(py 'j["session_id"]')
    if [ "$mode" = local ]; then [ "$(py 'j["data"]')" = "$tmp/local" ] || fail "state data dir"
    else [ "$(py 'j["server"]')" = "$URL" ] || fail "state server"; fi
    as bob connect demo --intent "f1 minus one" --agent bob --json $where; rc_is 0 "$mode connect --json"
    B=$(py 'j["session_id"]'); [ "$(py 'j["other_sessions"][0]["agent_id"]')" = alice ] || fail "other sessions"

    # write from stdin (no --session: the state file), ls, cat, status
    app_raw 1 '* 10' > "$tmp/a1.py"
    RC=0; DK_STATE="$tmp/alice.state" "$DK" write app.py < "$tmp/a1.py" >"$tmp/out" 2>"$tmp/err" || RC=$?
    OUT=$(cat "$tmp/out"); ERR=$(cat "$tmp/err"); rc_is 0 "$mode write stdin"; out_has "f1 modified" "write symbols"
    as alice ls; rc_is 0 "$mode ls"; out_has "M app.py" "ls marks the change"
    as alice ls --modified --json; rc_is 0 "ls --json"
    [ "$(py '[(f["path"], f["status"]) for f in j["files"]]')" = '[["app.py", "modified"]]' ] || fail "$mode ls --json"
    as alice cat app.py; rc_is 0 "$mode cat"; out_has 'return x \* 10' "cat own write"
    as alice status --json; rc_is 0 "status --json"
    [ "$(py 'j["session_id"]')" = "$A" ] || fail "status session"; [ "$(py 'j["files_changed"]')" = 1 ] || fail "status files"
    as alice status; rc_is 0 "status"; out_has "1 files and 1 symbols changed" "status text"

    # binary content goes as base64 and comes back byte for byte
    printf '\377\376\000bin' > "$tmp/bin"
    as alice write data/blob.bin "$tmp/bin"; rc_is 0 "$mode write binary"
    DK_STATE="$tmp/alice.state" "$DK" cat data/blob.bin > "$tmp/bin.back" || fail "cat binary"
    cmp -s "$tmp/bin" "$tmp/bin.back" || fail "$mode: binary round trip"
    as alice cat data/blob.bin --json; [ "$(py 'j["encoding"]')" = base64 ] || fail "cat --json encoding"
    as alice rm data/blob.bin; rc_is 0 "$mode rm"; out_has "deleted data/blob.bin" "rm output"

    # bob is refused by alice's claim on f1: exit 1, the holder named, nothing stored
    app_raw 1 '- 1' > "$tmp/b1.py"
    as bob write app.py "$tmp/b1.py"; rc_is 1 "$mode claimed write"
    err_has SYMBOL_CLAIMED "claim code"; err_has "app.py::f1 is claimed by" "claim holder"
    as bob write app.py "$tmp/b1.py" --json; rc_is 1 "claimed write --json"
    [ "$(py 'j["error"]["code"]')" = SYMBOL_CLAIMED ] || fail "claimed --json code"
    [ "$(py 'j["error"]["details"]["claims"][0]["holder_session"]')" = "$A" ] || fail "claim holder session"
    as bob ls --modified --json; [ "$(py 'len(j["files"])')" = 0 ] || fail "$mode: the refused write stored something"
    as bob ls; out_has "also changing" "ls shows who else changes app.py"

    # errors: unknown session, bad path, missing file; nothing changes
    as alice status --session no-such-session; rc_is 3 "$mode unknown session"; err_has SESSION_NOT_FOUND "unknown session code"
    as alice write ../evil "$tmp/a1.py"; rc_is 2 "$mode bad path"; err_has INVALID_PATH "bad path code"
    as alice write app.py "$tmp/no-such-file"; rc_is 3 "$mode missing file"; err_has "cannot open" "missing file message"
    as alice cat no/such/file; rc_is 3 "$mode cat missing"; err_has NOT_FOUND "cat missing code"
    as alice cat app.py; out_has 'return x \* 10' "$mode: an error changed alice's file"

    # alice: check, submit, verify (steps as they finish, then the verdict), land
    as alice check; rc_is 0 "$mode check"; out_has clean "check clean"
    as alice submit; rc_is 0 "$mode submit"; out_has "submitted changeset" "submit output"
    as alice verify; rc_is 0 "$mode verify"
    out_has "pass *semantic" "verify step line"; out_has "passed" "verify verdict"
    # each step once (from its changeset.verify_step event as it finished), every one named
    [ "$(printf '%s\n' "$OUT" | grep -c '^  pass ')" = 1 ] || fail "$mode: verify printed a step twice"
    if printf '%s\n' "$OUT" | grep -Eq '^ +(pass|fail|skip|timeout)? +\('; then fail "$mode: a step without a name"; fi
    as alice land --message "f1 times ten"; rc_is 0 "$mode land"; out_has landed "land output"
    [ ! -e "$tmp/alice.state" ] || fail "$mode: land kept the state file"
    as alice status --session "$A" --json $where; [ "$(py 'j["state"]')" = closed ] || fail "$mode: land closed the session"

    # bob changes f1 too (the claim ended when alice landed): a real conflict
    as bob write app.py "$tmp/b1.py"; rc_is 0 "$mode bob write"
    as bob check; rc_is 1 "$mode check conflict"; out_has "conflict" "check lists the conflict"
    as bob submit; rc_is 0 "$mode bob submit"
    as bob land; rc_is 1 "$mode land conflict"
    err_has CONFLICT "land conflict code"; err_has "conflict app.py::f1" "conflict target"
    err_has "theirs (the branch head)" "theirs side"; err_has "x \* 10" "theirs text"
    err_has "mine (this session)" "mine side"; err_has "x - 1" "mine text"; err_has "x + 1" "base text"
    err_has "dk resolve app.py::f1 --keep-mine" "resolve hint"; err_has "recovery:" "recovery steps"
    as bob land --json; rc_is 1 "land --json conflict"
    [ "$(py 'j["error"]["code"]')" = CONFLICT ] || fail "land --json code"
    [ "$(py 'j["error"]["details"]["conflicts"][0]["symbol"]')" = f1 ] || fail "land --json symbol"
    [ -e "$tmp/bob.state" ] || fail "a conflict cleared the state file"
    # a resolve that does not match the conflicts: exit 2, nothing changes
    as bob resolve app.py::f2 --keep-mine; rc_is 2 "$mode wrong resolve"; err_has INVALID_ARGUMENT "wrong resolve code"
    as bob resolve app.py::f1; rc_is 2 "resolve without an action"
    as bob status --json; [ "$(py 'j["session_id"]')" = "$B" ] || fail "wrong resolve moved the session"
    [ "$(py 'j["changeset_state"]')" = submitted ] || fail "wrong resolve changed the changeset"
    if [ "$mode" = local ]; then
        # keep mine: resolve lands at once and ends the session
        as bob resolve app.py::f1 --keep-mine --json; rc_is 0 "$mode resolve"
        [ "$(py 'j["landed"]')" = true ] || fail "resolve landed"
        [ "$(py 'j.get("replaces_session_id", j["session_id"])')" = "$B" ] || fail "resolve replaces"
        [ ! -e "$tmp/bob.state" ] || fail "$mode: a landed resolve kept the state file"
    else
        # the whole file as given, not landed yet: the state file follows the work, then land
        app_raw 1 '- 1' > "$tmp/merged.py"
        as bob resolve app.py --content "$tmp/merged.py" --no-land; rc_is 0 "$mode resolve --content"
        out_has "resolved in session" "resolve output"; out_has "not landed" "resolve --no-land"
        OUT=$(cat "$tmp/bob.state"); B2=$(py 'j["session_id"]')
        as bob status --json; [ "$(py 'j["state"]')" = active ] || fail "the state file names a live session"
        [ "$(py 'j["files_changed"]')" = 1 ] || fail "resolve --content wrote the file"
        as bob submit; rc_is 0 "submit after resolve"
        as bob land; rc_is 0 "$mode land after resolve"; out_has "session $B2 closed" "land closes the resolved session"
        [ ! -e "$tmp/bob.state" ] || fail "$mode: land after resolve kept the state file"
    fi

    # carol: the branch has bob's f1; approve, land, then revert it in dave's session
    as carol connect demo --intent "f3" --agent carol $where; rc_is 0 "carol connect"
    as carol cat app.py; out_has 'return x - 1' "$mode: resolve landed bob's f1"
    DK_STATE="$tmp/carol.state" "$DK" cat app.py | sed 's/return x + 3/return x * 3/' > "$tmp/c3.py"
    as carol write app.py "$tmp/c3.py"; rc_is 0 "carol write"; as carol submit --json; CS=$(py 'j["changeset_id"]')
    as carol approve; rc_is 2 "approve without --reason"
    as carol approve --reason "looks right"; rc_is 0 "$mode approve"; out_has "approved changeset $CS" "approve output"
    as carol land; rc_is 0 "carol land"
    as dave connect demo --intent "undo f3" --agent dave $where; rc_is 0 "dave connect"
    as dave revert "$CS"; rc_is 0 "$mode revert"; out_has "reverted changeset $CS" "revert output"
    as dave ls --modified --json; [ "$(py '[f["path"] for f in j["files"]]')" = '["app.py"]' ] || fail "revert wrote the inverse"
    as dave abandon --reason "changed my mind"; rc_is 0 "$mode abandon"; out_has abandoned "abandon output"
    [ ! -e "$tmp/dave.state" ] || fail "abandon kept the state file"
    as dave connect demo --intent "close it" --agent dave $where; rc_is 0 "dave connect 2"
    as dave close; rc_is 0 "$mode close"; [ ! -e "$tmp/dave.state" ] || fail "close kept the state file"

    # watch: once (human and --json), then --follow sees a new event as it comes
    as carol watch --repo demo --type 'changeset.merged' $where; rc_is 0 "$mode watch"; out_has "changeset.merged" "watch lists landings"
    as carol watch --repo demo --type 'changeset.*' --json $where; rc_is 0 "watch --json"
    [ "$(py 'all(e["type"].startswith("changeset.") for e in j["events"]) and len(j["events"]) > 2')" = true ] || fail "watch --json types"
    NEXT=$(py 'j["next"]')
    DK_STATE="$tmp/none.state" "$DK" watch --repo demo --since "$NEXT" --type 'session.connected' --follow --json $where \
        >"$tmp/follow" 2>"$tmp/follow.err" &
    FOLLOW=$!
    sleep 0.5
    as eve connect demo --intent "be seen" --agent eve $where; rc_is 0 "eve connect"
    i=0; while ! grep -q '"agent_id": *"eve"' "$tmp/follow"; do
        i=$((i + 1)); [ $i -lt 600 ] || { kill $FOLLOW; cat "$tmp/follow.err" >&2; fail "$mode: watch --follow missed the event (60 s)"; }
        sleep 0.1
    done
    kill $FOLLOW; wait $FOLLOW 2>/dev/null || true
    grep -q 'AddressSanitizer\|runtime error:' "$tmp/follow.err" && fail "sanitizer report from watch --follow"
    head -1 "$tmp/follow" | python3 -c 'import json,sys; e=json.loads(sys.stdin.readline()); assert e["type"]=="session.connected"' || fail "follow --json lines"

    # sessions, search, context
    as eve sessions --json; rc_is 0 "$mode sessions"
    [ "$(py '"eve" in [s["agent_id"] for s in j["sessions"]]')" = true ] || fail "sessions lists eve"
    as eve sessions; out_has '^\* ' "sessions marks the current one"
    as eve search f1; rc_is 0 "$mode search"; out_has "app.py" "search finds app.py"; out_has "f1" "search finds f1"
    as eve context f1 --max-tokens 40 --json; rc_is 0 "$mode context"
    [ "$(py 'j["estimated_tokens"] <= 40 and j["symbols"][0]["name"] == "f1"')" = true ] || fail "context budget and rank"
    as eve context --repo demo f1 --max-results 1; rc_is 0 "context --repo"; out_has "return x - 1" "context source at the head"
    as eve close; rc_is 0 "eve close"
}

scenario local

# verify with a pipeline: each step as it finishes, a failed one with its output, exit 1
v="$tmp/vsrc"; git init -q -b main "$v"; mkdir -p "$v/.dk"
printf 'all:\n\t@echo building\ntest:\n\t@grep -q good status.txt || (echo "status.txt: not good" >&2; exit 1)\n' > "$v/Makefile"
printf 'good\n' > "$v/status.txt"
printf 'stages:\n  - name: build\n    steps:\n      - name: build\n        run: make\n  - name: test\n    steps:\n      - name: unit\n        run: make test\n' > "$v/.dk/pipeline.yaml"
git -C "$v" add . && git -C "$v" -c user.name=t -c user.email=t@example.com commit -qm init
"$DK" repo import vrepo "$v" --data "$tmp/local" >/dev/null
as vera connect vrepo --intent "break it" --agent vera --data "$tmp/local"; rc_is 0 "vrepo connect"
printf 'bad\n' > "$tmp/status.txt"
as vera write status.txt "$tmp/status.txt"; rc_is 0 "vrepo write"
as vera submit; rc_is 0 "vrepo submit"
as vera verify; rc_is 1 "failed verify"
out_has "pass *build" "passing step"; out_has "fail *unit" "failing step"
out_has "status.txt: not good" "failed step output"; out_has "failed: changeset rejected" "verdict"
# three steps (semantic, build, unit), each printed once
[ "$(printf '%s\n' "$OUT" | grep -c '^  \(pass\|fail\) ')" = 3 ] || { echo "$OUT" >&2; fail "verify printed a step twice"; }
as vera land; rc_is 1 "a rejected changeset lands"; err_has INVALID_STATE "rejected land code"
as vera abandon; rc_is 0 "vrepo abandon"

# a human-approve step: verify stops there, says so (not "failed"), and approve lets it land
h="$tmp/hsrc"; git init -q -b main "$h"; mkdir -p "$h/.dk"
printf 'all:\n\t@echo building\n' > "$h/Makefile"
printf 'one\n' > "$h/notes.txt"
printf 'stages:\n  - name: build\n    steps:\n      - name: build\n        run: make\n  - name: sign\n    steps:\n      - name: sign-off\n        type: human-approve\n' > "$h/.dk/pipeline.yaml"
git -C "$h" add . && git -C "$h" -c user.name=t -c user.email=t@example.com commit -qm init
"$DK" repo import hrepo "$h" --data "$tmp/local" >/dev/null
as hana connect hrepo --intent "needs a person" --agent hana --data "$tmp/local"; rc_is 0 "hrepo connect"
printf 'two\n' > "$tmp/notes.txt"
as hana write notes.txt "$tmp/notes.txt"; rc_is 0 "hrepo write"
as hana submit; rc_is 0 "hrepo submit"
as hana verify; rc_is 1 "verify waiting for a person"
out_has "pass *build" "step before the approval"; out_has "waiting *sign-off" "the waiting step"
out_has "awaiting approval" "waiting verdict"; out_has "dk approve" "how to go on"
out_has "dk reject" "how to say no"
! printf '%s' "$OUT" | grep -q "failed:" || { echo "$OUT" >&2; fail "a waiting verify reported as failed"; }
# a person says no first: dk reject (a reason required), then the session changes and submits again
as hana reject; rc_is 2 "reject without --reason"; err_has "reject needs --reason" "reject usage"
as hana reject --reason "should say three"; rc_is 0 "reject"; out_has "rejected changeset" "reject output"
as hana status --json; [ "$(py 'j["changeset_state"]')" = rejected ] || fail "not rejected"
as hana reject --reason "again"; rc_is 1 "reject twice"; err_has INVALID_STATE "reject twice code"
as hana land; rc_is 1 "a rejected changeset lands"
printf 'three\n' > "$tmp/notes.txt"
as hana write notes.txt "$tmp/notes.txt"; rc_is 0 "hrepo write again"
as hana submit; rc_is 0 "hrepo resubmit"
as hana verify; rc_is 1 "verify waiting for a person again"; out_has "awaiting approval" "waiting again"
as hana approve --reason "read it"; rc_is 0 "approve"
as hana land; rc_is 0 "land after approval"

serve_start
export DK_TOKEN="$TOKEN"
scenario remote
# wrong token: UNAUTHORIZED, exit 4, nothing changed
as frank connect demo --intent x --agent frank --server "$URL"; rc_is 0 "frank connect"
as frank write app.py "$tmp/a1.py" \
    --token dkt_0000000000000000_0000000000000000000000000000000000000000000000000000000000000000
rc_is 4 "wrong token"; err_has UNAUTHORIZED "wrong token code"
as frank ls --modified --json; [ "$(py 'len(j["files"])')" = 0 ] || fail "a refused token wrote"
# a read token may not write, nor act on another token's session: FORBIDDEN, exit 4
rd=$("$DK" token create --scope read --data "$tmp/data" 2>/dev/null)
as frank write app.py "$tmp/a1.py" --token "$rd"; rc_is 4 "read token writes"; err_has FORBIDDEN "read token code"
wr=$("$DK" token create --scope write --data "$tmp/data" 2>/dev/null)
as frank status --token "$wr"; rc_is 4 "another token's session"; err_has FORBIDDEN "another token's session code"
as frank ls --modified --json; [ "$(py 'len(j["files"])')" = 0 ] || fail "a forbidden token wrote"
as frank status --token "" ; [ "$RC" -ne 0 ] || fail "an empty token was accepted"
serve_finish
# the server is gone: unavailable, exit 5
as frank status; rc_is 5 "server down"; err_has "cannot reach dk serve" "server down message"

# colour: on a terminal unless NO_COLOR; never off a terminal
esc=$(printf '\033')
DK_STATE="$tmp/alice.state" "$DK" connect demo --intent colour --agent alice --data "$tmp/local" >/dev/null || fail "connect for colour"
script -qec "DK_STATE=$tmp/alice.state $DK status" /dev/null > "$tmp/tty" 2>&1 || fail "status on a tty"
grep -q "$esc\[" "$tmp/tty" || fail "no colour on a terminal"
script -qec "NO_COLOR=1 DK_STATE=$tmp/alice.state $DK status" /dev/null > "$tmp/tty" 2>&1 || fail "status NO_COLOR"
grep -q "$esc\[" "$tmp/tty" && fail "colour with NO_COLOR set"
grep -q "session " "$tmp/tty" || fail "NO_COLOR status text"
as alice status; printf '%s' "$OUT" | grep -q "$esc" && fail "colour off a terminal"
as alice close; rc_is 0 "close"
echo "cli_session: ok"
