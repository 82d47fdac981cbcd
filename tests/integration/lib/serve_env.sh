# tests/integration/lib/serve_env.sh - sourced by tests/integration/serve_*.sh:
# a temporary data directory with repository "demo" (app.py: f1, f2, f3),
# `dk serve` on 127.0.0.1 on a free port, the admin token, and helpers.
#   op NAME JSON [TOKEN]   POST /v1/NAME; body in $BODY, status in $STATUS
#   jq_ EXPR               evaluate a Python expression on $BODY (as `j`)
#   expect STATUS CODE     the last answer had this HTTP status and error code
#   serve_finish           stop the server; fail on a sanitizer report or a bad exit
# Needs DK_BIN; bounded: each curl has --max-time (generous: a sanitizer build on a
# loaded machine is slow; the waits are on state, never on a clock).
set -eu
DK=${DK_BIN:?DK_BIN must point at the dk binary}
tmp=$(mktemp -d)
SERVE_PID=
serve_cleanup() {
    if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap serve_cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    [ -n "${BODY:-}" ] && echo "last body: $BODY" >&2
    [ -f "$tmp/serve.err" ] && tail -15 "$tmp/serve.err" >&2
    exit 1
}

git init -q -b main "$tmp/src"
cat > "$tmp/src/app.py" <<'PY'
def f1(x):
    return x + 1


def f2(x):
    return x + 2


def f3(x):
    return x + 3
PY
printf 'notes\n' > "$tmp/src/README"
git -C "$tmp/src" add . && git -C "$tmp/src" -c user.name=t -c user.email=t@example.com commit -qm init
"$DK" repo import demo "$tmp/src" --data "$tmp/data" >/dev/null
"$DK" repo init other --data "$tmp/data" >/dev/null

serve_start() {
    rm -f "$tmp/serve.out"
    "$DK" serve --listen 127.0.0.1:0 --data "$tmp/data" "$@" >"$tmp/serve.out" 2>"$tmp/serve.err" &
    SERVE_PID=$!
    i=0
    while [ ! -s "$tmp/serve.out" ]; do
        i=$((i + 1)); [ $i -lt 1200 ] || fail "server did not start in 60 s"
        kill -0 "$SERVE_PID" 2>/dev/null || fail "server exited at start"
        sleep 0.05
    done
    URL=$(head -1 "$tmp/serve.out")
    HOSTPORT=${URL#http://}
    TOKEN=$(cat "$tmp/data/admin.token")
}

op() { # a background caller sets BODYFILE so that two calls never share one file
    _tok=${3-$TOKEN}
    _bf=${BODYFILE:-$tmp/body}
    if [ -n "$_tok" ]; then
        STATUS=$(curl -s --max-time 90 -o "$_bf" -w '%{http_code}' -H "Authorization: Bearer $_tok" \
            -H 'Content-Type: application/json' --data-binary "$2" "$URL/v1/$1")
    else
        STATUS=$(curl -s --max-time 90 -o "$_bf" -w '%{http_code}' \
            -H 'Content-Type: application/json' --data-binary "$2" "$URL/v1/$1")
    fi
    BODY=$(cat "$_bf")
}

jq_() {
    printf '%s' "$BODY" | python3 -S -c "import json,sys,signal; signal.signal(signal.SIGPIPE, signal.SIG_DFL); j=json.load(sys.stdin); v=($1); print(v if not isinstance(v,(dict,list,bool)) else json.dumps(v))"
}

expect() {
    [ "$STATUS" = "$1" ] || fail "expected HTTP $1, got $STATUS"
    if [ $# -ge 2 ]; then
        # the server writes compact JSON: no python needed for the code
        case "$BODY" in *"{\"error\":{\"code\":\"$2\""*) ;; *) fail "expected error $2" ;; esac
    fi
}

ok() {
    op "$@"
    [ "$STATUS" = 200 ] || fail "$1: HTTP $STATUS"
}

connect() { # connect AGENT [TOKEN] -> $SID
    ok connect "{\"repo\":\"demo\",\"intent\":\"work of $1\",\"agent_id\":\"$1\"}" "${2-$TOKEN}"
    SID=$(jq_ 'j["session_id"]')
}

# app.py with f$1 returning `x $2`
app_with() {
    python3 -S - "$tmp/src/app.py" "$1" "$2" <<'PY'
import sys, json
src = open(sys.argv[1]).read()
n, expr = sys.argv[2], sys.argv[3]
src = src.replace("    return x + %s\n" % n, "    return x %s\n" % expr)
print(json.dumps(src))
PY
}

serve_finish() {
    kill "$SERVE_PID"
    rc=0; wait "$SERVE_PID" || rc=$?
    SERVE_PID=
    if grep -q 'AddressSanitizer\|LeakSanitizer\|runtime error:' "$tmp/serve.err"; then
        sed -n '/Sanitizer\|runtime error/,$p' "$tmp/serve.err" | head -40 >&2
        fail "sanitizer report from dk serve"
    fi
    [ $rc -eq 0 ] || fail "dk serve exited $rc"
}
